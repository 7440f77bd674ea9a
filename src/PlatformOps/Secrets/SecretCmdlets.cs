using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>The platform's secret hygiene as Pass/Warn/Fail checks with evidence.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "PlatformSecretHygiene")]
    [OutputType(typeof(SecretHygieneCheck))]
    public sealed class TestPlatformSecretHygieneCommand : DockerCmdlet
    {
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string EnvFile { get; set; } = ".env";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ExampleFile { get; set; } = ".env.example";

        [Parameter]
        public SwitchParameter SkipContainers { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 10;

        /// <summary>Returns only $true (every result passed) or $false, for gates: if (-not (... -Quiet)) { exit 1 }.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void EndProcessing()
        {
            var folder = Path == null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : GetUnresolvedProviderPathFromPSPath(Path);
            if (!Directory.Exists(folder))
                Fail("PlatformSecretPathNotFound", ErrorCategory.ObjectNotFound, Path, $"The folder '{folder}' does not exist.");
            var options = new HygieneOptions
            {
                Folder = folder,
                EnvFile = EnvFile,
                ExampleFile = ExampleFile,
                Docker = SkipContainers ? null : ResolveDocker(),
                DockerTimeout = TimeSpan.FromSeconds(TimeoutSec),
            };
            try
            {
                foreach (var check in Await(ct => SecretHygieneChecker.CheckAsync(options, ct))) WriteResult(check, check.Status != Verdict.Fail, Quiet);
                WriteQuietVerdict(Quiet);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }

    /// <summary>What New-PlatformEnvTemplate wrote.</summary>
    public sealed class EnvTemplateResult
    {
        public string Path { get; internal set; } = string.Empty;
        public string Source { get; internal set; } = string.Empty;
        public int Keys { get; internal set; }
        /// <summary>Values replaced by the placeholder.</summary>
        public int Replaced { get; internal set; }
        /// <summary>Values kept: empty, references (${VAR}), and with -KeepNonSecret the non-secret ones.</summary>
        public int Kept { get; internal set; }

        public override string ToString() => Path;
    }

    /// <summary>Writes .env.example from .env: same keys, comments and order; values replaced by placeholders.</summary>
    [Cmdlet(VerbsCommon.New, "PlatformEnvTemplate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(EnvTemplateResult))]
    public sealed class NewPlatformEnvTemplateCommand : PlatformCmdlet
    {
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = ".env";

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        [Parameter]
        [AllowEmptyString]
        public string Placeholder { get; set; } = "change-me";

        [Parameter]
        public SwitchParameter KeepNonSecret { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var source = GetUnresolvedProviderPathFromPSPath(Path);
            if (!File.Exists(source))
                Fail("PlatformEnvFileNotFound", ErrorCategory.ObjectNotFound, Path, $"The env file '{source}' does not exist.");
            var destination = Destination == null
                ? System.IO.Path.Combine(System.IO.Path.GetDirectoryName(source) ?? ".", System.IO.Path.GetFileName(source) + ".example")
                : GetUnresolvedProviderPathFromPSPath(Destination);
            if (string.Equals(System.IO.Path.GetFullPath(source), System.IO.Path.GetFullPath(destination), StringComparison.Ordinal))
                Fail("PlatformEnvTemplateSameFile", ErrorCategory.InvalidArgument, destination, "The template would overwrite the env file itself. Give another -Destination.");
            if (File.Exists(destination) && !Force)
                Fail("PlatformEnvTemplateExists", ErrorCategory.ResourceExists, destination,
                    $"'{destination}' already exists. Nothing was written. Use -Force to replace it.");
            var env = EnvFile.Read(source);
            var problems = env.Problems.ToList();
            if (problems.Count > 0)
                Fail("PlatformEnvFileInvalid", ErrorCategory.InvalidData, source,
                    $"'{source}' has {problems.Count} line(s) that are not comments or KEY=value entries as Docker Compose reads them: " +
                    string.Join("; ", problems.Take(5).Select(p => $"line {p.Number}: {p.Problem}")) + (problems.Count > 5 ? $"; and {problems.Count - 5} more" : string.Empty) +
                    ". Nothing was written (copying such lines could copy a secret). Quote multi-line values (KEY=\"...\") and fix those lines.");
            var (template, result) = Build(env, Placeholder, KeepNonSecret);
            result.Path = destination;
            result.Source = source;
            var text = template.ToText();
            // The template is checked with the secret engine before it is written: nothing it would flag may reach it.
            var leaks = ContentScanner.Scan(text, ContentScanner.KindOf(destination));
            if (leaks.Count > 0)
                Fail("PlatformEnvTemplateLeak", ErrorCategory.InvalidData, destination,
                    $"The template would still hold {leaks.Count} secret(s) ({string.Join(", ", leaks.Take(5).Select(l => $"line {l.Line} {l.Rule}"))}). Nothing was written. " +
                    "Drop -KeepNonSecret, or move those values out of the env file.");
            if (!ShouldProcess(destination, $"Write an env template with {result.Keys} keys ({result.Replaced} values replaced by '{Placeholder}')")) return;
            AtomicFile.WriteAllText(destination, text);
            WriteObject(result);
        }

        private static readonly char[] UrlCharacters = { '/', ':' };

        internal static (EnvFile, EnvTemplateResult) Build(EnvFile env, string placeholder, bool keepNonSecret)
        {
            var result = new EnvTemplateResult();
            var lines = new List<EnvLine>();
            foreach (var line in env.Lines)
            {
                if (line.Key == null)
                {
                    lines.Add(line);
                    continue;
                }
                result.Keys++;
                var keep = line.Value.Length == 0 || SecretText.IsReference(line.Value)
                    || (keepNonSecret && SecretText.ClassifyName(line.Key) == SecretNameKind.None
                        && ContentScanner.Scan(line.Key + "=" + line.Value, FileKind.Config).Count == 0
                        && !(SecretText.LooksRandom(line.Value, 24) && line.Value.IndexOfAny(UrlCharacters) < 0));
                if (keep)
                {
                    result.Kept++;
                    lines.Add(line);
                    continue;
                }
                result.Replaced++;
                // The whole entry is replaced, every line of a quoted multi-line value with it.
                lines.Add(new EnvLine
                {
                    Key = line.Key,
                    Prefix = line.Prefix,
                    Comment = line.Comment,
                    Number = line.Number,
                    Value = placeholder,
                    Modified = true,
                });
            }
            return (new EnvFile(lines, env.NewLine), result);
        }
    }

    /// <summary>A strong random secret as a SecureString or PSCredential; written to an env file entry or a Docker secret file when asked.</summary>
    [Cmdlet(VerbsCommon.New, "PlatformSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ValueSet)]
    [OutputType(typeof(SecureString), ParameterSetName = new[] { ValueSet })]
    [OutputType(typeof(PSCredential), ParameterSetName = new[] { ValueSet })]
    [OutputType(typeof(PlatformSecret), ParameterSetName = new[] { EnvSet, FileSet })]
    public sealed class NewPlatformSecretCommand : PlatformCmdlet
    {
        private const string ValueSet = "Value";
        private const string EnvSet = "EnvFile";
        private const string FileSet = "SecretFile";

        [Parameter(Position = 0)]
        [ValidateRange(8, 4096)]
        public int Length { get; set; } = 32;

        [Parameter]
        public SecretAlphabet Alphabet { get; set; } = SecretAlphabet.AlphaNumeric;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Characters { get; set; }

        [Parameter(ParameterSetName = ValueSet)]
        [ValidateNotNullOrEmpty]
        public string? UserName { get; set; }

        [Parameter(ParameterSetName = EnvSet, Mandatory = true)]
        [Parameter(ParameterSetName = FileSet)]
        [ValidatePattern("^[A-Za-z_][A-Za-z0-9_]*$")]
        public string? Name { get; set; }

        [Parameter(ParameterSetName = EnvSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? EnvFile { get; set; }

        [Parameter(ParameterSetName = FileSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? SecretFile { get; set; }

        [Parameter(ParameterSetName = EnvSet)]
        [Parameter(ParameterSetName = FileSet)]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var characters = Characters ?? SecretGenerator.Characters(Alphabet);
            try
            {
                if (ParameterSetName == ValueSet)
                {
                    var value = SecretGenerator.Generate(Length, characters);
                    WriteVerbose($"Generated {Length} characters from {characters.Distinct().Count()} ({SecretGenerator.Bits(Length, characters.Distinct().Count()):0} bits).");
                    if (UserName != null) WriteObject(new PSCredential(UserName, value));
                    else WriteObject(value);
                    return;
                }
                if (ParameterSetName == EnvSet)
                {
                    var path = GetUnresolvedProviderPathFromPSPath(EnvFile!);
                    if (!ShouldProcess(path, $"Set {Name} to a new {Length}-character secret")) return;
                    var value = SecretGenerator.Generate(Length, characters);
                    var replaced = SecretWriter.WriteEnvEntry(path, Name!, value, Force);
                    WriteVerbose($"{(replaced ? "Replaced" : "Added")} {Name} in {path} (mode {AtomicFile.ModeOf(path) ?? "n/a"}).");
                    WriteObject(new PlatformSecret { Name = Name!, Source = SecretSource.EnvFile, Location = path, Value = value });
                }
                else
                {
                    var path = GetUnresolvedProviderPathFromPSPath(SecretFile!);
                    if (!ShouldProcess(path, $"Write a new {Length}-character secret file (mode 0600)")) return;
                    var value = SecretGenerator.Generate(Length, characters);
                    SecretWriter.WriteSecretFile(path, value, Force);
                    WriteObject(new PlatformSecret
                    {
                        Name = Name ?? System.IO.Path.GetFileName(path),
                        Source = SecretSource.DockerSecret,
                        Location = path,
                        Value = value,
                    });
                }
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Fail("PlatformSecretWriteFailed", ErrorCategory.WriteError, EnvFile ?? SecretFile, $"Cannot write the secret: {PlatformErrors.Reason(ex)}", ex);
            }
        }
    }

    /// <summary>Resolves a named secret from a SecretManagement vault, a Docker secret file, an env file or the environment.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformSecret")]
    [OutputType(typeof(PlatformSecret))]
    [OutputType(typeof(PSCredential))]
    public sealed class GetPlatformSecretCommand : PlatformCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EnvFile { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? SecretsPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultCompleter))]
        public string? Vault { get; set; }

        [Parameter]
        public SwitchParameter NoVault { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AsCredentialFor { get; set; }

        private bool? _vaultAvailable;

        protected override void ProcessRecord()
        {
            var envFile = EnvFile != null ? GetUnresolvedProviderPathFromPSPath(EnvFile)
                : System.IO.Path.Combine(SessionState.Path.CurrentFileSystemLocation.ProviderPath, ".env");
            var folders = SecretsPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList() ?? new List<string> { "/run/secrets" };
            foreach (var name in Name)
            {
                var lookedAt = new List<string>();
                var secret = SecretResolver.Resolve(name, VaultAvailable() ? FromVault : null, folders, envFile, Environment.GetEnvironmentVariable, lookedAt);
                if (secret == null)
                {
                    Report("PlatformSecretNotFound", ErrorCategory.ObjectNotFound, name,
                        $"The secret '{name}' was not found. Looked in: {string.Join(", ", lookedAt)}.");
                    continue;
                }
                WriteVerbose($"{name}: from {secret.Source} ({secret.Location}), {secret.Length} characters; set in {string.Join(", ", secret.Sources)}.");
                if (secret.Conflict)
                    WriteWarning($"{name}: {string.Join(" and ", secret.Differing)} set{(secret.Differing.Count == 1 ? "s" : string.Empty)} a different value than {secret.Source} ({secret.Location}), which is used" +
                        (secret.Source == SecretSource.Environment ? " (as in Docker Compose, the shell environment overrides the .env file)" : string.Empty) +
                        ". Make them agree, or unset the one that is stale.");
                if (AsCredentialFor != null) WriteObject(secret.ToCredential(AsCredentialFor));
                else WriteObject(secret);
            }
        }

        private bool VaultAvailable()
        {
            if (NoVault) return false;
            if (_vaultAvailable == null)
            {
                var found = InvokeCommand.InvokeScript("@(Get-Command -Name Get-Secret -Module Microsoft.PowerShell.SecretManagement -ErrorAction Ignore).Count");
                _vaultAvailable = found.Count > 0 && found[0]?.BaseObject is int n && n > 0;
                if (_vaultAvailable == false && Vault != null)
                    Fail("PlatformSecretVaultUnavailable", ErrorCategory.NotInstalled, Vault,
                        "-Vault was given but Microsoft.PowerShell.SecretManagement is not installed. Install-Module Microsoft.PowerShell.SecretManagement, or drop -Vault.");
            }
            return _vaultAvailable == true;
        }

        private (SecureString?, string?) FromVault(string name)
        {
            var script = Vault == null
                ? "param($n) $info = Get-SecretInfo -Name $n -ErrorAction Ignore | Select-Object -First 1; if ($info) { $info.VaultName; Get-Secret -Name $n -Vault $info.VaultName -ErrorAction Ignore }"
                : "param($n, $v) $v; Get-Secret -Name $n -Vault $v -ErrorAction Ignore";
            var sb = InvokeCommand.NewScriptBlock(script);
            var output = Vault == null ? sb.Invoke(name) : sb.Invoke(name, Vault);
            if (output.Count < 2) return (null, null);
            var vaultName = output[0]?.BaseObject as string;
            var value = output[1]?.BaseObject switch
            {
                SecureString s => s,
                string s => Common.Sensitive.ToSecureString(s),
                PSCredential c => c.Password,
                _ => null,
            };
            return (value, vaultName);
        }
    }
}

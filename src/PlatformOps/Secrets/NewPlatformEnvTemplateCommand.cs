using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
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
}

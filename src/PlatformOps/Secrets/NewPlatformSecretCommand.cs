using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
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
}

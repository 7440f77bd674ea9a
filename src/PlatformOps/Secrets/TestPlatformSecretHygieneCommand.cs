using System;
using System.IO;
using System.Management.Automation;
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
}

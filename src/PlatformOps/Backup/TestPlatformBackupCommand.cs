using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>Verifies backup sets (files, sizes, SHA-256, archives readable to the end); with -Restore, proves they restore.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "PlatformBackup")]
    [OutputType(typeof(BackupTestResult))]
    public sealed class TestPlatformBackupCommand : PostgresCmdlet
    {
        /// <summary>The set's folder. Binds from a PlatformBackupSet's Path.</summary>
        [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = System.Array.Empty<string>();

        /// <summary>Restore into scratch copies, compare counts, measure the restore time, remove the copies.</summary>
        [Parameter]
        public SwitchParameter Restore { get; set; }

        [Parameter]
        [ValidateRange(1, 64)]
        public int Jobs { get; set; } = System.Math.Max(1, System.Environment.ProcessorCount);

        [Parameter]
        public PgToolMode ToolMode { get; set; } = PgToolMode.Auto;

        /// <summary>Where -Restore restores the databases: Platform (a scratch database on the platform's server) or Local (a throwaway cluster here).</summary>
        [Parameter]
        public ScratchServer ScratchServer { get; set; } = ScratchServer.Platform;

        /// <summary>Returns only $true (every result passed) or $false, for gates: if (-not (... -Quiet)) { exit 1 }.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var path in Path)
            {
                try
                {
                    var set = BackupStore.Open(GetUnresolvedProviderPathFromPSPath(path));
                    var request = new BackupTestRequest
                    {
                        Set = set,
                        Restore = Restore.IsPresent,
                        Jobs = Jobs,
                        ToolMode = ToolMode,
                        Docker = DockerTarget.Resolve(null, null, EffectiveProfile),
                        ScratchServer = ScratchServer,
                    };
                    if (Restore.IsPresent && set.Databases.Count > 0 && ScratchServer == ScratchServer.Platform) request.Postgres = ResolvePostgres();
                    var progress = new BackupProgress($"Test-PlatformBackup {set.Id}");
                    var result = BackupCmdletSupport.Run(this, progress, ct => BackupTester.TestAsync(request, progress, ct), CancellationToken);
                    foreach (var failure in result.Failures)
                        WriteWarning($"{failure.Kind} {failure.Name}: {failure.Detail}{(failure.Expected != null ? $" (expected {failure.Expected}, found {failure.Actual ?? "nothing"})" : string.Empty)}");
                    WriteResult(result, result.Passed, Quiet);
                }
                catch (PlatformOpsException ex)
                {
                    Report(ex);
                }
            }
        }

        protected override void EndProcessing() => WriteQuietVerdict(Quiet);
    }
}

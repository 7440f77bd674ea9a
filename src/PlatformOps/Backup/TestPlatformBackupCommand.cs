using System.Management.Automation;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Backup
{
    /// <summary>Verifies backup sets (manifest seal, files, sizes, SHA-256, archives readable to the end); with -Restore, proves they restore.</summary>
    /// <remarks>
    /// ConfirmImpact is Medium: with -Restore it creates and drops full scratch copies of every database of the set on
    /// the platform's (production) server, which loads it and needs its disk space, and it records the outcome in the set.
    /// It destroys no data of the platform (the scratch names are its own), so it is not High.
    /// </remarks>
    [Cmdlet(VerbsDiagnostic.Test, "PlatformBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(BackupTestResult))]
    public sealed class TestPlatformBackupCommand : PostgresCmdlet
    {
        private byte[]? _manifestKey;
        private bool _keyResolved;

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

        /// <summary>Seal the manifest of a set made by 0.1.0 (no manifest.json.sha256), or sign it with the configured key, once all its files pass.</summary>
        [Parameter]
        public SwitchParameter Seal { get; set; }

        /// <summary>Returns only $true (every result passed) or $false, for gates: if (-not (... -Quiet)) { exit 1 }.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            if (!_keyResolved)
            {
                try { _manifestKey = ManifestSeal.ResolveKey(EffectiveProfile); }
                catch (PlatformOpsException ex) { Fail(ex); }
                _keyResolved = true;
            }
            foreach (var path in Path)
            {
                var full = GetUnresolvedProviderPathFromPSPath(path);
                try
                {
                    if (!ShouldProcess(full, Action())) continue;
                    var progress = new BackupProgress($"Test-PlatformBackup {System.IO.Path.GetFileName(full.TrimEnd('/'))}");
                    PlatformBackupSet set;
                    try
                    {
                        set = BackupStore.Read(full, _manifestKey);
                    }
                    catch (PlatformOpsException ex) when (ex.ErrorId == "PlatformBackupManifestMismatch" || ex.ErrorId == "PlatformBackupManifestInvalid")
                    {
                        // The manifest does not parse, breaks its own rules or disagrees with its seal: a failed result,
                        // recorded, and the error (with -Quiet the verdict is the answer, and the reason goes to verbose).
                        WriteResult(BackupTester.ManifestFailed(full, ex.Message, progress), false, Quiet);
                        ReportVerdict(ex);
                        continue;
                    }
                    var request = new BackupTestRequest
                    {
                        Set = set,
                        Restore = Restore.IsPresent,
                        Jobs = Jobs,
                        ToolMode = ToolMode,
                        Docker = DockerTarget.Resolve(null, null, EffectiveProfile),
                        ScratchServer = ScratchServer,
                        Seal = Seal.IsPresent,
                        ManifestKey = _manifestKey,
                    };
                    if (Restore.IsPresent && set.Databases.Count > 0 && ScratchServer == ScratchServer.Platform)
                        request.Postgres = ResolvePostgres();
                    progress = new BackupProgress($"Test-PlatformBackup {set.Id}");
                    var result = BackupCmdletSupport.Run(this, progress, ct => BackupTester.TestAsync(request, progress, ct), CancellationToken);
                    foreach (var failure in result.Failures)
                        WriteWarning($"{failure.Kind} {failure.Name}: {failure.Detail}{(failure.Expected != null ? $" (expected {failure.Expected}, found {failure.Actual ?? "nothing"})" : string.Empty)}");
                    WriteResult(result, result.Passed, Quiet);
                    if (!set.ManifestTrusted) ReportVerdict(ManifestSeal.Untrusted(set.Path, set.ManifestSeal, set.ManifestSealDetail));
                }
                catch (PlatformOpsException ex)
                {
                    Report(ex);
                }
            }
        }

        private string Action()
        {
            var action = Restore.IsPresent
                ? ScratchServer == ScratchServer.Platform
                    ? "Verify the set, restore every database into a scratch copy on the platform's PostgreSQL server (created, compared, dropped) and the Redis snapshot into a scratch redis-server, and record the outcome in the set"
                    : "Verify the set, restore it into a throwaway PostgreSQL cluster on this machine and a scratch redis-server, and record the outcome in the set"
                : "Verify the set (read every file) and record the outcome in the set";
            return Seal.IsPresent ? action + "; seal its manifest if it has no seal and every file passes" : action;
        }

        /// <summary>A set that fails its check is the answer with -Quiet ($false, the reason in verbose); otherwise an error too.</summary>
        private void ReportVerdict(PlatformOpsException ex)
        {
            if (Quiet) WriteVerbose(ex.Message);
            else Report(ex);
        }

        protected override void EndProcessing() => WriteQuietVerdict(Quiet);
    }
}

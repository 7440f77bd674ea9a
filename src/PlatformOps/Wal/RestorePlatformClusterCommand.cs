using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Backup;
using PlatformOps.Common;

namespace PlatformOps.Wal
{
    /// <summary>Restores a base backup plus archived WAL into a new data directory and starts it as a separate server, to a point in time.</summary>
    [Cmdlet(VerbsData.Restore, "PlatformCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PlatformClusterRestore))]
    public sealed class RestorePlatformClusterCommand : WalCmdlet
    {
        /// <summary>The base backup set folder. Default: the newest base backup in the profile's backup folder.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Path")]
        [ValidateNotNullOrEmpty]
        public string? BackupPath { get; set; }

        /// <summary>Replay committed transactions up to this moment (local time unless it says otherwise). Default: everything archived.</summary>
        [Parameter]
        public DateTime? PointInTime { get; set; }

        /// <summary>The WAL archive folder. Default: the backup's, else the profile's Postgres.WalArchive.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ArchivePath { get; set; }

        /// <summary>The new data directory (must not exist or be empty). Default: a new folder under the temp folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DataDirectory { get; set; }

        /// <summary>The restored server's port on 127.0.0.1. Default: a free one.</summary>
        [Parameter]
        [ValidateRange(1024, 65535)]
        public int RestorePort { get; set; }

        /// <summary>The operating-system user that runs the restored server. Default when running as root: postgres.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OsUser { get; set; }

        /// <summary>Seconds the whole restore may take.</summary>
        [Parameter]
        [ValidateRange(10, 86400)]
        public int TimeoutSec { get; set; } = 1800;

        /// <summary>Stop the restored server after measuring it (a rehearsal that leaves only the folder).</summary>
        [Parameter]
        public SwitchParameter Stop { get; set; }

        protected override void ProcessRecord()
        {
            var credentials = ResolvePostgres();
            string setPath;
            if (BackupPath != null) setPath = GetUnresolvedProviderPathFromPSPath(BackupPath);
            else
            {
                var newest = BaseBackupEngine.List(BackupRoot(null), ManifestSeal.ResolveKey(EffectiveProfile)).FirstOrDefault();
                if (newest == null)
                {
                    Fail("PlatformBackupNotFound", ErrorCategory.ObjectNotFound, EffectiveProfile?.Backup?.Path, "No base backup found: pass -BackupPath, or run Invoke-PlatformBaseBackup.");
                    return;
                }
                setPath = newest.Path;
            }
            try
            {
                var manifestKey = ManifestSeal.ResolveKey(EffectiveProfile);
                var manifest = ManifestFile.ReadBase(setPath, manifestKey);
                var archive = ArchivePath != null ? GetUnresolvedProviderPathFromPSPath(ArchivePath) : manifest.BaseBackup?.WalArchive ?? ProfileArchive;
                if (archive == null)
                {
                    Fail("PlatformWalArchivePathMissing", ErrorCategory.InvalidArgument, null, "No WAL archive folder: pass -ArchivePath or set Postgres.WalArchive in the profile.");
                    return;
                }
                var request = new ClusterRestoreRequest
                {
                    BackupPath = setPath,
                    PointInTime = PointInTime,
                    ArchivePath = archive,
                    DataDirectory = DataDirectory != null ? GetUnresolvedProviderPathFromPSPath(DataDirectory)
                        : System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"platformops-restore-{manifest.Id}-{DateTime.UtcNow:HHmmss}"),
                    Port = RestorePort,
                    OsUser = OsUser,
                    Timeout = TimeSpan.FromSeconds(TimeoutSec),
                    StopAfter = Stop,
                    ManifestKey = manifestKey,
                };
                if (EffectiveProfile?.Postgres?.DataDirectory is string running) request.Protected.Add(running);
                var to = PointInTime == null ? "the end of the archive" : PointInTime.Value.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture);
                if (!ShouldProcess($"base backup {manifest.Id} + WAL from '{archive}' to {to}, into '{request.DataDirectory}' as a new server on 127.0.0.1" +
                                   (RestorePort != 0 ? ":" + RestorePort.ToString(CultureInfo.InvariantCulture) : string.Empty), "Restore")) return;
                var progress = new OperationProgress();
                var result = RunWithProgress("Restore-PlatformCluster", progress, ct => ClusterRestore.RestoreAsync(request, credentials, progress, ct));
                WriteVerbose($"Recovered to {result.RecoveredTo:u} ({result.StopReason}); {result.SegmentsRestored} segment(s) from the archive; {result.Duration.TotalSeconds:0.0} s.");
                WriteObject(result);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

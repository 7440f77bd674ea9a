using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Wal
{
    /// <summary>The WAL cmdlets' base: PostgreSQL connection plus the Docker engine (container restarts, container logs).</summary>
    public abstract class WalCmdlet : PostgresCmdlet
    {
        /// <summary>The Docker engine endpoint, for a PostgreSQL that runs in a container. Default: profile, then DOCKER_HOST.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DockerEndpoint { get; set; }

        /// <summary>A DockerTarget when the server runs in a container (profile Postgres.Container), else null.</summary>
        protected DockerTarget? DockerFor(PostgresTarget target)
            => string.IsNullOrEmpty(target.Container) ? null : DockerTarget.Resolve(DockerEndpoint, null, EffectiveProfile);

        /// <summary>Runs long engine work, showing Write-Progress from the pipeline thread until it ends; completes the bar in finally.</summary>
        protected T RunWithProgress<T>(string activity, OperationProgress progress, Func<CancellationToken, Task<T>> work)
        {
            var task = work(CancellationToken);
            var record = new ProgressRecord(Math.Abs(activity.GetHashCode()) % 100000, activity, "Starting");
            try
            {
                while (!task.Wait(250))
                {
                    var total = progress.BytesTotal;
                    var done = progress.BytesDone;
                    record.StatusDescription = total > 0
                        ? string.Format(CultureInfo.InvariantCulture, "{0}: {1:0.0} of {2:0.0} MB", progress.Phase, done / 1048576.0, total / 1048576.0)
                        : string.Format(CultureInfo.InvariantCulture, "{0}: {1:0.0} MB", progress.Phase, done / 1048576.0);
                    record.PercentComplete = total > 0 ? (int)Math.Min(99, 100.0 * done / total) : -1;
                    WriteProgress(record);
                }
            }
            catch (AggregateException)
            {
                // surfaced below with its original type
            }
            finally
            {
                record.RecordType = ProgressRecordType.Completed;
                WriteProgress(record);
            }
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>The profile's WAL archive folder, or null.</summary>
        protected string? ProfileArchive => EffectiveProfile?.Postgres?.WalArchive;

        /// <summary>The profile's backup folder, or a clear error.</summary>
        protected string BackupRoot(string? path)
        {
            var root = path != null ? GetUnresolvedProviderPathFromPSPath(path) : EffectiveProfile?.Backup?.Path;
            if (string.IsNullOrEmpty(root))
                Fail("PlatformBackupPathMissing", ErrorCategory.InvalidArgument, null, "No backup folder: pass -Path or set Backup.Path in the platform profile.");
            return Path.GetFullPath(root!);
        }
    }

    /// <summary>Sets wal_level, archive_mode and the archive command (or library) and says whether a restart is needed; can restart the container.</summary>
    [Cmdlet(VerbsLifecycle.Enable, "PlatformWalArchiving", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = DirectorySet)]
    [OutputType(typeof(WalArchivingResult))]
    public sealed class EnablePlatformWalArchivingCommand : WalCmdlet
    {
        private const string DirectorySet = "Directory";
        private const string CommandSet = "Command";
        private const string LibrarySet = "Library";

        /// <summary>The folder, as the server sees it, to archive into. Default: the profile's Postgres.WalArchive.</summary>
        [Parameter(Position = 0, ParameterSetName = DirectorySet)]
        [Parameter(ParameterSetName = LibrarySet)]
        [ValidateNotNullOrEmpty]
        public string? ArchiveDirectory { get; set; }

        /// <summary>An archive command of your own (%p: the segment's path, %f: its name).</summary>
        [Parameter(Mandatory = true, ParameterSetName = CommandSet)]
        [ValidateNotNullOrEmpty]
        public string ArchiveCommand { get; set; } = string.Empty;

        /// <summary>An archive module (PostgreSQL 15+), e.g. basic_archive with -ArchiveDirectory.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LibrarySet)]
        [ValidateNotNullOrEmpty]
        public string ArchiveLibrary { get; set; } = string.Empty;

        /// <summary>replica (default) or logical. A server at logical stays there.</summary>
        [Parameter]
        [ValidateSet("replica", "logical")]
        public string WalLevel { get; set; } = "replica";

        /// <summary>Seconds after which a segment with writes is switched and archived even if not full (bounds the RPO); 0 turns it off.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int ArchiveTimeoutSec { get; set; } = 60;

        /// <summary>Restart the PostgreSQL container when wal_level or archive_mode need it.</summary>
        [Parameter]
        public SwitchParameter Restart { get; set; }

        /// <summary>The container to restart. Default: the profile's Postgres.Container.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PlatformOps.Common.Completers.ContainerNameCompleter))]
        public string? Container { get; set; }

        /// <summary>Seconds to wait for PostgreSQL to answer again after a restart.</summary>
        [Parameter]
        [ValidateRange(5, 3600)]
        public int TimeoutSec { get; set; } = 120;

        protected override void EndProcessing()
        {
            var target = ResolvePostgres();
            var request = new WalArchivingRequest { WalLevel = WalLevel, ArchiveTimeoutSec = ArchiveTimeoutSec };
            switch (ParameterSetName)
            {
                case CommandSet: request.ArchiveCommand = ArchiveCommand; break;
                case LibrarySet: request.ArchiveLibrary = ArchiveLibrary; request.ArchiveDirectory = ArchiveDirectory; break;
                default: request.ArchiveDirectory = ArchiveDirectory ?? ProfileArchive; break;
            }
            try
            {
                var plan = Await(ct => WalArchiver.PlanEnableAsync(target, request, ct));
                WalArchivingResult result;
                if (plan.Statements.Count == 0)
                {
                    WriteVerbose($"The archive settings at {target.Endpoint} already match.");
                    result = Await(ct => WalArchiver.ReadResultAsync(target, plan, ct));
                }
                else
                {
                    if (!ShouldProcess($"PostgreSQL at {target.Endpoint}: {string.Join(", ", plan.Changes)}{Environment.NewLine}{plan.Script}",
                            $"Change the archive settings of PostgreSQL at {target.Endpoint}?{Environment.NewLine}{plan.Script}", "Enable-PlatformWalArchiving"))
                        return;
                    result = Await(ct => WalArchiver.ApplyEnableAsync(target, plan, ct));
                }
                if (result.RestartRequired)
                {
                    var container = Container ?? target.Container;
                    result.Container = container;
                    if (Restart && container != null)
                    {
                        if (!ShouldProcess($"container '{container}' (PostgreSQL at {target.Endpoint})", "Restart")) { WriteObject(result); return; }
                        var docker = DockerTarget.Resolve(DockerEndpoint, null, EffectiveProfile);
                        WriteVerbose($"Restarting container '{container}' through {docker.Endpoint}.");
                        Await(ct => WalArchiver.RestartContainerAsync(docker, container, target, TimeoutSec, ct));
                        var after = Await(ct => WalArchiver.ReadResultAsync(target, plan, ct));
                        after.Restarted = true;
                        after.Container = container;
                        result = after;
                    }
                    else if (Restart)
                    {
                        Report("PlatformWalRestartUnsupported", ErrorCategory.NotImplemented, target,
                            $"PostgreSQL at {target.Endpoint} has no container in the profile, so it cannot be restarted from here. Restart it yourself (pg_ctl restart -D <data directory>, or your service manager).");
                    }
                    else
                    {
                        WriteWarning($"wal_level/archive_mode take effect after a restart of PostgreSQL at {target.Endpoint}" +
                                     (container != null ? $": run again with -Restart to restart container '{container}'." : ": restart the server (pg_ctl restart, or your service manager)."));
                    }
                }
                WriteObject(result);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }

    /// <summary>Archive settings, pg_stat_archiver, the .ready backlog, the current WAL file and an RPO estimate that does not cry wolf on an idle server.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformWalStatus")]
    [OutputType(typeof(PlatformWalStatus))]
    public sealed class GetPlatformWalStatusCommand : WalCmdlet
    {
        /// <summary>Seconds between the two samples whose deltas judge the archiver (0: one sample).</summary>
        [Parameter]
        [ValidateRange(0, 300)]
        public double SampleSec { get; set; } = 1;

        /// <summary>The RPO the platform promises; RpoOk says whether the estimate is within it.</summary>
        [Parameter]
        public TimeSpan RpoTarget { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>The archive folder to measure (size, oldest segment, growth per hour). Default: the profile's Postgres.WalArchive, else the built-in archive command's folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ArchivePath { get; set; }

        protected override void EndProcessing()
        {
            var target = ResolvePostgres();
            try
            {
                var status = Await(ct => WalArchiver.GetStatusAsync(target, TimeSpan.FromSeconds(SampleSec), RpoTarget, DockerFor(target), ct));
                var archive = WalArchiveStats.ArchivePathOf(status, ArchivePath != null ? GetUnresolvedProviderPathFromPSPath(ArchivePath) : ProfileArchive);
                status.ArchiveUsage = WalArchiveStats.TryMeasure(archive, DateTime.UtcNow);
                if (ArchivePath != null && status.ArchiveUsage == null)
                    Report("PlatformWalArchiveNotFound", ErrorCategory.ObjectNotFound, ArchivePath, $"The WAL archive folder '{archive}' does not exist or cannot be read from this machine.");
                if (status.ArchiveFailing) WriteWarning($"WAL archiving fails at {target.Endpoint}: {status.FailureReason}");
                WriteObject(status);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }

    /// <summary>Switches to a new WAL segment and waits until the closed one is archived or the timeout passes.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "PlatformWalSwitch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(WalSwitchResult))]
    public sealed class InvokePlatformWalSwitchCommand : WalCmdlet
    {
        /// <summary>Seconds to wait for the segment to be archived.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 60;

        protected override void EndProcessing()
        {
            var target = ResolvePostgres();
            if (!ShouldProcess($"PostgreSQL at {target.Endpoint}", "Switch WAL segment (pg_switch_wal) and wait for it to be archived")) return;
            try
            {
                WriteObject(Await(ct => WalArchiver.SwitchAsync(target, TimeSpan.FromSeconds(TimeoutSec), DockerFor(target), ct)));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }

    /// <summary>Checks that the archive folder holds every segment from a base backup's start onward, with no gaps.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "PlatformWalArchive", DefaultParameterSetName = BackupSet)]
    [OutputType(typeof(WalArchiveTestResult), typeof(bool))]
    public sealed class TestPlatformWalArchiveCommand : PlatformCmdlet
    {
        private const string BackupSet = "Backup";
        private const string SegmentSet = "Segment";

        /// <summary>A base backup set folder (from Invoke-PlatformBaseBackup or Get-PlatformBackup). Default: the newest base backup in the profile's backup folder.</summary>
        [Parameter(Position = 0, ParameterSetName = BackupSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Path")]
        [ValidateNotNullOrEmpty]
        public string? BackupPath { get; set; }

        /// <summary>The first segment that must be there (24 hex digits).</summary>
        [Parameter(Mandatory = true, ParameterSetName = SegmentSet)]
        [Alias("StartWal")]
        [ValidateNotNullOrEmpty]
        public string StartSegment { get; set; } = string.Empty;

        /// <summary>The last segment that must be there. Default: the newest one in the archive.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EndSegment { get; set; }

        /// <summary>The archive folder. Default: the profile's Postgres.WalArchive.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ArchivePath { get; set; }

        /// <summary>The WAL segment size in bytes. Default: the backup's, else read from the archive's files.</summary>
        [Parameter]
        [ValidateRange(1048576, 1073741824)]
        public long? WalSegmentSize { get; set; }

        /// <summary>Return only $true (complete) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            var archive = ArchivePath != null ? GetUnresolvedProviderPathFromPSPath(ArchivePath) : EffectiveProfile?.Postgres?.WalArchive;
            if (archive == null)
            {
                Report("PlatformWalArchivePathMissing", ErrorCategory.InvalidArgument, null, "No WAL archive folder: pass -ArchivePath or set Postgres.WalArchive in the profile.");
                return;
            }
            try
            {
                var start = StartSegment;
                var size = WalSegmentSize;
                string? backupId = null;
                if (ParameterSetName == BackupSet)
                {
                    PlatformBaseBackup backup;
                    if (BackupPath != null) backup = PlatformBaseBackup.From(GetUnresolvedProviderPathFromPSPath(BackupPath), BaseBackupManifest.Load(GetUnresolvedProviderPathFromPSPath(BackupPath), PlatformOps.Backup.ManifestSeal.ResolveKey(EffectiveProfile)));
                    else
                    {
                        var root = EffectiveProfile?.Backup?.Path;
                        var newest = root == null ? null : BaseBackupEngine.List(root, PlatformOps.Backup.ManifestSeal.ResolveKey(EffectiveProfile)).FirstOrDefault();
                        if (newest == null)
                        {
                            Report("PlatformBackupNotFound", ErrorCategory.ObjectNotFound, root, "No base backup found: pass -BackupPath or -StartSegment, or run Invoke-PlatformBaseBackup.");
                            return;
                        }
                        backup = newest;
                    }
                    start = backup.StartWal;
                    size ??= backup.Manifest.BaseBackup?.WalSegmentSize;
                    backupId = backup.Id;
                }
                var result = WalArchiver.TestArchive(archive, start, EndSegment, size);
                result.BackupId = backupId;
                if (Quiet) WriteObject(result.Complete);
                else WriteObject(result);
            }
            catch (PlatformOpsException ex)
            {
                Report(ex);
            }
        }
    }

    /// <summary>Takes a physical base backup (pg_basebackup, with its backup_manifest, verified by pg_verifybackup) as a backup set.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "PlatformBaseBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(PlatformBaseBackup))]
    public sealed class InvokePlatformBaseBackupCommand : WalCmdlet
    {
        /// <summary>The backup folder; the set goes into a sub-folder named by its id. Default: the profile's Backup.Path.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The backup label (shown in backup_label and the server's log). Default: platformops-&lt;id&gt;.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Label { get; set; }

        /// <summary>Skip pg_verifybackup (not recommended).</summary>
        [Parameter]
        public SwitchParameter NoVerify { get; set; }

        /// <summary>Let the starting checkpoint spread over checkpoint_completion_target instead of forcing it at once.</summary>
        [Parameter]
        public SwitchParameter SpreadCheckpoint { get; set; }

        protected override void EndProcessing()
        {
            var target = ResolvePostgres();
            var root = BackupRoot(Path);
            if (!ShouldProcess($"PostgreSQL at {target.Endpoint} into '{root}'", "Take a base backup (pg_basebackup)")) return;
            try
            {
                var manifestKey = PlatformOps.Backup.ManifestSeal.ResolveKey(EffectiveProfile);
                PlatformOps.Backup.ManifestSeal.RequireKeyOutside(EffectiveProfile, root);
                var progress = new OperationProgress();
                var backup = RunWithProgress("Invoke-PlatformBaseBackup", progress,
                    ct => BaseBackupEngine.RunAsync(target, root, Label, EffectiveProfile?.Name, !NoVerify, SpreadCheckpoint, progress, ct, manifestKey));
                if (!backup.ArchivingEnabled)
                    WriteWarning($"archive_mode is off at {target.Endpoint}: this base backup restores to its own end only, not to a later point in time. Run Enable-PlatformWalArchiving.");
                WriteVerbose($"Base backup {backup.Id}: {backup.SizeBytes / 1048576.0:0.0} MB in {backup.Duration.TotalSeconds:0.0} s, WAL from {backup.StartWal}.");
                WriteObject(backup);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }

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
                var newest = BaseBackupEngine.List(BackupRoot(null), PlatformOps.Backup.ManifestSeal.ResolveKey(EffectiveProfile)).FirstOrDefault();
                if (newest == null)
                {
                    Fail("PlatformBackupNotFound", ErrorCategory.ObjectNotFound, EffectiveProfile?.Backup?.Path, "No base backup found: pass -BackupPath, or run Invoke-PlatformBaseBackup.");
                    return;
                }
                setPath = newest.Path;
            }
            try
            {
                var manifestKey = PlatformOps.Backup.ManifestSeal.ResolveKey(EffectiveProfile);
                var manifest = BaseBackupManifest.Load(setPath, manifestKey);
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

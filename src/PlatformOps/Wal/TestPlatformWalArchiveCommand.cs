using System.IO;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Backup;
using PlatformOps.Common;

namespace PlatformOps.Wal
{
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
                    if (BackupPath != null) backup = PlatformBaseBackup.From(GetUnresolvedProviderPathFromPSPath(BackupPath), ManifestFile.ReadBase(GetUnresolvedProviderPathFromPSPath(BackupPath), ManifestSeal.ResolveKey(EffectiveProfile)));
                    else
                    {
                        var root = EffectiveProfile?.Backup?.Path;
                        var newest = root == null ? null : BaseBackupEngine.List(root, ManifestSeal.ResolveKey(EffectiveProfile)).FirstOrDefault();
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
                var result = WalArchiveCheck.TestArchive(archive, start, EndSegment, size);
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
}

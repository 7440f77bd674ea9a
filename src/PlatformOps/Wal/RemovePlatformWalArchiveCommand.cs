using System;
using System.IO;
using System.Management.Automation;
using PlatformOps.Backup;
using PlatformOps.Common;

namespace PlatformOps.Wal
{
    /// <summary>Expires archived WAL that no kept base backup and no point-in-time window needs (oldest first); -WhatIf shows what would go.</summary>
    [Cmdlet(VerbsCommon.Remove, "PlatformWalArchive", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(WalArchiveExpiry))]
    public sealed class RemovePlatformWalArchiveCommand : PlatformCmdlet
    {
        /// <summary>The WAL archive folder. Default: the profile's Postgres.WalArchive, else the folder the base backups recorded.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? ArchivePath { get; set; }

        /// <summary>The backup folder whose base backups decide what is kept. Default: the profile's Backup.Path.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BackupPath { get; set; }

        /// <summary>How far back point-in-time recovery must reach. Default: the profile's Wal.PitrWindowHours; none: every base backup keeps full PITR.</summary>
        [Parameter]
        public TimeSpan? PitrWindow { get; set; }

        protected override void EndProcessing()
        {
            var root = BackupPath != null ? GetUnresolvedProviderPathFromPSPath(BackupPath) : EffectiveProfile?.Backup?.Path;
            if (string.IsNullOrEmpty(root))
                Fail("PlatformBackupPathMissing", ErrorCategory.InvalidArgument, null, "No backup folder: pass -BackupPath or set Backup.Path in the platform profile. Its base backups decide which WAL is kept.");
            if (!Directory.Exists(root))
                Fail("PlatformBackupPathNotFound", ErrorCategory.ObjectNotFound, root, $"The backup folder '{root}' does not exist.");
            var archive = ArchivePath != null ? GetUnresolvedProviderPathFromPSPath(ArchivePath) : EffectiveProfile?.Postgres?.WalArchive;
            var window = PitrWindow ?? EffectiveProfile?.Wal?.PitrWindow;
            if (window < TimeSpan.Zero) Fail("PlatformWalPitrWindowInvalid", ErrorCategory.InvalidArgument, window, "-PitrWindow cannot be negative.");
            try
            {
                var plan = WalRetention.PlanForBackupFolder(Path.GetFullPath(root!), archive, window, DateTime.UtcNow, ManifestSeal.ResolveKey(EffectiveProfile));
                var result = plan.Result;
                foreach (var note in result.Notes) WriteWarning(note);
                WriteVerbose($"Keeping every segment from {result.KeepFrom} (base backup {result.AnchorBackupId}); {result.KeptBackups.Count} base backup(s) considered.");
                if (plan.Remove.Count > 0 &&
                    ShouldProcess(result.ArchivePath, $"Remove {plan.Remove.Count} archived WAL file(s) ({result.BytesRemoved / 1048576.0:0.0} MB, {result.OldestRemoved}..{result.NewestRemoved}) older than {result.KeepFrom}"))
                    result = WalRetention.Execute(plan, CancellationToken);
                WriteObject(result);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

using System.IO;
using System.Management.Automation;
using PlatformOps.Backup;
using PlatformOps.Common;

namespace PlatformOps.Wal
{
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
                var manifestKey = ManifestSeal.ResolveKey(EffectiveProfile);
                ManifestSeal.RequireKeyOutside(EffectiveProfile, root);
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
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>Removes backup sets by a retention policy (keep the last N, or those newer than a time span), or the sets piped in.</summary>
    [Cmdlet(VerbsCommon.Remove, "PlatformBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Policy")]
    [OutputType(typeof(BackupRetentionDecision), typeof(WalArchiveExpiry))]
    public sealed class RemovePlatformBackupCommand : PlatformCmdlet
    {
        private readonly List<string> _paths = new List<string>();

        /// <summary>Policy: the backup folder (default: the profile's Backup.Path). Selected: the sets' folders (binds from a PlatformBackupSet's Path).</summary>
        [Parameter(Position = 0, ParameterSetName = "Policy")]
        [Parameter(Position = 0, ParameterSetName = "Selected", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(ParameterSetName = "Policy")]
        [ValidateRange(0, 100000)]
        public int? KeepLast { get; set; }

        [Parameter(ParameterSetName = "Policy")]
        public TimeSpan? KeepNewerThan { get; set; }

        /// <summary>Also remove the newest set that passed Test-PlatformBackup -Restore.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Leave the WAL archive as it is (by default, WAL that no remaining base backup needs is expired too).</summary>
        [Parameter]
        public SwitchParameter KeepWal { get; set; }

        protected override void ProcessRecord()
        {
            if (Path != null) _paths.AddRange(Path.Select(GetUnresolvedProviderPathFromPSPath));
        }

        protected override void EndProcessing()
        {
            try
            {
                if (ParameterSetName == "Selected") RemoveSelected();
                else RemoveByPolicy();
                if (!KeepWal) ExpireWal();
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }

        private void RemoveByPolicy()
        {
            var keepLast = KeepLast ?? EffectiveProfile?.Backup?.Retention?.KeepLast;
            var keepNewer = KeepNewerThan ?? (EffectiveProfile?.Backup?.Retention?.KeepDays is int days ? TimeSpan.FromDays(days) : (TimeSpan?)null);
            if (keepLast == null && keepNewer == null)
                Fail("PlatformBackupRetentionMissing", ErrorCategory.InvalidArgument, null,
                    "No retention policy: pass -KeepLast and/or -KeepNewerThan, set Backup.Retention in the platform profile, or pipe the sets to remove.");
            var roots = _paths.Count > 0 ? _paths : new List<string> { BackupStore.ResolveRoot(null, EffectiveProfile) };
            var key = ManifestSeal.ResolveKey(EffectiveProfile);
            foreach (var root in roots)
            {
                if (BackupStore.IsSet(root))
                    Fail("PlatformBackupPathIsSet", ErrorCategory.InvalidArgument, root,
                        $"'{root}' is one backup set, not a backup folder. To remove it, pipe it: Get-PlatformBackup '{root}' | Remove-PlatformBackup.");
                var problems = new List<PlatformOpsException>();
                var sets = BackupStore.List(root, key, problems);
                foreach (var problem in problems) Report(problem);
                Apply(sets, BackupRetention.Decide(sets, keepLast, keepNewer, Force.IsPresent, DateTime.UtcNow));
                var stale = BackupSetFolder.CleanStalePartials(root, null, null);
                if (stale > 0) WriteVerbose($"Removed {stale} partial folder(s) left by backups that did not finish.");
            }
        }

        private void RemoveSelected()
        {
            var key = ManifestSeal.ResolveKey(EffectiveProfile);
            foreach (var group in _paths.Distinct(StringComparer.Ordinal).GroupBy(p => System.IO.Path.GetDirectoryName(p.TrimEnd('/')) ?? "."))
            {
                var all = BackupStore.List(group.Key, key);
                var wanted = new HashSet<string>(group.Select(p => System.IO.Path.GetFullPath(p).TrimEnd('/')), StringComparer.Ordinal);
                foreach (var missing in wanted.Where(w => all.All(s => s.Path.TrimEnd('/') != w)))
                    Report("PlatformBackupNotFound", ErrorCategory.ObjectNotFound, missing, $"'{missing}' is not a backup set.");
                var decisions = BackupRetention.Decide(all, null, null, Force.IsPresent, DateTime.UtcNow)
                    .Where(d => wanted.Contains(d.Path.TrimEnd('/'))).ToList();
                Apply(all, decisions);
            }
        }

        private static bool IsLogicalSet(string folder)
        {
            try { return BackupStore.Read(folder, null).Kind == "Logical"; }
            catch (PlatformOpsException) { return false; }
        }

        /// <summary>Expires archived WAL with the base backups, as pgBackRest does (the engine is <see cref="WalRetention"/>).</summary>
        private void ExpireWal()
        {
            var roots = ParameterSetName == "Selected"
                ? _paths.Select(p => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(p).TrimEnd('/')) ?? ".")
                : _paths.Count > 0 ? _paths : new List<string> { BackupStore.ResolveRoot(null, EffectiveProfile) };
            foreach (var root in roots.Distinct(StringComparer.Ordinal))
            {
                if (!Directory.Exists(root) || !Directory.EnumerateDirectories(root).Any(d => File.Exists(System.IO.Path.Combine(d, BackupManifest.FileName)) && !IsLogicalSet(d))) continue; // logical sets only: no WAL to judge
                try
                {
                    var plan = WalRetention.PlanForBackupFolder(root, EffectiveProfile?.Postgres?.WalArchive, EffectiveProfile?.Wal?.PitrWindow, DateTime.UtcNow, ManifestSeal.ResolveKey(EffectiveProfile));
                    var result = plan.Result;
                    foreach (var note in result.Notes) WriteWarning(note);
                    if (plan.Remove.Count > 0 && ShouldProcess(result.ArchivePath,
                            $"Remove {plan.Remove.Count} archived WAL file(s) ({BackupProgress.Size(result.BytesRemoved)}) older than {result.KeepFrom}, the start of base backup {result.AnchorBackupId}"))
                        result = WalRetention.Execute(plan, CancellationToken);
                    WriteObject(result);
                }
                catch (PlatformOpsException ex) when (ex.ErrorId == "PlatformWalArchivePathMissing" || ex.ErrorId == "PlatformWalExpiryNoBaseBackup")
                {
                    WriteVerbose($"The WAL archive was not expired with the sets in '{root}': {ex.Message}");
                }
                catch (PlatformOpsException ex) when (ex.ErrorId != "PlatformWalExpiryFailed")
                {
                    WriteWarning($"The WAL archive was not expired with the sets in '{root}': {ex.Message}");
                }
                catch (PlatformOpsException ex)
                {
                    Report(ex);
                }
            }
        }

        private void Apply(List<PlatformBackupSet> sets, List<BackupRetentionDecision> decisions)
        {
            foreach (var decision in decisions)
            {
                if (decision.Action == "Remove")
                {
                    var set = sets.First(s => s.Path == decision.Path);
                    if (ShouldProcess(decision.Path, $"Remove backup set {decision.Id} ({BackupProgress.Size(decision.SizeBytes)}, {decision.Reason})"))
                    {
                        try
                        {
                            BackupRetention.Delete(set);
                            decision.Action = "Removed";
                        }
                        catch (PlatformOpsException ex)
                        {
                            Report(ex);
                            continue;
                        }
                    }
                    else decision.Action = "Skipped";
                }
                else WriteVerbose($"Keeping {decision.Id}: {decision.Reason}.");
                WriteObject(decision);
            }
        }
    }
}

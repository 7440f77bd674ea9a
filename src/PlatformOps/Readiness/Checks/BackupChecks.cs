using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using PlatformOps.Backup;
using PlatformOps.Common;

namespace PlatformOps.Readiness
{
    /// <summary>The backup items: the newest set's age, its proof by a restore, and the restore time (RTO). Read from the backup folder's manifests.</summary>
    internal static partial class ReadinessChecklist
    {
        private static IEnumerable<ReadinessItem> BackupItems(ReadinessPlan plan)
        {
            var s = plan.Settings;
            yield return Item("data.backup-age", Data, "A backup newer than the target age exists", "Invoke-PlatformBackup",
                $"newest backup younger than {Words.Span(TimeSpan.FromHours(s.BackupMaxAgeHours))}", BackupAgeAsync);
            yield return Item("data.backup-verified", Data, "The newest backup was verified by a restore",
                "Get-PlatformBackup -Latest | Test-PlatformBackup -Restore", $"restored within the last {Words.Span(TimeSpan.FromDays(s.VerificationMaxAgeDays))}", BackupVerifiedAsync);
            yield return Item("data.rto", Data, "The measured RTO is within the target",
                "Get-PlatformBackup -Latest | Test-PlatformBackup -Restore", $"RTO within {Words.Minutes(s.RtoTargetMinutes)}", RtoAsync);
            yield return Item("data.backup-leftovers", Data, "Nothing is left over from killed backups and restores", "Remove-PlatformBackupLeftover",
                "no partial backup folder, no staging database of a run that has ended", LeftoversAsync);
        }

        /// <summary>Partial set folders and marked staging databases whose process has ended: disk and server space held by nobody.</summary>
        private static async Task<ReadinessCheck> LeftoversAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            var hasFolder = !string.IsNullOrEmpty(plan.Profile.Backup?.Path);
            if (!hasFolder && plan.Postgres == null)
                return d.Skip("the profile names neither a backup folder nor a PostgreSQL server");
            var leftovers = new List<PlatformBackupLeftover>();
            var looked = new List<string>();
            if (hasFolder)
            {
                var root = BackupStore.ResolveRoot(null, plan.Profile);
                leftovers.AddRange(BackupLeftovers.FindPartialSets(root));
                looked.Add(root);
            }
            if (plan.Postgres != null)
            {
                var server = plan.Postgres;
                using var timeout = System.Threading.CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
                timeout.CancelAfter(plan.Timeout);
                using var admin = await PgRestore.OpenAdminAsync(server, timeout.Token).ConfigureAwait(false);
                leftovers.AddRange(await BackupLeftovers.FindDatabasesAsync(admin, server.Endpoint, timeout.Token).ConfigureAwait(false));
                looked.Add(server.Endpoint);
            }
            var stale = leftovers.Where(l => l.OwnerRunning != true).ToList();
            if (stale.Count == 0)
                return d.Pass($"none in {string.Join(" and on ", looked)}" + (leftovers.Count > 0 ? $" ({Words.Plural(leftovers.Count, "run")} in progress)" : string.Empty), null, leftovers);
            var details = stale.Select(l => $"{l.Kind} {l.Name} ({Words.Size(l.SizeBytes ?? 0)}, {l.Location}), left by process {l.Owner}"
                                            + (l.OwnerRunning == null ? " on another host" : ", which has ended")).ToList();
            var check = d.Warn($"{Words.Plural(stale.Count, "leftover")} of killed runs ({Words.Size(stale.Sum(l => l.SizeBytes ?? 0))}): {Words.Some(stale.Select(l => l.Name).ToList(), 3)}", details, stale);
            check.Value = stale.Count;
            check.Unit = "leftovers";
            return check;
        }

        /// <summary>The backup sets of the profile's Backup.Path, newest first; null with the row that says why there are none to read.</summary>
        private static async Task<(IReadOnlyList<PlatformBackupSet>? Sets, ReadinessCheck? Instead)> BackupsOrAsync(ReadinessContext context, ReadinessDefinition d, bool primary)
        {
            if (string.IsNullOrEmpty(context.Plan.Profile.Backup?.Path))
                return (null, d.Skip("the profile has no Backup.Path: it names no backup folder"));
            try
            {
                var sets = await context.Shared<IReadOnlyList<PlatformBackupSet>>("backups", () =>
                    Task.FromResult<IReadOnlyList<PlatformBackupSet>>(BackupStore.List(BackupStore.ResolveRoot(null, context.Plan.Profile), ManifestKeyOrNone(context.Plan.Profile)))).ConfigureAwait(false);
                return (sets, null);
            }
            catch (PlatformOpsException ex) when (!primary)
            {
                return (null, d.Skip($"not measured: {ex.Message} (see 'A backup newer than the target age exists')"));
            }
        }

        /// <summary>The manifest key when one is configured and usable; a broken key setting only makes the seals read as unsigned here.</summary>
        private static byte[]? ManifestKeyOrNone(PlatformOps.Common.PlatformProfile profile)
        {
            try { return ManifestSeal.ResolveKey(profile); }
            catch (PlatformOpsException) { return null; }
        }

        private static string Describe(PlatformBackupSet set)
        {
            var parts = new List<string>();
            if (set.Databases.Count > 0) parts.Add(Words.Plural(set.Databases.Count, "database") + " (" + Words.Some(set.Databases, 3) + ")");
            if (set.HasGlobals) parts.Add("roles");
            if (set.HasRedis) parts.Add("Redis");
            return $"{set.Id}, {Words.Size(set.SizeBytes)}: {string.Join(", ", parts)}";
        }

        private static async Task<ReadinessCheck> BackupAgeAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var (sets, instead) = await BackupsOrAsync(context, d, primary: true).ConfigureAwait(false);
            if (sets == null) return instead!;
            var root = BackupStore.ResolveRoot(null, context.Plan.Profile);
            if (sets.Count == 0)
                return d.Fail($"no backup set in {root}", null, sets);
            var newest = sets[0];
            var age = context.Now - newest.CompletedUtc;
            var target = TimeSpan.FromHours(context.Plan.Settings.BackupMaxAgeHours);
            var details = sets.Take(5).Select(x => $"{x.Id}: {Words.Utc(x.CompletedUtc)}, {Words.Size(x.SizeBytes)}, "
                + (x.RestoreProven ? $"restore proven {Words.Utc(x.LastRestoreTestUtc!.Value)}" : x.LastRestorePassed == false ? "restore FAILED" : "not restored")).ToList();
            var check = age <= target
                ? d.Pass($"newest backup {Words.Span(age)} old: {Describe(newest)} ({Words.Plural(sets.Count, "set")} in {root})", details, sets)
                : d.Fail($"newest backup is {Words.Span(age)} old, older than {Words.Span(target)}: {Describe(newest)}", details, sets);
            check.Value = Math.Round(age.TotalSeconds);
            check.Unit = "seconds";
            return check;
        }

        private static async Task<ReadinessCheck> BackupVerifiedAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var (sets, instead) = await BackupsOrAsync(context, d, primary: false).ConfigureAwait(false);
            if (sets == null) return instead!;
            if (sets.Count == 0) return d.Fail("no backup to verify (see 'A backup newer than the target age exists')", null, sets);
            var newest = sets[0];
            var maxAge = TimeSpan.FromDays(context.Plan.Settings.VerificationMaxAgeDays);
            if (newest.LastRestorePassed == false)
                return d.Fail($"the restore of the newest backup {newest.Id} FAILED on {Words.Utc(newest.LastRestoreTestUtc ?? newest.CompletedUtc)}", null, newest);
            if (newest.RestoreProven)
            {
                var since = context.Now - newest.LastRestoreTestUtc!.Value;
                var evidence = $"{newest.Id} restored {Words.Ago(newest.LastRestoreTestUtc.Value, context.Now)}"
                    + (newest.MeasuredRto == null ? string.Empty : $" in {Words.Span(newest.MeasuredRto.Value)}")
                    + (newest.LastVerifyPassed == true ? ", checksums verified" : string.Empty);
                var check = since <= maxAge ? d.Pass(evidence, null, newest) : d.Warn($"{evidence}: older than {Words.Span(maxAge)}", null, newest);
                check.Value = Math.Round(since.TotalSeconds);
                check.Unit = "seconds";
                return check;
            }
            var proven = sets.FirstOrDefault(x => x.RestoreProven);
            return proven != null
                ? d.Warn($"the newest backup {newest.Id} was never restored; the newest proven one is {proven.Id} ({Words.Span(context.Now - proven.CompletedUtc)} old, restored {Words.Ago(proven.LastRestoreTestUtc!.Value, context.Now)})", null, newest)
                : d.Fail($"no backup was ever verified by a restore (newest: {newest.Id}, {Words.Span(context.Now - newest.CompletedUtc)} old)", null, newest);
        }

        private static async Task<ReadinessCheck> RtoAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var (sets, instead) = await BackupsOrAsync(context, d, primary: false).ConfigureAwait(false);
            if (sets == null) return instead!;
            var timed = sets.FirstOrDefault(x => x.RestoreProven && x.MeasuredRto != null);
            if (timed == null)
                return d.Fail(sets.Count == 0
                    ? "no RTO can be promised: there is no backup to restore"
                    : "no RTO can be promised: no restore of a backup has been timed (Test-PlatformBackup -Restore measures it)", null, sets);
            var rto = timed.MeasuredRto!.Value;
            var target = TimeSpan.FromMinutes(context.Plan.Settings.RtoTargetMinutes);
            var size = $"{Words.Size(timed.SizeBytes)} restored from {timed.Id} on {Words.Utc(timed.LastRestoreTestUtc!.Value)}";
            var check = rto <= target
                ? d.Pass($"measured RTO {Words.Span(rto)}, within {Words.Span(target)} ({size})", null, timed)
                : d.Fail($"measured RTO {Words.Span(rto)}, over the target of {Words.Span(target)} ({size})", null, timed);
            check.Value = Math.Round(rto.TotalSeconds, 1);
            check.Unit = "seconds";
            return check;
        }
    }
}

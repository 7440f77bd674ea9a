using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using PlatformOps.Wal;

namespace PlatformOps.Readiness
{
    /// <summary>The WAL items, read from one WAL status (two samples a second apart, so an idle server is not an alarm).</summary>
    internal static partial class ReadinessChecklist
    {
        /// <summary>How far apart the two samples of the archiver are.</summary>
        private static readonly TimeSpan WalSample = TimeSpan.FromSeconds(1);

        private static IEnumerable<ReadinessItem> WalItems(ReadinessPlan plan)
        {
            yield return Item("data.wal-archiving", Data, "WAL archiving is on and not failing",
                "Get-PlatformWalStatus | Format-List ArchiveMode, ArchiveCommand, LastArchived*, FailureReason; Enable-PlatformWalArchiving",
                "archive_mode on, newest attempt succeeded", WalArchivingAsync);
            yield return Item("data.rpo", Data, "The RPO estimate is within the target", "Get-PlatformWalStatus | Format-List Rpo*; Invoke-PlatformWalSwitch",
                $"RPO within {Words.Minutes(plan.Settings.RpoTargetMinutes)}", RpoAsync);
            var budget = plan.Profile.Wal?.ArchiveBudgetGB;
            yield return Item("data.wal-archive-size", Data, "The WAL archive stays within its budget",
                "Get-PlatformWalStatus | Format-List Archive*, OldestArchived*; Remove-PlatformWalArchive (or Remove-PlatformBackup) expires WAL no kept base backup needs",
                budget is double b ? $"under {Words.Number(b)} GB (Wal.ArchiveBudgetGB) and not reaching it within a day" : "the disk does not fill within a week at the measured growth",
                WalArchiveSizeAsync);
        }

        /// <summary>A day of growth must fit the budget; without a budget, a week of growth must fit the disk.</summary>
        private static readonly TimeSpan BudgetHorizon = TimeSpan.FromDays(1);
        private static readonly TimeSpan DiskHorizon = TimeSpan.FromDays(7);

        private static async Task<ReadinessCheck> WalArchiveSizeAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            if (plan.Postgres == null && plan.PostgresError == null) return d.Skip("the profile has no Postgres section");
            var configured = plan.Profile.Postgres?.WalArchive;
            string? path = configured;
            if (string.IsNullOrEmpty(path))
            {
                var s = await WalStatus(context).ConfigureAwait(false);
                path = WalArchiveStats.ArchivePathOf(s, null);
            }
            if (string.IsNullOrEmpty(path)) return d.Skip("no archive folder is known (set Postgres.WalArchive in the profile)");
            var usage = WalArchiveStats.TryMeasure(path, context.Now);
            if (usage == null) return d.Skip($"the archive folder '{path}' cannot be read from this machine");
            return ArchiveSizeVerdict(d, usage, plan.Profile.Wal?.ArchiveBudgetGB);
        }

        /// <summary>A span of hours, capped at ten years (a tiny growth must not overflow TimeSpan).</summary>
        private static TimeSpan Hours(double hours) => TimeSpan.FromHours(Math.Min(hours, 24 * 3650));

        /// <summary>Judges an archive's size and growth against a budget (GB), else against its filesystem's free space.</summary>
        internal static ReadinessCheck ArchiveSizeVerdict(ReadinessDefinition d, WalArchiveUsage u, double? budgetGB)
        {
            var growth = u.GrowthBytesPerHour ?? 0;
            var facts = $"{Words.Size(u.SizeBytes)} in {Words.Plural(u.Segments, "segment")}"
                        + (u.OldestSegment != null && u.OldestSegmentTime != null ? $", oldest {u.OldestSegment} from {Words.Ago(u.OldestSegmentTime.Value, u.MeasuredAt)}" : string.Empty)
                        + (u.GrowthBytesPerHour != null ? $", growing {Words.Size((long)growth)}/h (measured over {Words.Span(u.GrowthMeasuredOver)})" : ", growth not measurable yet");
            ReadinessCheck check;
            if (budgetGB is double gb && gb > 0)
            {
                var budget = (long)(gb * 1073741824.0);
                var left = budget - u.SizeBytes;
                var untilFull = growth > 0 ? Hours(Math.Max(0, left) / growth) : (TimeSpan?)null;
                if (left <= 0)
                    check = d.Fail($"the archive {u.ArchivePath} holds {facts}: over its budget of {Words.Number(gb)} GB. Expire WAL no kept base backup needs (Remove-PlatformWalArchive) before the disk fills", null, u);
                else if (untilFull < BudgetHorizon)
                    check = d.Warn($"the archive reaches its budget of {Words.Number(gb)} GB in {Words.Span(untilFull.Value)} at this growth: {facts}", null, u);
                else if (u.SizeBytes >= budget * 0.8)
                    check = d.Warn($"the archive uses {Words.Number(100.0 * u.SizeBytes / budget, "0")}% of its budget of {Words.Number(gb)} GB: {facts}", null, u);
                else
                    check = d.Pass($"{Words.Number(100.0 * u.SizeBytes / budget, "0")}% of the {Words.Number(gb)} GB budget: {facts}", null, u);
            }
            else
            {
                var untilFull = u.FreeBytes != null && growth > 0 ? Hours(u.FreeBytes.Value / growth) : (TimeSpan?)null;
                var free = u.FreeBytes != null ? $"; {Words.Size(u.FreeBytes.Value)} free on its disk" : string.Empty;
                if (untilFull < BudgetHorizon)
                    check = d.Fail($"at this growth the archive fills its disk in {Words.Span(untilFull!.Value)}: {facts}{free}. Expire WAL (Remove-PlatformWalArchive) and set Wal.ArchiveBudgetGB", null, u);
                else if (untilFull < DiskHorizon)
                    check = d.Warn($"at this growth the archive fills its disk in {Words.Span(untilFull!.Value)}: {facts}{free}; set Wal.ArchiveBudgetGB", null, u);
                else
                    check = d.Pass($"{facts}{free} (no Wal.ArchiveBudgetGB: judged against the free space)", null, u);
            }
            check.Value = u.SizeBytes;
            check.Unit = "bytes";
            return check;
        }

        private static Task<PlatformWalStatus> WalStatus(ReadinessContext context)
        {
            var plan = context.Plan;
            return context.Shared("wal", async () =>
            {
                if (plan.PostgresError != null) throw plan.PostgresError;
                return await WalStatusReader.GetStatusAsync(plan.Postgres!, WalSample, TimeSpan.FromMinutes(plan.Settings.RpoTargetMinutes), plan.Docker,
                    context.CancellationToken).ConfigureAwait(false);
            });
        }

        private static async Task<ReadinessCheck> WalArchivingAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            if (plan.Postgres == null && plan.PostgresError == null) return d.Skip("the profile has no Postgres section");
            var s = await WalStatus(context).ConfigureAwait(false);
            var last = s.LastArchivedTime == null ? "nothing archived yet" : $"last {s.LastArchivedWal} {Words.Ago(s.LastArchivedTime.Value, context.Now)}";
            var backlog = s.ReadyBacklog == null ? string.Empty : $", {Words.Plural(s.ReadyBacklog.Value, "segment")} waiting";
            var command = new[] { $"archive_command: {(string.IsNullOrEmpty(s.ArchiveLibrary) ? s.ArchiveCommand : "archive_library " + s.ArchiveLibrary)}" };
            ReadinessCheck check;
            if (!s.ArchivingEnabled)
                check = d.Fail(s.PendingRestart
                    ? "archive_mode is set but waits for a restart of PostgreSQL: nothing is archived yet"
                    : $"archive_mode is off (wal_level {s.WalLevel}): no WAL is archived, so there is no point-in-time recovery", null, s);
            else if (string.Equals(s.WalLevel, "minimal", StringComparison.OrdinalIgnoreCase))
                check = d.Fail("wal_level is minimal: archived WAL cannot be replayed onto a base backup", command, s);
            else if (s.ArchiveFailing)
                check = d.Fail($"archiving is failing: {s.FailureReason ?? $"{Words.Plural(s.FailedCount, "failure")}, the newest {s.LastFailedWal}"}; {last}{backlog}", command, s);
            else if (s.RpoState == WalRpoState.Stalled)
                check = d.Fail($"archiving is stalled: {s.RpoDetail} {last}", command, s);
            else if (s.ReadyBacklog > 10)
                check = d.Warn($"archive_mode {s.ArchiveMode}, archiving works but lags: {s.ReadyBacklog} segments wait to be archived; {last}", command, s);
            else if (s.ArchivedCount == 0 && s.FailedCount == 0)
                check = d.Warn($"archive_mode {s.ArchiveMode}, but no segment has been archived yet{backlog} (Invoke-PlatformWalSwitch proves the archive_command)", command, s);
            else
                check = d.Pass($"archive_mode {s.ArchiveMode}, {Words.Plural(s.ArchivedCount, "segment")} archived, {last}, "
                    + (s.FailedCount == 0 ? "no failures" : $"{Words.Plural(s.FailedCount, "earlier failure")}, none since") + backlog, command, s);
            check.Value = s.ArchivedCount;
            check.Unit = "segments";
            return check;
        }

        private static async Task<ReadinessCheck> RpoAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            if (plan.Postgres == null && plan.PostgresError == null) return d.Skip("the profile has no Postgres section");
            var s = await WalStatus(context).ConfigureAwait(false);
            var target = TimeSpan.FromMinutes(plan.Settings.RpoTargetMinutes);
            ReadinessCheck check;
            if (s.RpoEstimate == null)
                check = d.Fail($"no RPO can be promised: {s.RpoDetail}", null, s);
            else if (s.RpoOk)
                check = d.Pass($"RPO estimate {Words.Span(s.RpoEstimate.Value)} ({s.RpoState}), within {Words.Span(target)}: {s.RpoDetail}", null, s);
            else if (s.RpoEstimate.Value <= target)
                check = d.Fail($"RPO estimate {Words.Span(s.RpoEstimate.Value)} ({s.RpoState}) and growing until archiving works again: {s.RpoDetail}", null, s);
            else
                check = d.Fail($"RPO estimate {Words.Span(s.RpoEstimate.Value)} ({s.RpoState}), over the target of {Words.Span(target)}: {s.RpoDetail}", null, s);
            if (s.RpoEstimate != null) { check.Value = Math.Round(s.RpoEstimate.Value.TotalSeconds, 1); check.Unit = "seconds"; }
            return check;
        }
    }
}

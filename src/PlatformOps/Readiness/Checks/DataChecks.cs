using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace PlatformOps.Readiness
{
    internal static partial class ReadinessChecklist
    {
        private const ReadinessCategory Data = ReadinessCategory.DataManagement;

        private static IEnumerable<ReadinessItem> DataManagement(ReadinessPlan plan)
        {
            var s = plan.Settings;
            yield return Item("data.wal-archiving", Data, "WAL archiving is on and not failing",
                "Get-PlatformPostgresStatus | Format-List ArchiveMode, ArchiveCommand, LastArchived*, LastFailed*; Enable-PlatformWalArchiving",
                "archive_mode on, newest attempt succeeded", WalArchivingAsync);
            yield return Unavailable("data.rpo", Data, "The RPO estimate is within the target", "Get-PlatformWalStatus",
                $"RPO within {Words.Minutes(s.RpoTargetMinutes)}");
            yield return Unavailable("data.backup-age", Data, "A backup newer than the target age exists", "Invoke-PlatformBackup",
                $"newest backup younger than {Words.Span(TimeSpan.FromHours(s.BackupMaxAgeHours))}");
            yield return Unavailable("data.backup-verified", Data, "The newest backup was verified by a restore",
                "Get-PlatformBackup -Latest | Test-PlatformBackup -Restore", $"restored within the last {Words.Span(TimeSpan.FromDays(s.VerificationMaxAgeDays))}");
            yield return Unavailable("data.rto", Data, "The measured RTO is within the target",
                "Get-PlatformBackup -Latest | Test-PlatformBackup -Restore", $"RTO within {Words.Minutes(s.RtoTargetMinutes)}");
            yield return Item("data.redis-persistence", Data, "Redis persistence is on and its last save succeeded",
                "Get-PlatformRedisStatus", "RDB or AOF on, last save ok", RedisPersistenceAsync);
        }

        private static async Task<ReadinessCheck> WalArchivingAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            if (plan.Postgres == null && plan.PostgresError == null) return d.Skip("the profile has no Postgres section");
            var s = await context.PostgresStatus.ConfigureAwait(false);
            var last = s.LastArchivedTime == null ? "nothing archived yet" : $"last {s.LastArchivedWal} {Words.Ago(s.LastArchivedTime.Value, context.Now)}";
            var backlog = s.ReadyBacklog == null ? string.Empty : $", {Words.Plural(s.ReadyBacklog.Value, "segment")} waiting";
            ReadinessCheck check;
            if (!s.ArchivingEnabled)
                check = d.Fail($"archive_mode is off (wal_level {s.WalLevel}): no WAL is archived, so there is no point-in-time recovery", null, s);
            else if (string.Equals(s.WalLevel, "minimal", StringComparison.OrdinalIgnoreCase))
                check = d.Fail("wal_level is minimal: archived WAL cannot be replayed onto a base backup", null, s);
            else if (s.ArchiveFailing)
                check = d.Fail($"archiving is failing: {Words.Plural(s.FailedCount, "failure")}, the newest {s.LastFailedWal} {Words.Ago(s.LastFailedTime!.Value, context.Now)}; {last}{backlog}",
                    new[] { $"archive_command: {s.ArchiveCommand}" }, s);
            else if (s.ReadyBacklog > 10)
                check = d.Warn($"archive_mode {s.ArchiveMode}, archiving works but lags: {s.ReadyBacklog} segments wait to be archived; {last}", new[] { $"archive_command: {s.ArchiveCommand}" }, s);
            else if (s.ArchivedCount == 0 && s.FailedCount == 0)
                check = d.Warn($"archive_mode {s.ArchiveMode}, but no segment has been archived yet{backlog} (Invoke-PlatformWalSwitch proves the archive_command)", new[] { $"archive_command: {s.ArchiveCommand}" }, s);
            else
                check = d.Pass($"archive_mode {s.ArchiveMode}, {Words.Plural(s.ArchivedCount, "segment")} archived, {last}, "
                    + (s.FailedCount == 0 ? "no failures" : $"{Words.Plural(s.FailedCount, "earlier failure")}, none since") + backlog, null, s);
            check.Value = s.ArchivedCount;
            check.Unit = "segments";
            return check;
        }

        private static async Task<ReadinessCheck> RedisPersistenceAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            if (plan.Redis == null && plan.RedisError == null) return d.Skip("the profile has no Redis section");
            var r = await context.RedisStatus.ConfigureAwait(false);
            var modes = new List<string>();
            if (r.SavePolicy.Trim().Length > 0) modes.Add($"RDB save '{r.SavePolicy}'");
            if (r.AofEnabled) modes.Add("AOF on");
            var lastSave = r.LastSaveTime == null ? "never saved" : $"last save {Words.Ago(r.LastSaveTime.Value, context.Now)}";
            ReadinessCheck check;
            if (!r.PersistenceEnabled)
                check = d.Fail("persistence is off: no RDB save policy and no AOF, so a restart loses every key", r.Warnings.ToList(), r);
            else if (r.LastBgsaveStatus == "err")
                check = d.Fail($"{string.Join(", ", modes)}, but the last background save failed (rdb_last_bgsave_status:err); {lastSave}", r.Warnings.ToList(), r);
            else if (r.AofEnabled && r.AofLastWriteStatus == "err")
                check = d.Fail($"{string.Join(", ", modes)}, but the last AOF write failed (aof_last_write_status:err)", r.Warnings.ToList(), r);
            else if (!r.StopWritesOnBgsaveError && r.SavePolicy.Trim().Length > 0)
                check = d.Warn($"{string.Join(", ", modes)}, {lastSave} ok; stop-writes-on-bgsave-error is no, so a failing save would go unnoticed", r.Warnings.ToList(), r);
            else
                check = d.Pass($"{string.Join(", ", modes)}, {lastSave} ({(r.LastBgsaveStatus.Length == 0 ? "ok" : r.LastBgsaveStatus)}), {Words.Plural(r.ChangesSinceLastSave, "change")} since", null, r);
            if (r.LastSaveTime != null) { check.Value = Math.Round((context.Now - r.LastSaveTime.Value).TotalSeconds); check.Unit = "seconds"; }
            return check;
        }
    }
}

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
            foreach (var item in WalItems(plan)) yield return item;
            foreach (var item in BackupItems(plan)) yield return item;
            yield return MaintenanceItem();
            yield return Item("data.redis-persistence", Data, "Redis persistence is on and its last save succeeded",
                "Get-PlatformRedisStatus", "RDB or AOF on, last save ok", RedisPersistenceAsync);
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

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using PlatformOps.Maintenance;

namespace PlatformOps.Readiness
{
    /// <summary>The scheduled maintenance item: the last run of each installed job succeeded within its window.</summary>
    internal static partial class ReadinessChecklist
    {
        private static ReadinessItem MaintenanceItem() => Item("data.maintenance-jobs", Data, "The last run of each scheduled maintenance job succeeded within its window",
            "Get-PlatformMaintenance; Get-PlatformMaintenanceLog -Failed -Last 5; Install-PlatformMaintenance",
            "each installed job's newest run succeeded, within its window", (context, d) => Task.FromResult(MaintenanceJobs(context, d)));

        private static ReadinessCheck MaintenanceJobs(ReadinessContext context, ReadinessDefinition d)
        {
            MaintenancePlan plan;
            InstallRecord? record;
            try
            {
                plan = MaintenancePlan.From(context.Plan.Profile);
                record = InstallRecord.Load(plan.RecordPath);
            }
            catch (MaintenanceException ex)
            {
                return d.Fail(ex.Message);
            }
            if (record == null || record.Jobs.Count == 0)
                return d.Skip($"no scheduled maintenance is installed for '{plan.Platform}' (Install-PlatformMaintenance)");
            var last = MaintenanceLog.LastRuns(MaintenanceLog.Read(plan.LogPath, out _));
            var failed = new List<string>();
            var late = new List<string>();
            var waiting = new List<string>();
            var good = new List<string>();
            foreach (var installed in record.Jobs)
            {
                var window = plan.Jobs.FirstOrDefault(j => j.Name == installed.Job)?.Window ?? TimeSpan.FromDays(1);
                last.TryGetValue(installed.Job, out var run);
                if (run == null)
                {
                    var since = context.Now - record.InstalledAt;
                    (since > window ? late : waiting).Add($"{installed.Job}: no run yet, installed {Words.Ago(record.InstalledAt, context.Now)} (window {Words.Span(window)})");
                    continue;
                }
                var ended = run.EndedAt ?? run.StartedAt;
                var line = $"{installed.Job}: {run.Outcome} {Words.Ago(ended, context.Now)}" + (run.Outcome == MaintenanceOutcome.Succeeded ? string.Empty : $" ({run.Message})");
                if (!run.Succeeded) failed.Add(line);
                else if (context.Now - ended > window) late.Add($"{line}, older than its window of {Words.Span(window)}");
                else good.Add(line);
            }
            var details = failed.Concat(late).Concat(waiting).Concat(good).ToList();
            var counts = $"{Words.Plural(good.Count, "job")} of {record.Jobs.Count} succeeded within their window ({record.Scheduler})";
            ReadinessCheck check;
            if (failed.Count > 0) check = d.Fail($"the last run failed: {string.Join("; ", failed)}; {counts}", details, record);
            else if (late.Count > 0) check = d.Fail($"no successful run within the window: {string.Join("; ", late)}; {counts}", details, record);
            else if (waiting.Count > 0) check = d.Warn($"{counts}; not run yet: {string.Join("; ", waiting)}", details, record);
            else check = d.Pass(counts, details, record);
            check.Value = failed.Count + late.Count;
            check.Unit = "jobs";
            return check;
        }
    }
}

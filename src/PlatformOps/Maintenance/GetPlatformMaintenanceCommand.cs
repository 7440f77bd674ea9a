using System;
using System.Linq;
using System.Management.Automation;

namespace PlatformOps.Maintenance
{
    /// <summary>Shows a platform's maintenance jobs: the plan, what is installed where, the next run and the last one.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformMaintenance")]
    [OutputType(typeof(MaintenanceJobStatus))]
    public sealed class GetPlatformMaintenanceCommand : MaintenanceCmdlet
    {
        /// <summary>Only these jobs.</summary>
        [Parameter(Position = 0)]
        public MaintenanceJobName[]? Job { get; set; }

        protected override void EndProcessing()
        {
            var plan = RequirePlan();
            InstallRecord? record = null;
            try { record = InstallRecord.Load(plan.RecordPath); }
            catch (MaintenanceException ex) { Report(ex); }
            var runs = MaintenanceLog.Read(plan.LogPath, out var damaged);
            if (damaged > 0) WriteWarning($"{damaged} line(s) of {plan.LogPath} are not runs and were passed over.");
            var last = MaintenanceLog.LastRuns(runs);
            foreach (var job in plan.Jobs.Where(j => Job == null || Job.Length == 0 || Job.Contains(j.Name)))
            {
                var installed = record?.Jobs.FirstOrDefault(j => j.Job == job.Name);
                last.TryGetValue(job.Name, out var run);
                var status = new MaintenanceJobStatus
                {
                    Platform = plan.Platform,
                    Job = job.Name,
                    Description = job.Description,
                    Enabled = job.Enabled,
                    Installed = installed != null,
                    Scheduler = installed != null ? record!.Scheduler : (MaintenanceScheduler?)null,
                    Schedule = installed?.Schedule ?? job.Schedule.Expression,
                    Entry = installed?.Entry,
                    TimeLimit = job.TimeLimit,
                    Window = job.Window,
                    LastRun = run?.StartedAt,
                    LastOutcome = run?.Outcome,
                    LastDuration = run?.Duration,
                    LastMessage = run?.Message,
                    Reason = job.Reason,
                };
                if (installed != null)
                {
                    try { status.NextRun = CronSchedule.Parse(installed.Schedule).Next(DateTime.Now); }
                    catch (MaintenanceException) { status.NextRun = null; }
                    if (installed.Schedule != job.Schedule.Expression)
                        status.Reason = $"installed with '{installed.Schedule}', the profile now says '{job.Schedule.Expression}': run Install-PlatformMaintenance again";
                    if (record!.Scheduler == MaintenanceScheduler.Systemd && !record.SystemdOnline)
                        status.Reason ??= "units written and linked for timers.target; systemd was not running when they were installed";
                }
                WriteObject(status);
            }
        }
    }
}

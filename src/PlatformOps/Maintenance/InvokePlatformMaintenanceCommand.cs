using System;
using System.Collections.Generic;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// The one entry point of every scheduled job: takes the platform's lock, runs the job within its time limit,
    /// writes one line to the run log, tells the failure webhook, and gives the scheduler an exit code.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "PlatformMaintenance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MaintenanceRun))]
    public sealed class InvokePlatformMaintenanceCommand : MaintenanceCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        public MaintenanceJobName Job { get; set; }

        /// <summary>Overrides the job's time limit.</summary>
        [Parameter]
        public TimeSpan? TimeLimit { get; set; }

        /// <summary>Overrides how long to wait for another run's lock.</summary>
        [Parameter]
        public TimeSpan? LockWait { get; set; }

        protected override void EndProcessing()
        {
            var plan = RequirePlan();
            var job = plan.Job(Job);
            if (!job.Enabled)
                Fail("PlatformMaintenanceJobNotConfigured", ErrorCategory.NotEnabled, Job, $"The {Job} job of '{plan.Platform}' is not enabled: {job.Reason}.");
            if (TimeLimit is TimeSpan t && t <= TimeSpan.Zero)
                Fail("PlatformMaintenanceSettingInvalid", ErrorCategory.InvalidArgument, t, "-TimeLimit must be longer than zero.");
            if (LockWait is TimeSpan w && w < TimeSpan.Zero)
                Fail("PlatformMaintenanceSettingInvalid", ErrorCategory.InvalidArgument, w, "-LockWait cannot be negative.");
            if (!ShouldProcess($"{plan.Platform}: {job.Description}", $"Run the {Job} job under the lock {plan.LockPath}, logging to {plan.LogPath}")) return;

            string? webhook = null;
            try { webhook = FailureWebhook.Resolve(plan.Settings.WebhookUrl, plan.Settings.WebhookUrlFile); }
            catch (MaintenanceException ex) { WriteWarning(ex.Message + " Failures are not posted."); }
            var request = new MaintenanceRunRequest(plan, job)
            {
                TimeLimit = TimeLimit ?? job.TimeLimit,
                LockWait = LockWait ?? job.LockWait,
                Trigger = TriggerOf(Environment.GetEnvironmentVariable(JobCommand.TriggerVariable)),
                WebhookUrl = webhook,
                Version = typeof(InvokePlatformMaintenanceCommand).Assembly.GetName().Version?.ToString(3),
            };
            var scheduled = IsScheduledProcess();
            var warnings = new List<string>();
            MaintenanceRunResult result;
            try
            {
                result = MaintenanceRunner.Run(request, ct => JobSteps.Run(job, plan.Profile, warnings, ct), CancellationToken, run =>
                {
                    // The job ignored its cancellation: a scheduled process ends itself (the kernel drops the lock);
                    // an interactive session is never ended, it waits for the job.
                    if (scheduled) Environment.Exit(run.ExitCode);
                });
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                Fail("PlatformMaintenanceStateNotWritable", ErrorCategory.WriteError, plan.StatePath,
                    $"Cannot use the maintenance state folder '{plan.StatePath}': {ex.Message}. Set Maintenance.StatePath to a folder this user can write.", ex);
                return;
            }
            foreach (var warning in warnings) WriteWarning(warning);
            Publish(result);
        }

        private void Publish(MaintenanceRunResult result)
        {
            var run = result.Run;
            if (result.Interrupted != null)
                WriteWarning($"An earlier {result.Interrupted.Job} run ({result.Interrupted.RunId}, process {result.Interrupted.ProcessId}) was interrupted; the run log now says so.");
            if (result.WebhookError != null) WriteWarning($"The failure webhook was not told: {result.WebhookError}.");
            if (result.LogError != null) Report(result.LogError);
            SessionState.PSVariable.Set("global:LASTEXITCODE", run.ExitCode);
            if (run.ExitCode != 0 && !StopRequested && IsScheduledProcess())
            {
                try { Host.SetShouldExit(run.ExitCode); }
                catch (Exception ex) when (ex is NotImplementedException || ex is InvalidOperationException || ex is PSInvalidOperationException) { }
            }
            switch (run.Outcome)
            {
                case MaintenanceOutcome.Failed:
                    Report("PlatformMaintenanceJobFailed", ErrorCategory.OperationStopped, run.Job,
                        $"The {run.Job} job of '{run.Platform}' failed: {run.Message} (exit code {run.ExitCode}; Get-PlatformMaintenanceLog -Failed shows the run).");
                    break;
                case MaintenanceOutcome.TimedOut:
                    Report("PlatformMaintenanceTimedOut", ErrorCategory.OperationTimeout, run.Job,
                        $"The {run.Job} job of '{run.Platform}' {run.Message} (exit code {run.ExitCode}). Raise Maintenance.Jobs.{run.Job}.TimeLimitMinutes if the job needs longer.");
                    break;
                case MaintenanceOutcome.Busy:
                    Report("PlatformMaintenanceBusy", ErrorCategory.ResourceBusy, run.Job, $"The {run.Job} job did not run: {run.Message} (exit code {run.ExitCode}).");
                    break;
            }
            WriteObject(run);
        }

        protected override string CancelledMessage => $"Invoke-PlatformMaintenance -Job {Job} was cancelled; the run log records it as Cancelled (exit code 130).";

        /// <summary>True in the pwsh a scheduler starts (pwsh -Command ...): it may end with the job's exit code.</summary>
        private bool IsScheduledProcess()
            => Host != null && string.Equals(Host.Name, "ConsoleHost", StringComparison.Ordinal) && StopReport.IsNonInteractiveRun(Environment.GetCommandLineArgs());

        internal static string TriggerOf(string? value)
        {
            foreach (var name in new[] { "Systemd", "Cron", "TaskScheduler" })
                if (string.Equals(value, name, StringComparison.OrdinalIgnoreCase)) return name;
            return "Manual";
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>Installs a platform's maintenance jobs as systemd timers, cron entries or Task Scheduler tasks, from the profile's plan.</summary>
    [Cmdlet(VerbsLifecycle.Install, "PlatformMaintenance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MaintenanceJobInstall))]
    public sealed class InstallPlatformMaintenanceCommand : MaintenanceCmdlet
    {
        /// <summary>Auto (default: the profile's Maintenance.Scheduler, else systemd where it is PID 1, else cron; Task Scheduler on Windows).</summary>
        [Parameter(Position = 0)]
        public MaintenanceScheduler? Scheduler { get; set; }

        /// <summary>Install only these jobs (default: every enabled job).</summary>
        [Parameter]
        public MaintenanceJobName[]? Job { get; set; }

        protected override void EndProcessing()
        {
            var plan = RequirePlan();
            var requested = Scheduler ?? ParseScheduler(plan.Settings.Scheduler);
            InstallTarget target;
            System.Collections.Generic.IReadOnlyList<MaintenanceJobInstall> prepared;
            try
            {
                target = InstallTarget.Resolve(plan, requested, DefaultPwsh(), ModuleLayout.ImportPath);
                prepared = MaintenanceInstaller.Prepare(plan, target, Job);
            }
            catch (MaintenanceException ex)
            {
                Fail(ex);
                return;
            }
            if (plan.Settings.RunAsUser != null && string.IsNullOrEmpty(plan.Settings.StatePath))
                WriteWarning("Maintenance.RunAsUser is set without Maintenance.StatePath: the jobs keep their lock and log in that user's state folder, where Get-PlatformMaintenance here does not look. Set Maintenance.StatePath.");
            var what = string.Join(", ", prepared.Where(p => p.Action == "WouldInstall").Select(p => p.Job));
            var where = target.Scheduler switch
            {
                MaintenanceScheduler.Systemd => $"systemd units in {target.UnitPath}",
                MaintenanceScheduler.Cron => target.CrontabPath ?? "the user's crontab",
                _ => "Task Scheduler",
            };
            if (!ShouldProcess($"{plan.Platform}: {where}", $"Install the jobs {what}"))
            {
                foreach (var item in prepared) WriteObject(item);
                return;
            }
            try
            {
                MaintenanceInstaller.Apply(plan, target, prepared, WriteWarning, CancellationToken);
            }
            catch (MaintenanceException ex)
            {
                Fail(ex);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Fail("PlatformMaintenanceNotInstalled", ErrorCategory.WriteError, where,
                    $"Cannot install the jobs into {where}: {ex.Message}. What was written so far is in {plan.RecordPath}; Uninstall-PlatformMaintenance removes it.", ex);
            }
            foreach (var item in prepared) WriteObject(item);
        }

        internal static MaintenanceScheduler ParseScheduler(string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return MaintenanceScheduler.Auto;
            if (Enum.TryParse<MaintenanceScheduler>(text!.Trim(), true, out var s)) return s;
            throw new PSArgumentException($"Maintenance.Scheduler '{text}' is not one of Auto, Systemd, Cron, TaskScheduler.");
        }

        /// <summary>The pwsh that runs this session (its apphost in $PSHOME), else pwsh on PATH.</summary>
        private string DefaultPwsh()
        {
            var home = SessionState.PSVariable.GetValue("PSHOME") as string;
            var name = Environment.OSVersion.Platform == PlatformID.Win32NT ? "pwsh.exe" : "pwsh";
            if (!string.IsNullOrEmpty(home) && File.Exists(System.IO.Path.Combine(home, name))) return System.IO.Path.Combine(home, name);
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator))
            {
                if (string.IsNullOrEmpty(dir)) continue;
                var candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
            return name;
        }
    }
}

using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace PlatformOps.Maintenance
{
    /// <summary>The systemd service and timer of one job: Type=oneshot, a timer with Persistent=true, written for timers.target.</summary>
    public static class SystemdUnits
    {
        /// <summary>platformops-&lt;platform&gt;-&lt;job&gt; with the platform's name cut to the characters unit names allow.</summary>
        public static string BaseName(string platform, MaintenanceJobName job) => $"{Prefix(platform)}-{job.ToString().ToLowerInvariant()}";

        /// <summary>platformops-&lt;platform&gt;: lower-case letters, digits, - and _ (what unit and /etc/cron.d file names allow).</summary>
        public static string Prefix(string platform)
        {
            var safe = new string((platform ?? "platform").Select(c => (char.IsLetterOrDigit(c) && c < 128) || c == '-' || c == '_' ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
            return "platformops-" + (safe.Length == 0 ? "platform" : safe);
        }

        public static string Service(MaintenancePlan plan, PlannedJob job, JobCommand command, string? runAsUser, string? onFailureUnit)
        {
            var sb = new StringBuilder();
            sb.Append("# Written by Install-PlatformMaintenance for the platform '").Append(JobCommand.SystemdText(plan.Platform)).Append("'. Uninstall-PlatformMaintenance removes it.\n");
            sb.Append("[Unit]\n");
            sb.Append("Description=PlatformOps ").Append(JobCommand.SystemdText(plan.Platform)).Append(": ").Append(JobCommand.SystemdText(job.Description)).Append('\n');
            sb.Append("Wants=network-online.target\nAfter=network-online.target\n");
            if (!string.IsNullOrWhiteSpace(onFailureUnit)) sb.Append("OnFailure=").Append(onFailureUnit!.Trim()).Append('\n');
            sb.Append("\n[Service]\nType=oneshot\n");
            foreach (var line in command.SystemdEnvironment()) sb.Append(line).Append('\n');
            sb.Append("ExecStart=").Append(command.ForSystemd()).Append('\n');
            // The job stops itself at its time limit (exit 124); systemd's limit is the backstop for a hung process.
            var backstop = job.TimeLimit + job.LockWait + TimeSpan.FromMinutes(5);
            sb.Append("TimeoutStartSec=").Append(((long)backstop.TotalSeconds).ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (!string.IsNullOrWhiteSpace(runAsUser)) sb.Append("User=").Append(runAsUser!.Trim()).Append('\n');
            return sb.ToString();
        }

        public static string Timer(MaintenancePlan plan, PlannedJob job)
        {
            var sb = new StringBuilder();
            sb.Append("# Written by Install-PlatformMaintenance for the platform '").Append(JobCommand.SystemdText(plan.Platform)).Append("'. Uninstall-PlatformMaintenance removes it.\n");
            sb.Append("[Unit]\n");
            sb.Append("Description=PlatformOps ").Append(JobCommand.SystemdText(plan.Platform)).Append(": schedule of the ").Append(job.Name).Append(" job (cron '")
                .Append(JobCommand.SystemdText(job.Schedule.CronText)).Append("')\n");
            sb.Append("\n[Timer]\n");
            sb.Append("OnCalendar=").Append(job.Schedule.ToOnCalendar()).Append('\n');
            sb.Append("Persistent=true\nAccuracySec=1s\n");
            sb.Append("Unit=").Append(BaseName(plan.Platform, job.Name)).Append(".service\n");
            sb.Append("\n[Install]\nWantedBy=timers.target\n");
            return sb.ToString();
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;

namespace PlatformOps.Common
{
    /// <summary>
    /// The profile's Maintenance section: which scheduled jobs Install-PlatformMaintenance installs, when they run, how
    /// long they may take, where their run log goes and whom to tell when one fails. Every property has a default;
    /// relative paths are relative to the profile's folder.
    /// </summary>
    public sealed class MaintenanceSettings
    {
        /// <summary>Auto (default: systemd where it is PID 1, else cron; Task Scheduler on Windows), Systemd, Cron or TaskScheduler.</summary>
        public string? Scheduler { get; set; }
        /// <summary>Where the lock, the run marker and the install record live. Default: the platform's state folder + /maintenance.</summary>
        public string? StatePath { get; set; }
        /// <summary>The JSON-lines run log. Default: maintenance.log in StatePath.</summary>
        public string? LogPath { get; set; }
        /// <summary>The log is rotated before it grows past this many megabytes. Default 10.</summary>
        public double? LogMaxMB { get; set; }
        /// <summary>How many rotated logs (maintenance.log.1 ...) are kept. Default 5.</summary>
        public int? LogKeep { get; set; }
        /// <summary>A URL to POST a JSON body to when a run fails. It is never logged or shown (it may hold a token).</summary>
        public string? WebhookUrl { get; set; }
        /// <summary>A file holding only the webhook URL (keeps a token out of the profile). WebhookUrl wins when both are set.</summary>
        public string? WebhookUrlFile { get; set; }
        /// <summary>The pwsh the jobs run with. Default: the pwsh that runs Install-PlatformMaintenance.</summary>
        public string? PwshPath { get; set; }
        /// <summary>The folder systemd units are written to. Default: /etc/systemd/system for root, ~/.config/systemd/user otherwise.</summary>
        public string? UnitPath { get; set; }
        /// <summary>A crontab file to put the jobs in (a marked block; other lines are left alone). Default: /etc/cron.d/platformops-&lt;name&gt; for root, else the user's crontab (crontab -l / crontab -).</summary>
        public string? CrontabPath { get; set; }
        /// <summary>The user system units and /etc/cron.d entries run as. Default: the installing user.</summary>
        public string? RunAsUser { get; set; }
        /// <summary>A systemd unit to start when a job's service fails (OnFailure=), e.g. a notifier of your own.</summary>
        public string? OnFailureUnit { get; set; }
        /// <summary>The jobs by name (Backup, Verify, Retention, Readiness, WalSync): schedule, time limit, window, lock wait.</summary>
        public Dictionary<string, MaintenanceJobSettings> Jobs { get; set; } = new Dictionary<string, MaintenanceJobSettings>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The settings of one job, or null when the profile says nothing about it.</summary>
        public MaintenanceJobSettings? Job(string name)
            => Jobs.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        internal void ResolvePaths(Func<string?, string?> rooted)
        {
            StatePath = rooted(StatePath);
            LogPath = rooted(LogPath);
            WebhookUrlFile = rooted(WebhookUrlFile);
            UnitPath = rooted(UnitPath);
            CrontabPath = rooted(CrontabPath);
            foreach (var job in Jobs.Values.Where(j => j != null))
            {
                job.Path = rooted(job.Path);
                job.Script = rooted(job.Script);
            }
        }
    }

    /// <summary>One scheduled job's settings; null properties take the job's defaults.</summary>
    public sealed class MaintenanceJobSettings
    {
        /// <summary>False leaves the job out of the installation.</summary>
        public bool? Enabled { get; set; }
        /// <summary>When it runs, as a five-field cron expression ("30 2 * * *") or @hourly, @daily, @weekly, @monthly.</summary>
        public string? Schedule { get; set; }
        /// <summary>The run is cancelled (exit code 124) when it takes longer than this.</summary>
        public double? TimeLimitMinutes { get; set; }
        /// <summary>How long a run waits for another run of the platform to finish before it gives up (exit code 75).</summary>
        public double? LockWaitMinutes { get; set; }
        /// <summary>The readiness item wants a successful run within this many hours. Default: the schedule's period plus the time limit, with slack.</summary>
        public double? WindowHours { get; set; }
        /// <summary>Readiness: the Prometheus file the export writes. Default: platformops_readiness.prom in the state folder.</summary>
        public string? Path { get; set; }
        /// <summary>WalSync: the PowerShell script that copies the WAL archive to the remote repository; it takes -Profile.</summary>
        public string? Script { get; set; }
    }

    /// <summary>Where a platform's state between runs lives (readiness history, the maintenance lock and log).</summary>
    public static class PlatformStateFolder
    {
        /// <summary>Readiness.StatePath, else $XDG_STATE_HOME/platformops/&lt;profile name&gt; (~/.local/state on Unix, %LOCALAPPDATA% on Windows).</summary>
        public static string Of(PlatformProfile profile)
        {
            if (profile == null) throw new ArgumentNullException(nameof(profile));
            if (!string.IsNullOrEmpty(profile.Readiness?.StatePath)) return profile.Readiness!.StatePath!;
            string root;
            var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            if (!string.IsNullOrEmpty(xdg)) root = xdg!;
            else if (System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows))
                root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            else
                root = System.IO.Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
            var safe = new string(profile.Name.Select(c => char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.' ? c : '_').ToArray());
            return System.IO.Path.Combine(root, "platformops", string.IsNullOrEmpty(safe) ? "platform" : safe);
        }
    }
}

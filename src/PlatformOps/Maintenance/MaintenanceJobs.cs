using System;
using System.Collections.Generic;
using System.Linq;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>The maintenance jobs PlatformOps schedules.</summary>
    public enum MaintenanceJobName
    {
        /// <summary>Invoke-PlatformBackup: a new backup set.</summary>
        Backup,
        /// <summary>Get-PlatformBackup -Latest | Test-PlatformBackup -Restore: the newest set proven by a restore.</summary>
        Verify,
        /// <summary>Remove-PlatformBackup by the profile's Backup.Retention, which expires WAL no kept base backup needs.</summary>
        Retention,
        /// <summary>Export-PlatformReport -Format Prometheus: the readiness score for a textfile collector.</summary>
        Readiness,
        /// <summary>The profile's WalSync script: copies the WAL archive to a remote repository.</summary>
        WalSync,
    }

    /// <summary>How a run ended. Each has its own process exit code (see <see cref="MaintenanceExitCodes"/>).</summary>
    public enum MaintenanceOutcome
    {
        Succeeded,
        Failed,
        TimedOut,
        Cancelled,
        /// <summary>Another run of the platform held the lock for longer than the lock wait: this run did nothing.</summary>
        Busy,
        /// <summary>The run's process ended before it finished (killed, or the machine stopped); written by the next run.</summary>
        Interrupted,
    }

    /// <summary>Where the jobs are scheduled.</summary>
    public enum MaintenanceScheduler
    {
        Auto,
        Systemd,
        Cron,
        TaskScheduler,
    }

    /// <summary>The exit codes a scheduler sees (sysexits.h and timeout(1) conventions).</summary>
    public static class MaintenanceExitCodes
    {
        public const int Succeeded = 0;
        public const int Failed = 1;
        /// <summary>The job's work finished but its line could not be written to the run log (EX_IOERR).</summary>
        public const int LogNotWritten = 74;
        /// <summary>Another run held the platform's lock (EX_TEMPFAIL).</summary>
        public const int Busy = 75;
        /// <summary>The time limit cancelled the run (as timeout(1)).</summary>
        public const int TimedOut = 124;
        /// <summary>Ctrl+C or a stop (128 + SIGINT).</summary>
        public const int Cancelled = 130;

        public static int Of(MaintenanceOutcome outcome) => outcome switch
        {
            MaintenanceOutcome.Succeeded => Succeeded,
            MaintenanceOutcome.Busy => Busy,
            MaintenanceOutcome.TimedOut => TimedOut,
            MaintenanceOutcome.Cancelled => Cancelled,
            _ => Failed,
        };
    }

    /// <summary>One job of a platform's maintenance plan, with its settings resolved.</summary>
    public sealed class PlannedJob
    {
        internal PlannedJob(MaintenanceJobName name, string description, CronSchedule schedule, TimeSpan timeLimit, TimeSpan lockWait)
        {
            Name = name;
            Description = description;
            Schedule = schedule;
            TimeLimit = timeLimit;
            LockWait = lockWait;
        }

        public MaintenanceJobName Name { get; }
        public string Description { get; }
        public CronSchedule Schedule { get; }
        public TimeSpan TimeLimit { get; }
        public TimeSpan LockWait { get; }
        /// <summary>The readiness item wants a successful run within this span.</summary>
        public TimeSpan Window { get; internal set; }
        /// <summary>False when the profile turns the job off or lacks what it needs (see <see cref="Reason"/>).</summary>
        public bool Enabled { get; internal set; } = true;
        /// <summary>Why the job is not enabled.</summary>
        public string? Reason { get; internal set; }
        /// <summary>Readiness: the Prometheus file; WalSync: the script.</summary>
        public string? Path { get; internal set; }

        public override string ToString() => $"{Name} ({Schedule})";
    }

    /// <summary>A platform's maintenance: the jobs, where their state and log live, and how big the log may grow.</summary>
    public sealed class MaintenancePlan
    {
        private MaintenancePlan(PlatformProfile profile, MaintenanceSettings settings, string statePath)
        {
            Profile = profile;
            Settings = settings;
            StatePath = statePath;
        }

        public PlatformProfile Profile { get; }
        public MaintenanceSettings Settings { get; }
        public string Platform => Profile.Name;
        public string StatePath { get; }
        public string LogPath => string.IsNullOrEmpty(Settings.LogPath) ? System.IO.Path.Combine(StatePath, "maintenance.log") : Settings.LogPath!;
        public string LockPath => System.IO.Path.Combine(StatePath, "maintenance.lock");
        public string MarkerPath => System.IO.Path.Combine(StatePath, "maintenance.run.json");
        public string RecordPath => System.IO.Path.Combine(StatePath, "installed.json");
        public long LogMaxBytes => (long)(Math.Max(0.01, Settings.LogMaxMB ?? 10) * 1048576);
        public int LogKeep => Math.Max(1, Settings.LogKeep ?? 5);
        public IReadOnlyList<PlannedJob> Jobs { get; private set; } = Array.Empty<PlannedJob>();

        public PlannedJob Job(MaintenanceJobName name) => Jobs.First(j => j.Name == name);

        /// <summary>The plan of a profile: its Maintenance section over the defaults. Throws MaintenanceException for a bad schedule or limit.</summary>
        public static MaintenancePlan From(PlatformProfile profile)
        {
            if (profile == null) throw new ArgumentNullException(nameof(profile));
            var settings = profile.Maintenance ?? new MaintenanceSettings();
            var state = string.IsNullOrEmpty(settings.StatePath)
                ? System.IO.Path.Combine(PlatformStateFolder.Of(profile), "maintenance")
                : settings.StatePath!;
            var plan = new MaintenancePlan(profile, settings, state);
            plan.Jobs = Defaults.Select(d => plan.Resolve(d)).ToList();
            return plan;
        }

        private sealed class JobDefault
        {
            public JobDefault(MaintenanceJobName name, string description, string schedule, double limitMinutes, double lockWaitMinutes)
            {
                Name = name; Description = description; Schedule = schedule; LimitMinutes = limitMinutes; LockWaitMinutes = lockWaitMinutes;
            }
            public MaintenanceJobName Name { get; }
            public string Description { get; }
            public string Schedule { get; }
            public double LimitMinutes { get; }
            public double LockWaitMinutes { get; }
        }

        private static readonly JobDefault[] Defaults =
        {
            new JobDefault(MaintenanceJobName.Backup, "nightly backup (Invoke-PlatformBackup)", "30 2 * * *", 120, 60),
            new JobDefault(MaintenanceJobName.Verify, "restore test of the newest backup (Test-PlatformBackup -Restore)", "30 4 * * *", 120, 60),
            new JobDefault(MaintenanceJobName.Retention, "retention of backup sets and WAL (Remove-PlatformBackup)", "30 5 * * *", 30, 60),
            new JobDefault(MaintenanceJobName.Readiness, "readiness export for Prometheus (Export-PlatformReport)", "*/5 * * * *", 4, 2),
            new JobDefault(MaintenanceJobName.WalSync, "WAL copy to the remote repository (the profile's WalSync script)", "*/15 * * * *", 10, 5),
        };

        private PlannedJob Resolve(JobDefault d)
        {
            var s = Settings.Job(d.Name.ToString());
            var schedule = CronSchedule.Parse(string.IsNullOrWhiteSpace(s?.Schedule) ? d.Schedule : s!.Schedule!, $"Maintenance.Jobs.{d.Name}.Schedule");
            var limit = Minutes(s?.TimeLimitMinutes ?? d.LimitMinutes, $"Maintenance.Jobs.{d.Name}.TimeLimitMinutes", allowZero: false);
            var wait = Minutes(s?.LockWaitMinutes ?? d.LockWaitMinutes, $"Maintenance.Jobs.{d.Name}.LockWaitMinutes", allowZero: true);
            var job = new PlannedJob(d.Name, d.Description, schedule, limit, wait) { Path = s?.Path ?? s?.Script };
            job.Window = s?.WindowHours is double h && h > 0 ? TimeSpan.FromHours(h) : DefaultWindow(schedule, limit);
            if (s?.Enabled == false) { job.Enabled = false; job.Reason = $"turned off in the profile (Maintenance.Jobs.{d.Name}.Enabled is false)"; }
            else if (d.Name == MaintenanceJobName.Readiness && string.IsNullOrEmpty(job.Path))
                job.Path = System.IO.Path.Combine(StatePath, "platformops_readiness.prom");
            else if (d.Name == MaintenanceJobName.WalSync && string.IsNullOrEmpty(s?.Script))
            {
                job.Enabled = false;
                job.Reason = "no remote repository: set Maintenance.Jobs.WalSync.Script to the script that copies the WAL archive off the host";
            }
            else if (d.Name == MaintenanceJobName.Retention && Profile.Backup?.Retention?.KeepLast == null && Profile.Backup?.Retention?.KeepDays == null)
            {
                job.Enabled = false;
                job.Reason = "no retention policy: set Backup.Retention (KeepLast and/or KeepDays) in the profile";
            }
            return job;
        }

        /// <summary>One period of the schedule, the time limit, and a tenth of the period (at least five minutes) of slack.</summary>
        internal static TimeSpan DefaultWindow(CronSchedule schedule, TimeSpan limit)
        {
            var period = schedule.LongestGap();
            var slack = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(5).Ticks, period.Ticks / 10));
            return period + limit + slack;
        }

        private static TimeSpan Minutes(double value, string key, bool allowZero)
        {
            if (double.IsNaN(value) || value < 0 || (!allowZero && value == 0) || value > 7 * 24 * 60)
                throw new MaintenanceException("PlatformMaintenanceSettingInvalid", MaintenanceErrorKind.InvalidArgument, key,
                    $"{key} is {value}: it must be {(allowZero ? "0 or more" : "more than 0")} minutes and at most a week.");
            return TimeSpan.FromMinutes(value);
        }
    }
}

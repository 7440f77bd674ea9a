using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>Where and how the jobs are installed on this machine: the scheduler, its files, and the command the jobs run.</summary>
    public sealed class InstallTarget
    {
        public MaintenanceScheduler Scheduler { get; set; }
        public string Pwsh { get; set; } = string.Empty;
        public string ModulePath { get; set; } = string.Empty;
        public string ProfilePath { get; set; } = string.Empty;
        /// <summary>Systemd: the unit folder.</summary>
        public string? UnitPath { get; set; }
        public bool SystemdUser { get; set; }
        /// <summary>Systemd: enable through systemctl (systemd is PID 1 and the folder is one it reads), else link by hand.</summary>
        public bool SystemdOnline { get; set; }
        /// <summary>Cron: a crontab file (null: the user's crontab through the crontab program).</summary>
        public string? CrontabPath { get; set; }
        /// <summary>Cron: the file is a system crontab (/etc/cron.d): its lines carry a user field, and the whole file is PlatformOps's.</summary>
        public bool SystemCrontab { get; set; }
        public string? RunAsUser { get; set; }
        public string? OnFailureUnit { get; set; }
        public List<KeyValuePair<string, string>> Environment { get; } = new List<KeyValuePair<string, string>>();

        public static bool IsRoot => UnixFile.EffectiveUserId == 0;

        /// <summary>sd_booted(3): systemd is the init system when /run/systemd/system exists.</summary>
        public static bool SystemdIsRunning => Directory.Exists("/run/systemd/system");

        /// <summary>What PID 1 is, for messages ("systemd is not PID 1 here: it is ...").</summary>
        public static string InitName
        {
            get
            {
                try { return File.ReadAllText("/proc/1/comm").Trim(); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { return "unknown"; }
            }
        }

        /// <summary>Auto: Task Scheduler on Windows, systemd where it runs, else cron.</summary>
        public static MaintenanceScheduler Choose(MaintenanceScheduler requested)
        {
            if (requested != MaintenanceScheduler.Auto) return requested;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return MaintenanceScheduler.TaskScheduler;
            return SystemdIsRunning ? MaintenanceScheduler.Systemd : MaintenanceScheduler.Cron;
        }

        /// <summary>Resolves the target from the plan's settings and this machine; <paramref name="pwsh"/> is the running pwsh (the default).</summary>
        public static InstallTarget Resolve(MaintenancePlan plan, MaintenanceScheduler requested, string pwsh, string modulePath)
        {
            var settings = plan.Settings;
            var profilePath = plan.Profile.Path ?? throw new MaintenanceException("PlatformMaintenanceProfileNotSaved", MaintenanceErrorKind.InvalidArgument, plan.Platform,
                "The profile was not read from a file, and scheduled jobs name their profile by its path. Save it to a file and pass -Profile <path>.");
            var target = new InstallTarget
            {
                Scheduler = Choose(requested),
                Pwsh = string.IsNullOrWhiteSpace(settings.PwshPath) ? pwsh : settings.PwshPath!,
                ModulePath = Path.GetFullPath(modulePath),
                ProfilePath = profilePath,
                RunAsUser = string.IsNullOrWhiteSpace(settings.RunAsUser) ? null : settings.RunAsUser!.Trim(),
                OnFailureUnit = settings.OnFailureUnit,
            };
            if (!File.Exists(target.Pwsh))
                throw new MaintenanceException("PlatformMaintenancePwshNotFound", MaintenanceErrorKind.NotFound, target.Pwsh,
                    $"The pwsh the jobs would run, '{target.Pwsh}', does not exist. Set Maintenance.PwshPath in the profile to the full path of pwsh.");
            foreach (var name in new[] { "DOTNET_ROOT", "XDG_STATE_HOME" })
            {
                var value = System.Environment.GetEnvironmentVariable(name);
                if (!string.IsNullOrEmpty(value)) target.Environment.Add(new KeyValuePair<string, string>(name, value!));
            }
            var home = System.Environment.GetEnvironmentVariable("HOME") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
            switch (target.Scheduler)
            {
                case MaintenanceScheduler.Systemd:
                    var defaultUnits = IsRoot ? "/etc/systemd/system" : Path.Combine(home, ".config", "systemd", "user");
                    target.UnitPath = string.IsNullOrEmpty(settings.UnitPath) ? defaultUnits : settings.UnitPath!;
                    target.SystemdUser = !IsRoot;
                    target.SystemdOnline = SystemdIsRunning && string.Equals(Path.GetFullPath(target.UnitPath).TrimEnd('/'), defaultUnits, StringComparison.Ordinal);
                    if (target.SystemdUser) target.RunAsUser = null; // a user unit runs as its user
                    break;
                case MaintenanceScheduler.Cron:
                    if (!string.IsNullOrEmpty(settings.CrontabPath)) target.CrontabPath = settings.CrontabPath;
                    else if (IsRoot) target.CrontabPath = "/etc/cron.d/" + SystemdUnits.Prefix(plan.Platform);
                    target.SystemCrontab = target.CrontabPath != null
                        && (target.CrontabPath.StartsWith("/etc/cron.d/", StringComparison.Ordinal) || target.CrontabPath == "/etc/crontab");
                    if (target.SystemCrontab && target.RunAsUser == null) target.RunAsUser = System.Environment.UserName;
                    break;
                case MaintenanceScheduler.TaskScheduler:
                    break;
            }
            return target;
        }

        public JobCommand Command(MaintenanceJobName job)
        {
            var command = new JobCommand(Pwsh, ModulePath, ProfilePath, job);
            foreach (var pair in Environment) command.Environment.Add(pair);
            return command;
        }
    }
}

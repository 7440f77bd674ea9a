using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// Installs a platform's enabled jobs into systemd, cron or Task Scheduler, and removes exactly what an install
    /// record names. Every file is written atomically (temporary name, rename); systemd is reloaded after units change.
    /// </summary>
    public static partial class MaintenanceInstaller
    {
        /// <summary>What would be written for each job (nothing is written).</summary>
        public static IReadOnlyList<MaintenanceJobInstall> Prepare(MaintenancePlan plan, InstallTarget target, ICollection<MaintenanceJobName>? only)
        {
            var result = new List<MaintenanceJobInstall>();
            foreach (var job in plan.Jobs.Where(j => only == null || only.Contains(j.Name)))
            {
                var item = new MaintenanceJobInstall { Platform = plan.Platform, Job = job.Name, Scheduler = target.Scheduler, Schedule = job.Schedule.Expression };
                result.Add(item);
                if (!job.Enabled) { item.Action = "Skipped"; item.Note = job.Reason; continue; }
                var command = target.Command(job.Name);
                switch (target.Scheduler)
                {
                    case MaintenanceScheduler.Systemd:
                        var name = SystemdUnits.BaseName(plan.Platform, job.Name);
                        var service = Path.Combine(target.UnitPath!, name + ".service");
                        var timer = Path.Combine(target.UnitPath!, name + ".timer");
                        item.Writes.Add(new KeyValuePair<string, string>(service, SystemdUnits.Service(plan, job, command, target.SystemdUser ? null : target.RunAsUser, target.OnFailureUnit)));
                        item.Writes.Add(new KeyValuePair<string, string>(timer, SystemdUnits.Timer(plan, job)));
                        item.Entry = name + ".timer";
                        break;
                    case MaintenanceScheduler.Cron:
                        var line = Crontab.Line(job, command, target.SystemCrontab ? target.RunAsUser : null);
                        item.Writes.Add(new KeyValuePair<string, string>(target.CrontabPath ?? "crontab", line));
                        item.Entry = target.CrontabPath ?? $"the crontab of {Environment.UserName}";
                        break;
                    case MaintenanceScheduler.TaskScheduler:
                        var task = TaskSchedulerXml.TaskName(plan.Platform, job.Name);
                        item.Writes.Add(new KeyValuePair<string, string>(task, TaskSchedulerXml.Render(plan, job, command)));
                        item.Entry = task;
                        break;
                    default:
                        throw new MaintenanceException("PlatformMaintenanceSchedulerInvalid", MaintenanceErrorKind.InvalidArgument, target.Scheduler, "Choose a scheduler: Systemd, Cron or TaskScheduler.");
                }
                item.Paths = item.Writes.Select(w => w.Key).ToList();
                item.Content = string.Join("\n", item.Writes.Select(w => target.Scheduler == MaintenanceScheduler.Cron ? w.Value : $"# {w.Key}\n{w.Value}"));
                item.Action = "WouldInstall";
            }
            return result;
        }

        /// <summary>Installs what <see cref="Prepare"/> made, after removing an earlier installation of the platform; returns the record (saved).</summary>
        public static InstallRecord Apply(MaintenancePlan plan, InstallTarget target, IReadOnlyList<MaintenanceJobInstall> prepared,
            Action<string> warn, CancellationToken cancellationToken)
        {
            if (target.Scheduler == MaintenanceScheduler.TaskScheduler && !RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                throw new MaintenanceException("PlatformMaintenanceSchedulerUnavailable", MaintenanceErrorKind.NotSupported, target.Scheduler,
                    "Task Scheduler exists on Windows only. Use -Scheduler Systemd or Cron here, or -WhatIf to see the task definitions that would be registered.");
            var earlier = InstallRecord.Load(plan.RecordPath);
            if (earlier != null) Remove(earlier, plan.RecordPath, apply: true, force: false, warn, cancellationToken);

            var jobs = prepared.Where(p => p.Action == "WouldInstall").ToList();
            var record = new InstallRecord
            {
                Platform = plan.Platform, ProfilePath = target.ProfilePath, Scheduler = target.Scheduler, InstalledAt = DateTime.UtcNow,
                Version = typeof(MaintenanceInstaller).Assembly.GetName().Version?.ToString(3), SystemdUser = target.SystemdUser,
            };
            // The record is saved after each step, so a failure half-way leaves a record of what was written.
            try
            {
                switch (target.Scheduler)
                {
                    case MaintenanceScheduler.Systemd: InstallSystemd(target, jobs, record, plan.RecordPath, warn, cancellationToken); break;
                    case MaintenanceScheduler.Cron: InstallCron(plan, target, jobs, record, plan.RecordPath, cancellationToken); break;
                    case MaintenanceScheduler.TaskScheduler: InstallTasks(jobs, record, plan.RecordPath, cancellationToken); break;
                }
            }
            finally
            {
                record.Jobs = jobs.Select(j => new RecordedJob { Job = j.Job, Schedule = j.Schedule, Entry = j.Entry }).ToList();
                if (record.Files.Count + record.Links.Count + record.Tasks.Count > 0 || record.Crontab != null) record.Save(plan.RecordPath);
            }
            foreach (var job in jobs) job.Action = "Installed";
            return record;
        }

        private static void CreateFolder(string path, InstallRecord record)
        {
            var missing = new Stack<string>();
            for (var dir = Path.GetFullPath(path); !Directory.Exists(dir); dir = Path.GetDirectoryName(dir) ?? "/") missing.Push(dir);
            while (missing.Count > 0)
            {
                var dir = missing.Pop();
                Directory.CreateDirectory(dir);
                record.Folders.Add(dir);
            }
        }

        private static void WriteFile(string path, string content, InstallRecord record, string recordPath, int mode)
        {
            CreateFolder(Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/", record);
            using (var file = new AtomicFile(path))
            {
                var bytes = new UTF8Encoding(false).GetBytes(content);
                file.Stream.Write(bytes, 0, bytes.Length);
                AtomicFile.SetMode(file.TempPath, mode);
                file.Commit();
            }
            record.Files.Add(new RecordedFile { Path = Path.GetFullPath(path), Sha256 = InstallRecord.Sha256Of(path) });
            record.Save(recordPath);
        }

        private static readonly string[] EnableNow = { "enable", "--now" };
        private static readonly string[] DisableNow = { "disable", "--now" };
        private static readonly string[] UserScope = { "--user" };

        private static void InstallSystemd(InstallTarget target, List<MaintenanceJobInstall> jobs, InstallRecord record, string recordPath,
            Action<string> warn, CancellationToken cancellationToken)
        {
            foreach (var job in jobs)
                foreach (var write in job.Writes) WriteFile(write.Key, write.Value, record, recordPath, 0x1A4 /* 0644 */);
            var timers = jobs.Select(j => j.Entry).ToList();
            if (target.SystemdOnline)
            {
                Systemctl(target.SystemdUser, cancellationToken, "daemon-reload");
                record.SystemdOnline = true;
                Systemctl(target.SystemdUser, cancellationToken, EnableNow.Concat(timers).ToArray());
                record.Timers.AddRange(timers);
                record.Save(recordPath);
                return;
            }
            // Not the systemd that runs this machine (it is not PID 1, or the folder is a staging folder): enable the
            // timers the way systemctl enable does, by links in timers.target.wants, for when that systemd starts.
            var wants = Path.Combine(target.UnitPath!, "timers.target.wants");
            CreateFolder(wants, record);
            foreach (var timer in timers)
            {
                var link = Path.Combine(wants, timer);
                var unit = Path.Combine(Path.GetFullPath(target.UnitPath!), timer);
                if (File.Exists(link) || UnixFile.ReadLink(link) != null) File.Delete(link);
                UnixFile.CreateSymbolicLink(link, unit);
                record.Links.Add(new RecordedLink { Path = link, Target = unit });
            }
            record.Save(recordPath);
            warn(SystemdIsRunningHere(target)
                ? $"The units are in {target.UnitPath}, which the running systemd does not read: copy or link them into a unit folder and run 'systemctl daemon-reload'."
                : $"systemd is not PID 1 here (PID 1 is '{InstallTarget.InitName}'): the units are written to {target.UnitPath} and enabled for timers.target, and start when systemd runs this system. Use -Scheduler Cron to run the jobs now.");
        }

        private static bool SystemdIsRunningHere(InstallTarget target) => InstallTarget.SystemdIsRunning && !target.SystemdOnline;

        private static void Systemctl(bool user, CancellationToken cancellationToken, params string[] arguments)
        {
            var spec = new ProcessSpec("systemctl", (user ? UserScope : Array.Empty<string>()).Concat(arguments).ToArray());
            var result = ProcessRunner.RunAsync(spec, cancellationToken).GetAwaiter().GetResult();
            if (!result.Succeeded)
                throw new MaintenanceException("PlatformMaintenanceSystemctlFailed", MaintenanceErrorKind.Failed, spec.ToString(),
                    $"'{spec}' failed with exit code {result.ExitCode}: {result.StandardError}");
        }

        private static void InstallCron(MaintenancePlan plan, InstallTarget target, List<MaintenanceJobInstall> jobs, InstallRecord record, string recordPath,
            CancellationToken cancellationToken)
        {
            var block = Crontab.Block(plan.Platform, jobs.SelectMany(j => j.Writes.Select(w => w.Value)));
            if (target.CrontabPath == null)
            {
                var existing = ReadUserCrontab(cancellationToken, out var had);
                var merged = Crontab.Merge(existing, plan.Platform, block, out var added);
                record.Crontab = new RecordedCrontab { Path = null, AddedNewline = added, Created = !had };
                record.Save(recordPath);
                WriteUserCrontab(merged, cancellationToken);
                return;
            }
            if (target.SystemCrontab && target.CrontabPath.StartsWith("/etc/cron.d/", StringComparison.Ordinal))
            {
                // A file of its own in /etc/cron.d: the whole file is PlatformOps's (root-owned, 0644 as cron wants).
                WriteFile(target.CrontabPath, block, record, recordPath, 0x1A4);
                return;
            }
            var path = target.CrontabPath;
            var exists = File.Exists(path);
            var text = exists ? File.ReadAllText(path) : string.Empty;
            var mode = exists ? UnixFile.GetMode(path) ?? 0x180 : 0x180;
            var content = Crontab.Merge(text, plan.Platform, block, out var addedNewline);
            if (!exists) CreateFolder(Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/", record);
            record.Crontab = new RecordedCrontab { Path = Path.GetFullPath(path), AddedNewline = addedNewline, Created = !exists };
            record.Save(recordPath);
            WriteKeepingMode(path, content, mode);
        }

        private static void WriteKeepingMode(string path, string content, int mode)
        {
            using var file = new AtomicFile(path);
            var bytes = new UTF8Encoding(false).GetBytes(content);
            file.Stream.Write(bytes, 0, bytes.Length);
            AtomicFile.SetMode(file.TempPath, mode & 0xFFF);
            file.Commit();
        }

        private static string ReadUserCrontab(CancellationToken cancellationToken, out bool exists)
        {
            var result = ProcessRunner.RunAsync(new ProcessSpec("crontab", "-l"), cancellationToken).GetAwaiter().GetResult();
            exists = result.Succeeded;
            if (result.Succeeded) return result.StandardOutput;
            if (result.StandardError.IndexOf("no crontab", StringComparison.OrdinalIgnoreCase) >= 0) return string.Empty;
            throw new MaintenanceException("PlatformMaintenanceCrontabFailed", MaintenanceErrorKind.Failed, "crontab -l",
                $"'crontab -l' failed with exit code {result.ExitCode}: {result.StandardError}");
        }

        private static void WriteUserCrontab(string content, CancellationToken cancellationToken)
        {
            using var input = new MemoryStream(new UTF8Encoding(false).GetBytes(content));
            var result = ProcessRunner.RunAsync(new ProcessSpec("crontab", "-"), cancellationToken, input).GetAwaiter().GetResult();
            if (!result.Succeeded)
                throw new MaintenanceException("PlatformMaintenanceCrontabFailed", MaintenanceErrorKind.Failed, "crontab -",
                    $"'crontab -' refused the new crontab (exit code {result.ExitCode}): {result.StandardError}");
        }

        private static void InstallTasks(List<MaintenanceJobInstall> jobs, InstallRecord record, string recordPath, CancellationToken cancellationToken)
        {
            foreach (var job in jobs)
            {
                var write = job.Writes[0];
                var xml = Path.Combine(Path.GetTempPath(), "platformops-task-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".xml");
                try
                {
                    File.WriteAllText(xml, write.Value, Encoding.Unicode);
                    var spec = new ProcessSpec("schtasks.exe", "/Create", "/TN", write.Key, "/XML", xml, "/F");
                    var result = ProcessRunner.RunAsync(spec, cancellationToken).GetAwaiter().GetResult();
                    if (!result.Succeeded)
                        throw new MaintenanceException("PlatformMaintenanceTaskFailed", MaintenanceErrorKind.Failed, write.Key,
                            $"schtasks could not register '{write.Key}' (exit code {result.ExitCode}): {result.StandardError}{result.StandardOutput}");
                }
                finally
                {
                    File.Delete(xml);
                }
                record.Tasks.Add(write.Key);
                record.Save(recordPath);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    public static partial class MaintenanceInstaller
    {
        /// <summary>
        /// Removes what a record names, and nothing else: the timers are disabled, each file goes only when its SHA-256 is
        /// still the one written (else it is Kept, unless <paramref name="force"/>), each link only when it still points
        /// where it was made to, the crontab loses only its block, folders go only when empty. With
        /// <paramref name="apply"/> false nothing changes and every item is WouldRemove.
        /// </summary>
        public static IReadOnlyList<MaintenanceRemoval> Remove(InstallRecord record, string recordPath, bool apply, bool force,
            Action<string> warn, CancellationToken cancellationToken)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            var removals = new List<MaintenanceRemoval>();
            MaintenanceRemoval Add(string kind, string item, string action, string? note = null)
            {
                var r = new MaintenanceRemoval { Platform = record.Platform, Kind = kind, Item = item, Action = apply ? action : "WouldRemove", Note = note };
                if (!apply && action != "Removed") r.Action = action;
                removals.Add(r);
                return r;
            }

            if (record.SystemdOnline && record.Timers.Count > 0)
            {
                if (apply)
                {
                    try { Systemctl(record.SystemdUser, cancellationToken, DisableNow.Concat(record.Timers).ToArray()); }
                    catch (MaintenanceException ex) { warn(ex.Message); }
                }
                foreach (var timer in record.Timers) Add("Timer", timer, "Removed", "disabled and stopped");
            }
            foreach (var link in record.Links)
            {
                var target = UnixFile.ReadLink(link.Path);
                if (target == null) { Add("Link", link.Path, "Missing"); continue; }
                if (target != link.Target) { Add("Link", link.Path, "Kept", $"it points to {target} now, not to {link.Target}"); continue; }
                if (apply) File.Delete(link.Path);
                Add("Link", link.Path, "Removed");
            }
            foreach (var file in record.Files)
            {
                if (!File.Exists(file.Path)) { Add("File", file.Path, "Missing"); continue; }
                if (InstallRecord.Sha256Of(file.Path) != file.Sha256 && !force)
                {
                    Add("File", file.Path, "Kept", "changed since Install-PlatformMaintenance wrote it; -Force removes it all the same");
                    continue;
                }
                if (apply) File.Delete(file.Path);
                Add("File", file.Path, "Removed");
            }
            if (record.Crontab != null) RemoveCrontab(record, apply, Add, cancellationToken);
            foreach (var task in record.Tasks)
            {
                if (apply)
                {
                    var result = ProcessRunner.RunAsync(new ProcessSpec("schtasks.exe", "/Delete", "/TN", task, "/F"), cancellationToken).GetAwaiter().GetResult();
                    if (!result.Succeeded) { Add("Task", task, "Kept", $"schtasks /Delete failed (exit code {result.ExitCode}): {result.StandardError}"); continue; }
                }
                Add("Task", task, "Removed");
            }
            foreach (var folder in record.Folders.OrderByDescending(f => f.Length))
            {
                if (!Directory.Exists(folder)) continue;
                var empty = !Directory.EnumerateFileSystemEntries(folder).Any()
                    || (!apply && Directory.EnumerateFileSystemEntries(folder).All(e => removals.Any(r => r.Item == e && r.Action == "WouldRemove")));
                if (!empty) continue;
                if (apply) Directory.Delete(folder);
                Add("Folder", folder, "Removed", "created by the installation, now empty");
            }
            if (record.SystemdOnline && apply)
            {
                try { Systemctl(record.SystemdUser, cancellationToken, "daemon-reload"); }
                catch (MaintenanceException ex) { warn(ex.Message); }
            }
            var kept = removals.Any(r => r.Action == "Kept");
            if (apply && !kept && File.Exists(recordPath)) File.Delete(recordPath);
            Add("Record", recordPath, kept ? "Kept" : "Removed", kept ? "kept while it names items that were not removed" : null);
            return removals;
        }

        private static void RemoveCrontab(InstallRecord record, bool apply, Func<string, string, string, string?, MaintenanceRemoval> add, CancellationToken cancellationToken)
        {
            var crontab = record.Crontab!;
            var where = crontab.Path ?? $"the crontab of {Environment.UserName}";
            bool had;
            var text = crontab.Path == null ? ReadUserCrontab(cancellationToken, out had) : (had = File.Exists(crontab.Path)) ? File.ReadAllText(crontab.Path) : string.Empty;
            var rest = Crontab.Remove(text, record.Platform, crontab.AddedNewline, out var found);
            if (!found) { add("CrontabBlock", where, "Missing", null); return; }
            if (apply)
            {
                if (crontab.Path == null)
                {
                    if (rest.Length == 0 && crontab.Created)
                    {
                        var result = ProcessRunner.RunAsync(new ProcessSpec("crontab", "-r"), cancellationToken).GetAwaiter().GetResult();
                        if (!result.Succeeded) WriteUserCrontab(rest, cancellationToken);
                    }
                    else WriteUserCrontab(rest, cancellationToken);
                }
                else if (rest.Length == 0 && crontab.Created) File.Delete(crontab.Path);
                else WriteKeepingMode(crontab.Path, rest, UnixFile.GetMode(crontab.Path) ?? 0x180);
            }
            add("CrontabBlock", where, "Removed", "only the PlatformOps block; every other line is as it was");
        }
    }
}

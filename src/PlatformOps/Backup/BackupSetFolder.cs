using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>
    /// The life of a backup set's folder, of either kind: it is made hidden as ".ID.partial" (0700 from the start, with
    /// an .owner file naming the process that fills it), filled, then sealed and renamed to its ID in one step; a
    /// partial folder whose owner is gone is a leftover of a backup that did not finish and is removed.
    /// </summary>
    internal static class BackupSetFolder
    {
        internal const string PartialSuffix = ".partial";
        internal const string OwnerFile = ".owner";

        internal static string NewId(DateTime utc)
            => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 4);

        /// <summary>
        /// Makes the backup folder (when missing) and the set's ".ID.partial" folder in it, 0700, with its owner file; returns
        /// the partial folder. Throws the IOException or UnauthorizedAccessException as it is (each engine says it its own
        /// way), having removed what it made.
        /// </summary>
        internal static string Create(string root, string id)
        {
            var partial = System.IO.Path.Combine(root, "." + id + PartialSuffix);
            try
            {
                Directory.CreateDirectory(root);
                Directory.CreateDirectory(partial);
                AtomicFile.SetMode(partial, 0x1C0); // 0700: the set holds data and role password hashes
                File.WriteAllText(System.IO.Path.Combine(partial, OwnerFile),
                    Process.GetCurrentProcess().Id.ToString(CultureInfo.InvariantCulture));
                return partial;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                UnixFile.DeleteQuietly(partial);
                throw;
            }
        }

        /// <summary>
        /// Makes a filled partial folder a set: the owner file goes, the seal and then the manifest are written into the
        /// unfinished folder, and the rename is what makes it a set, so a crash at any point leaves either no set or a
        /// set whose manifest is sealed. Returns the set's folder and its manifest's SHA-256.
        /// </summary>
        internal static (string Path, string ManifestSha256) Commit(string partial, BackupManifest manifest, byte[]? manifestKey)
        {
            File.Delete(System.IO.Path.Combine(partial, OwnerFile));
            var sha = ManifestFile.Write(partial, manifest, manifestKey);
            var final = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(partial)!, manifest.Id);
            Directory.Move(partial, final);
            return (final, sha);
        }

        internal static PlatformOpsException Unwritable(string root, Exception ex)
            => PathChecks.FileInTheWay(root) is string file
                ? new PlatformOpsException("PlatformBackupPathNotDirectory", System.Management.Automation.ErrorCategory.InvalidArgument, root,
                    $"The backup folder '{root}' cannot be used: '{file}' is a file, not a folder. Give -Path a folder (it is created if missing).", ex)
                : new PlatformOpsException("PlatformBackupFolderUnwritable", System.Management.Automation.ErrorCategory.PermissionDenied, root,
                    $"Cannot write to the backup folder '{root}': {PlatformErrors.Reason(ex)}. Choose a writable -Path or fix its permissions and mount options.", ex);

        internal static PlatformOpsException DiskFull(string root, Exception? ex)
            => new PlatformOpsException("PlatformBackupDiskFull", System.Management.Automation.ErrorCategory.WriteError, root,
                $"The disk of the backup folder '{root}' is full. The partial backup was removed; free space (Remove-PlatformBackup) or choose another -Path.", ex);

        /// <summary>Removes ".ID.partial" folders left by a backup process that no longer runs (killed, machine lost).</summary>
        internal static int CleanStalePartials(string root, string? except, BackupProgress? progress)
        {
            var removed = 0;
            string[] candidates;
            try
            {
                candidates = Directory.GetDirectories(root, ".*" + PartialSuffix);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return 0;
            }
            foreach (var dir in candidates)
            {
                if (except != null && string.Equals(dir, except, StringComparison.Ordinal)) continue;
                if (OwnerAlive(dir)) continue;
                progress?.Say($"Removing the partial backup '{dir}' left by a backup that did not finish.");
                if (UnixFile.DeleteQuietly(dir)) removed++;
            }
            return removed;
        }

        internal static bool OwnerAlive(string dir)
        {
            try
            {
                var text = File.ReadAllText(System.IO.Path.Combine(dir, OwnerFile)).Trim();
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
                using var process = Process.GetProcessById(pid);
                if (process.HasExited || IsZombie(pid)) return false;
                return Directory.GetLastWriteTimeUtc(dir) > DateTime.UtcNow.AddDays(-2);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is InvalidOperationException)
            {
                return false;
            }
        }

        /// <summary>A killed process whose parent has not reaped it still has a pid; on Linux its state is Z.</summary>
        internal static bool IsZombie(int pid)
        {
            var stat = "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat";
            if (!File.Exists(stat)) return false;
            var text = File.ReadAllText(stat);
            var close = text.LastIndexOf(')');
            return close > 0 && close + 2 < text.Length && (text[close + 2] == 'Z' || text[close + 2] == 'X');
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>
    /// Retention: which sets a policy keeps, and the one set never removed without -Force: the newest set whose latest
    /// verification passed and whose restore was proven (a proof goes stale when a later Test-PlatformBackup fails).
    /// </summary>
    public static class BackupRetention
    {
        /// <summary>Decides for each set (newest first). A set is kept when it is among the last <paramref name="keepLast"/> or newer than <paramref name="keepNewerThan"/>.</summary>
        public static List<BackupRetentionDecision> Decide(IReadOnlyList<PlatformBackupSet> setsNewestFirst, int? keepLast, TimeSpan? keepNewerThan,
            bool force, DateTime utcNow)
        {
            if (setsNewestFirst == null) throw new ArgumentNullException(nameof(setsNewestFirst));
            var proven = setsNewestFirst.FirstOrDefault(s => s.RestoreProven);
            var decisions = new List<BackupRetentionDecision>();
            for (var i = 0; i < setsNewestFirst.Count; i++)
            {
                var set = setsNewestFirst[i];
                var age = utcNow - set.CompletedUtc;
                string? keep = null;
                if (keepLast.HasValue && i < keepLast.Value) keep = $"one of the last {keepLast.Value}";
                else if (keepNewerThan.HasValue && age < keepNewerThan.Value) keep = $"newer than {keepNewerThan.Value}";
                else if (ReferenceEquals(set, proven) && !force) keep = "the newest set whose latest Test-PlatformBackup passed and whose restore was proven (use -Force to remove it)";
                decisions.Add(new BackupRetentionDecision
                {
                    Id = set.Id,
                    Path = set.Path,
                    Age = age,
                    SizeBytes = set.SizeBytes,
                    Action = keep == null ? "Remove" : "Kept",
                    Reason = keep ?? Reason(keepLast, keepNewerThan),
                });
            }
            return decisions;
        }

        private static string Reason(int? keepLast, TimeSpan? keepNewerThan)
        {
            var parts = new List<string>();
            if (keepLast.HasValue) parts.Add($"not one of the last {keepLast.Value}");
            if (keepNewerThan.HasValue) parts.Add($"older than {keepNewerThan.Value}");
            return parts.Count == 0 ? "selected" : string.Join(" and ", parts);
        }

        /// <summary>
        /// Removes a set: renamed to a hidden partial folder beside it first (it stops being a set at once), then deleted.
        /// Both names come from the set's folder, never from its manifest; a folder that is a symbolic link loses only the link.
        /// </summary>
        public static void Delete(PlatformBackupSet set)
        {
            if (set == null) throw new ArgumentNullException(nameof(set));
            var folder = Path.GetFullPath(set.Path).TrimEnd('/');
            var parent = Path.GetDirectoryName(folder);
            var name = Path.GetFileName(folder);
            if (string.IsNullOrEmpty(parent) || string.IsNullOrEmpty(name) || name.StartsWith(".", StringComparison.Ordinal) || !BackupStore.IsSet(folder))
                throw new PlatformOpsException("PlatformBackupRemoveFailed", System.Management.Automation.ErrorCategory.InvalidArgument, set.Path,
                    $"'{set.Path}' is not a backup set folder; nothing was removed.");
            var hidden = Path.Combine(parent, "." + name + ".removing" + BackupEngine.PartialSuffix);
            try
            {
                if (ManifestSeal.IsLink(folder))
                {
                    File.Delete(folder); // the link, not what it points to
                    return;
                }
                Directory.Move(folder, hidden);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PlatformOpsException("PlatformBackupRemoveFailed", System.Management.Automation.ErrorCategory.WriteError, set.Path,
                    $"The backup set '{set.Path}' cannot be removed: {ex.Message}", ex);
            }
            UnixFile.DeleteQuietly(hidden);
        }
    }
}

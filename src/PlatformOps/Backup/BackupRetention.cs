using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>Retention: which sets a policy keeps, and the one set never removed without -Force (the newest proven to restore).</summary>
    public static class BackupRetention
    {
        /// <summary>Decides for each set (newest first). A set is kept when it is among the last <paramref name="keepLast"/> or newer than <paramref name="keepNewerThan"/>.</summary>
        public static List<BackupRetentionDecision> Decide(IReadOnlyList<PlatformBackupSet> setsNewestFirst, int? keepLast, TimeSpan? keepNewerThan,
            bool force, DateTime utcNow)
        {
            if (setsNewestFirst == null) throw new ArgumentNullException(nameof(setsNewestFirst));
            var proven = setsNewestFirst.FirstOrDefault(s => s.LastRestorePassed == true);
            var decisions = new List<BackupRetentionDecision>();
            for (var i = 0; i < setsNewestFirst.Count; i++)
            {
                var set = setsNewestFirst[i];
                var age = utcNow - set.CompletedUtc;
                string? keep = null;
                if (keepLast.HasValue && i < keepLast.Value) keep = $"one of the last {keepLast.Value}";
                else if (keepNewerThan.HasValue && age < keepNewerThan.Value) keep = $"newer than {keepNewerThan.Value}";
                else if (ReferenceEquals(set, proven) && !force) keep = "the newest set that passed Test-PlatformBackup -Restore (use -Force to remove it)";
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

        /// <summary>Removes a set: renamed to a hidden partial folder first (it stops being a set at once), then deleted.</summary>
        public static void Delete(PlatformBackupSet set)
        {
            if (set == null) throw new ArgumentNullException(nameof(set));
            var parent = Path.GetDirectoryName(set.Path.TrimEnd('/')) ?? ".";
            var hidden = Path.Combine(parent, "." + set.Id + ".removing" + BackupEngine.PartialSuffix);
            try
            {
                Directory.Move(set.Path, hidden);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PlatformOpsException("PlatformBackupRemoveFailed", System.Management.Automation.ErrorCategory.WriteError, set.Path,
                    $"The backup set '{set.Path}' cannot be removed: {ex.Message}", ex);
            }
            BackupEngine.DeleteQuietly(hidden);
        }
    }
}

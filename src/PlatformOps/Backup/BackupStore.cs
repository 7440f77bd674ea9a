using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PlatformOps.Common;
using PlatformOps.Profile;

namespace PlatformOps.Backup
{
    /// <summary>Finds backup sets: a backup folder holds one sub-folder per set, each with a manifest.</summary>
    public static class BackupStore
    {
        /// <summary>The backup folder: the given path, else the profile's Backup.Path.</summary>
        public static string ResolveRoot(string? path, PlatformProfile? profile)
        {
            var root = PostgresTarget.FirstOf(path, profile?.Backup?.Path);
            if (root == null)
                throw new PlatformOpsException("PlatformBackupPathMissing", System.Management.Automation.ErrorCategory.InvalidArgument, null,
                    "No backup folder: pass -Path or set Backup.Path in the platform profile.");
            return System.IO.Path.GetFullPath(root);
        }

        public static bool IsSet(string path) => File.Exists(System.IO.Path.Combine(path, BackupManifest.FileName));

        /// <summary>Opens one set folder.</summary>
        public static PlatformBackupSet Open(string path)
        {
            var full = System.IO.Path.GetFullPath(path);
            if (!Directory.Exists(full))
                throw new PlatformOpsException("PlatformBackupNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, path,
                    $"The backup set '{full}' does not exist.");
            if (!IsSet(full))
                throw new PlatformOpsException("PlatformBackupNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, path,
                    $"'{full}' is not a backup set: it has no {BackupManifest.FileName} (an unfinished backup never has one).");
            return PlatformBackupSet.From(full, BackupManifest.Load(full), BackupVerificationRecord.Load(full));
        }

        /// <summary>Every set in a backup folder, newest first. Folders whose manifest cannot be read are reported through <paramref name="problems"/>.</summary>
        public static List<PlatformBackupSet> List(string root, ICollection<PlatformOpsException>? problems = null)
        {
            var sets = new List<PlatformBackupSet>();
            if (!Directory.Exists(root))
                throw new PlatformOpsException("PlatformBackupPathNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, root,
                    $"The backup folder '{root}' does not exist.");
            foreach (var dir in Directory.GetDirectories(root))
            {
                if (System.IO.Path.GetFileName(dir).StartsWith(".", StringComparison.Ordinal) || !IsSet(dir)) continue;
                try
                {
                    sets.Add(PlatformBackupSet.From(dir, BackupManifest.Load(dir), BackupVerificationRecord.Load(dir)));
                }
                catch (PlatformOpsException ex)
                {
                    problems?.Add(ex);
                }
            }
            return sets.OrderByDescending(s => s.CompletedUtc).ThenByDescending(s => s.Id, StringComparer.Ordinal).ToList();
        }
    }
}

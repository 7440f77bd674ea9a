using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>Finds backup sets: a backup folder holds one sub-folder per set, each with a manifest.</summary>
    public static class BackupStore
    {
        /// <summary>The backup folder: the given path, else the profile's Backup.Path.</summary>
        public static string ResolveRoot(string? path, PlatformProfile? profile)
        {
            var root = ConnectionSettings.FirstOf(path, profile?.Backup?.Path);
            if (root == null)
                throw new PlatformOpsException("PlatformBackupPathMissing", System.Management.Automation.ErrorCategory.InvalidArgument, null,
                    "No backup folder: pass -Path or set Backup.Path in the platform profile.");
            return System.IO.Path.GetFullPath(root);
        }

        public static bool IsSet(string path) => File.Exists(System.IO.Path.Combine(path, BackupManifest.FileName));

        /// <summary>
        /// Opens one set folder to use it (restore it): its manifest must pass its seal (PlatformBackupManifestMismatch,
        /// PlatformBackupManifestUnsealed or PlatformBackupManifestUnsigned otherwise), so a set whose manifest was
        /// changed is refused before anything is restored.
        /// </summary>
        public static PlatformBackupSet Open(string path, byte[]? manifestKey)
        {
            var set = Read(path, manifestKey);
            if (!set.ManifestTrusted) throw ManifestSeal.Untrusted(set.Path, set.ManifestSeal, set.ManifestSealDetail);
            return set;
        }

        /// <summary>Reads one set folder whatever its seal says (Get-PlatformBackup, Test-PlatformBackup); see <see cref="PlatformBackupSet.ManifestSeal"/>.</summary>
        public static PlatformBackupSet Read(string path, byte[]? manifestKey)
        {
            var full = System.IO.Path.GetFullPath(path).TrimEnd('/');
            if (full.Length == 0) full = "/";
            if (!Directory.Exists(full))
                throw new PlatformOpsException("PlatformBackupNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, path,
                    $"The backup set '{full}' does not exist.");
            if (!IsSet(full))
                throw new PlatformOpsException("PlatformBackupNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, path,
                    $"'{full}' is not a backup set: it has no {BackupManifest.FileName} (an unfinished backup never has one).");
            return Load(full, manifestKey);
        }

        private static PlatformBackupSet Load(string dir, byte[]? manifestKey)
        {
            var loaded = ManifestFile.Read(dir, manifestKey);
            return PlatformBackupSet.From(dir, loaded.Manifest, BackupVerificationRecord.Load(dir), loaded.Seal, loaded.Sha256, loaded.SealDetail);
        }

        /// <summary>
        /// Every set in a backup folder, newest first, each with what its seal says. Folders whose manifest cannot be read
        /// are reported through <paramref name="problems"/>. Set folders that are symbolic links are skipped (reported):
        /// a set is a real folder inside the backup folder.
        /// </summary>
        public static List<PlatformBackupSet> List(string root, byte[]? manifestKey, ICollection<PlatformOpsException>? problems = null)
        {
            var sets = new List<PlatformBackupSet>();
            if (!Directory.Exists(root))
                throw new PlatformOpsException("PlatformBackupPathNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, root,
                    $"The backup folder '{root}' does not exist.");
            foreach (var dir in Directory.GetDirectories(root))
            {
                if (System.IO.Path.GetFileName(dir).StartsWith(".", StringComparison.Ordinal) || !IsSet(dir)) continue;
                if (ManifestSeal.IsLink(dir))
                {
                    problems?.Add(new PlatformOpsException("PlatformBackupSetIsLink", System.Management.Automation.ErrorCategory.SecurityError, dir,
                        $"'{dir}' is a symbolic link, not a backup set folder: it is ignored. A set is a real folder inside the backup folder."));
                    continue;
                }
                try
                {
                    sets.Add(Load(dir, manifestKey));
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

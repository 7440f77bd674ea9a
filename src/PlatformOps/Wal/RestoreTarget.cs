using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Wal
{
    /// <summary>
    /// The folder Restore-PlatformCluster restores into: new or empty, owned by this user or the server's, never
    /// overlapping the running cluster, the backup or the archive; 0700 before anything goes in, and filled with a copy
    /// whose files are 0600 from their first moment (it holds the cluster's password hashes).
    /// </summary>
    internal static class RestoreTarget
    {
        public static void Check(ClusterRestoreRequest request, string target)
        {
            if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
                throw new PlatformOpsException("PlatformRestoreTargetNotEmpty", ErrorCategory.ResourceExists, target,
                    $"'{target}' exists and is not empty. The restore writes only into a new or empty folder.");
            if (File.Exists(target))
                throw new PlatformOpsException("PlatformRestoreTargetNotEmpty", ErrorCategory.ResourceExists, target, $"'{target}' is a file.");
            bool Inside(string folder, string path)
            {
                var f = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
                var p = path.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
                return p.StartsWith(f, StringComparison.Ordinal) || f.StartsWith(p, StringComparison.Ordinal);
            }
            foreach (var folder in request.Protected.Concat(new[] { request.BackupPath, request.ArchivePath }).Where(f => !string.IsNullOrEmpty(f)))
                if (Inside(folder, target))
                    throw new PlatformOpsException("PlatformRestoreTargetProtected", ErrorCategory.PermissionDenied, target,
                        $"'{target}' overlaps '{folder}' (the running cluster, the backup or the archive). Restore into a folder of its own.");
        }

        internal const int PrivateFolder = 0x1C0; // 0700: PostgreSQL refuses a data directory others can read
        internal const int PrivateFile = 0x180;   // 0600: the copy holds the cluster's password hashes

        /// <summary>
        /// An existing (empty) target must belong to this user or to the user that will run the server, and be a real
        /// folder: whoever owns the folder can read what is copied into it, password hashes included.
        /// </summary>
        public static async Task CheckOwnerAsync(string target, string? osUser, CancellationToken cancellationToken)
        {
            if (!Directory.Exists(target) && !IsSymlink(target)) return;
            var status = UnixFile.Status(target);
            var me = UnixFile.EffectiveUserId;
            if (status == null || me == null) return;
            if ((status.Value.Mode & 0xF000) != 0x4000)
                throw new PlatformOpsException("PlatformRestoreTargetInvalid", ErrorCategory.PermissionDenied, target,
                    $"'{target}' is a symbolic link, not a folder. Restore into a real, new folder (or let the restore create one).");
            var allowed = new List<uint> { me.Value };
            if (osUser != null)
            {
                var id = await ProcessRunner.RunAsync(new ProcessSpec("id", "-u", osUser), cancellationToken).ConfigureAwait(false);
                if (id.Succeeded && uint.TryParse(id.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var uid)) allowed.Add(uid);
            }
            if (!allowed.Contains(status.Value.Uid))
                throw new PlatformOpsException("PlatformRestoreTargetNotOwned", ErrorCategory.PermissionDenied, target,
                    $"'{target}' belongs to user id {status.Value.Uid}, not to you ({me.Value})" + (osUser != null ? $" or to '{osUser}', who will run the server" : string.Empty) +
                    ". Its owner could read the restored cluster, password hashes included. Restore into a folder of your own, or a new one. Nothing was written.");
        }

        private static bool IsSymlink(string path)
        {
            try
            {
                return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>
        /// Makes the target 0700 before anything goes in: a new folder is created with that mode (and mkdir fails if
        /// someone made one meanwhile); an existing empty one is locked first and checked empty again after.
        /// </summary>
        public static void Create(string target)
        {
            try
            {
                if (!Directory.Exists(target))
                {
                    UnixFile.MakeDirectory(target, PrivateFolder);
                    return;
                }
                AtomicFile.SetMode(target, PrivateFolder);
            }
            catch (IOException ex)
            {
                throw new PlatformOpsException("PlatformRestoreTargetInvalid", ErrorCategory.WriteError, target,
                    $"Cannot prepare '{target}' for the restore: {ex.Message}. Restore into a new folder of your own.", ex);
            }
            if (Directory.EnumerateFileSystemEntries(target).Any())
                throw new PlatformOpsException("PlatformRestoreTargetNotEmpty", ErrorCategory.ResourceExists, target,
                    $"'{target}' is no longer empty. The restore writes only into a new or empty folder.");
        }

        public static void CopyTree(string source, string target, OperationProgress progress, CancellationToken cancellationToken)
        {
            // Folders 0700 and files 0600 from their first moment: the copy holds password hashes (pg_authid).
            var buffer = new byte[1 << 20];
            foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
                UnixFile.MakeDirectory(Path.Combine(target, dir.Substring(source.Length).TrimStart(Path.DirectorySeparatorChar)), PrivateFolder);
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var destination = Path.Combine(target, file.Substring(source.Length).TrimStart(Path.DirectorySeparatorChar));
                using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                using var output = UnixFile.CreateNew(destination, PrivateFile);
                int n;
                while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    output.Write(buffer, 0, n);
                    progress.Add(n);
                }
            }
        }
    }
}

using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Redis;

namespace PlatformOps.Backup
{
    /// <summary>
    /// Makes a logical backup set: every file is written into a hidden ".ID.partial" folder (each file under a temporary
    /// name, then renamed), the manifest last, and the folder is renamed to its ID only then (see
    /// <see cref="BackupSetFolder"/>). A failed or cancelled backup deletes its partial folder and never touches an
    /// earlier set. The steps: <see cref="PostgresDumpStep"/>, then <see cref="RdbSnapshotStep"/>.
    /// </summary>
    public static class BackupEngine
    {
        public static async Task<PlatformBackupSet> RunAsync(BackupRequest request, BackupProgress progress, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (progress == null) throw new ArgumentNullException(nameof(progress));
            if (request.Postgres == null && request.Redis == null)
                throw new PlatformOpsException("PlatformBackupNothingToDo", System.Management.Automation.ErrorCategory.InvalidArgument, null,
                    "Nothing to back up: neither PostgreSQL nor Redis is configured. Import a platform profile or pass connection parameters.");

            var started = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            var id = BackupSetFolder.NewId(started);
            var root = System.IO.Path.GetFullPath(request.Root);
            var partial = CreateSetFolder(root, id);
            var committed = false;
            var applicationName = "platformops-backup-" + id;
            var manifest = new BackupManifest { Id = id, Platform = request.Platform, StartedUtc = started };
            try
            {
                BackupSetFolder.CleanStalePartials(root, partial, progress);
                if (request.Postgres != null)
                    await PostgresDumpStep.RunAsync(request, request.Postgres, manifest, partial, applicationName, progress, cancellationToken).ConfigureAwait(false);
                if (request.Redis != null)
                    await RdbSnapshotStep.RunAsync(request.Redis, manifest, partial, progress, cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();

                manifest.CompletedUtc = DateTime.UtcNow;
                manifest.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
                var (final, manifestSha) = BackupSetFolder.Commit(partial, manifest, request.ManifestKey);
                committed = true;
                progress.Say($"Backup set {id} written to {final} ({BackupProgress.Size(manifest.Files.Sum(f => f.Size))} in {clock.Elapsed.TotalSeconds:0.0} s).");
                return PlatformBackupSet.From(final, manifest, null, request.ManifestKey != null ? BackupManifestSeal.SealedWithKey : BackupManifestSeal.Sealed, manifestSha);
            }
            catch (IOException ex) when (ErrorCauses.IsDiskFull(ex))
            {
                throw BackupSetFolder.DiskFull(root, ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw BackupSetFolder.Unwritable(root, ex);
            }
            finally
            {
                if (!committed)
                {
                    if (request.Postgres != null) await PostgresDumpStep.TerminateBackendsAsync(request.Postgres, applicationName).ConfigureAwait(false);
                    UnixFile.DeleteQuietly(partial);
                }
            }
        }

        private static string CreateSetFolder(string root, string id)
        {
            try
            {
                return BackupSetFolder.Create(root, id);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                if (ex is IOException io && ErrorCauses.IsDiskFull(io)) throw BackupSetFolder.DiskFull(root, io);
                throw BackupSetFolder.Unwritable(root, ex);
            }
        }

        /// <summary>Kept for Backup/RedisRestore.cs, which calls it by this name: the one implementation is <see cref="UnixFile.DeleteQuietly"/>.</summary>
        internal static bool DeleteQuietly(string path) => UnixFile.DeleteQuietly(path);
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using PlatformOps.Common.Completers;

namespace PlatformOps.Backup
{
    /// <summary>Backup set ids in the backup folder (-Path as typed, else the profile's Backup.Path), newest first.</summary>
    public sealed class BackupIdCompleter : PlatformCompleter
    {
        protected override IReadOnlyList<CompletionCandidate> Candidates(CompletionRequest request, CancellationToken cancellationToken)
        {
            var root = BackupStore.ResolveRoot(request.Value("Path"), request.Profile);
            return Directory.GetDirectories(root)
                .Where(d => !System.IO.Path.GetFileName(d).StartsWith(".", StringComparison.Ordinal) && BackupStore.IsSet(d))
                .Select(d => new CompletionCandidate(System.IO.Path.GetFileName(d),
                    "completed " + File.GetLastWriteTimeUtc(System.IO.Path.Combine(d, BackupManifest.FileName)).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)))
                .ToList();
        }
    }

    /// <summary>The databases a backup set holds (Restore-PlatformDatabase -Database): the set of -Path as typed, else the newest set in the backup folder.</summary>
    public sealed class BackupSetDatabaseCompleter : PlatformCompleter
    {
        protected override IReadOnlyList<CompletionCandidate> Candidates(CompletionRequest request, CancellationToken cancellationToken)
        {
            var path = request.Value("Path");
            string set;
            if (path != null && BackupStore.IsSet(path)) set = path;
            else
            {
                var root = BackupStore.ResolveRoot(path, request.Profile);
                set = Directory.GetDirectories(root)
                    .Where(d => !System.IO.Path.GetFileName(d).StartsWith(".", StringComparison.Ordinal) && BackupStore.IsSet(d))
                    .OrderByDescending(d => File.GetLastWriteTimeUtc(System.IO.Path.Combine(d, BackupManifest.FileName)))
                    .First();
            }
            var backup = BackupStore.Read(System.IO.Path.GetFullPath(set), null);
            return backup.Databases.Select(d => new CompletionCandidate(d, $"in backup set {backup.Id}")).ToList();
        }
    }
}

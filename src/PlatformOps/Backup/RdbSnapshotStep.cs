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
    /// <summary>The Redis step of a logical backup set (the snapshot itself is <see cref="ReplicationSnapshot"/>'s, off the replication stream).</summary>
    internal static class RdbSnapshotStep
    {
        /// <summary>Streams Redis's snapshot into redis.rdb (hashed as it is written), counts its keys from the file itself and adds the entry.</summary>
        internal static async Task RunAsync(RedisTarget target, BackupManifest manifest, string partial, BackupProgress progress, CancellationToken cancellationToken)
        {
            var total = Math.Max(1, progress.Total);
            progress.Step(total, total, "Redis snapshot");
            var info = await RedisInfo.ReadAsync(target, cancellationToken).ConfigureAwait(false);
            manifest.Redis = new BackupServerInfo { Endpoint = target.Endpoint, Version = info.Version, Container = target.Container, AofEnabled = info.AofEnabled };
            var entry = new BackupFileEntry { Kind = BackupKinds.Redis, Name = "redis.rdb", Format = "Rdb", Compression = "none" };
            var path = System.IO.Path.Combine(partial, entry.Name);
            var clock = Stopwatch.StartNew();
            using (var file = new AtomicFile(path, secret: true))
            using (var hashing = new HashingStream(file.Stream, progress.AddBytes))
            {
                await ReplicationSnapshot.CopyRdbAsync(target, hashing, cancellationToken).ConfigureAwait(false);
                hashing.Flush();
                entry.Sha256 = hashing.Finish();
                entry.Size = hashing.BytesWritten;
                file.Commit();
            }
            try
            {
                var (keys, partialKeys) = RdbKeyCounter.Count(path);
                entry.Keys = keys;
                if (partialKeys) entry.KeysPartial = true;
            }
            catch (InvalidDataException ex)
            {
                throw new PlatformOpsException("RedisSnapshotInvalid", System.Management.Automation.ErrorCategory.InvalidData, target,
                    $"The snapshot received from Redis at {target.Endpoint} is not a valid RDB file: {ex.Message}", ex);
            }
            manifest.Files.Add(entry);
            progress.Say($"Redis {info.Version}: {entry.Keys.Values.Sum()} keys, {BackupProgress.Size(entry.Size)} in {clock.Elapsed.TotalSeconds:0.0} s{(info.AofEnabled ? " (AOF is on: see Restore-PlatformRedis)" : string.Empty)}.");
        }
    }
}

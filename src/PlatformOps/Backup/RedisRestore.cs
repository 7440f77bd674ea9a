using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using PlatformOps.Common;
using PlatformOps.Redis;

namespace PlatformOps.Backup
{
    /// <summary>What Restore-PlatformRedis will do, worked out before anything is touched.</summary>
    public sealed class RedisRestorePlan
    {
        internal BackupFileEntry Entry { get; set; } = new BackupFileEntry();
        internal PlatformBackupSet Set { get; set; } = new PlatformBackupSet();
        internal RedisTarget Target { get; set; } = null!;
        internal DockerTarget Docker { get; set; } = null!;
        public string Container { get; internal set; } = string.Empty;
        public string Directory { get; internal set; } = string.Empty;
        public string DbFilename { get; internal set; } = string.Empty;
        internal int Uid { get; set; }
        internal int Gid { get; set; }
        public long KeysExpected { get; internal set; }
        public IReadOnlyList<string> Steps { get; internal set; } = new List<string>();
    }

    /// <summary>Puts a set's RDB back into the Redis container: stop, replace the RDB file, start, wait, count keys.</summary>
    internal static class RedisRestore
    {
        public static async Task<RedisRestorePlan> PlanAsync(PlatformBackupSet set, RedisTarget target, DockerTarget docker, string? container,
            BackupProgress progress, CancellationToken cancellationToken)
        {
            var entry = set.Manifest.Files.FirstOrDefault(f => f.Kind == BackupKinds.Redis)
                ?? throw new PlatformOpsException("PlatformBackupHasNoRedis", System.Management.Automation.ErrorCategory.ObjectNotFound, set.Path,
                    $"The backup set {set.Id} holds no Redis snapshot.");
            var checks = await BackupVerifier.VerifyAsync(set, new[] { entry }, progress, cancellationToken).ConfigureAwait(false);
            BackupVerifier.ThrowIfFailed(set, checks);
            var name = container ?? target.Container
                ?? throw new PlatformOpsException("RedisContainerUnknown", System.Management.Automation.ErrorCategory.InvalidArgument, target,
                    "Restore-PlatformRedis puts the RDB into the Redis container: pass -Container or set Redis.Container in the platform profile.");

            var info = await RedisInfo.ReadAsync(target, cancellationToken).ConfigureAwait(false);
            if (info.AofEnabled)
                throw new PlatformOpsException("RedisAofEnabled", System.Management.Automation.ErrorCategory.InvalidOperation, target,
                    $"Redis at {target.Endpoint} has appendonly yes: at startup it loads the AOF and ignores the RDB, so restoring dump.rdb would change nothing. " +
                    "Set 'appendonly no' in its configuration and restart it, run Restore-PlatformRedis, then turn the AOF back on with CONFIG SET appendonly yes (it is rebuilt from the restored data).");
            var dir = await RedisInfo.ConfigGetAsync(target, "dir", "the RDB's place is unknown", cancellationToken).ConfigureAwait(false);
            var dbfilename = await RedisInfo.ConfigGetAsync(target, "dbfilename", "the RDB's place is unknown", cancellationToken).ConfigureAwait(false);

            using var client = docker.CreateClient(TimeSpan.FromSeconds(60));
            ContainerInspectResponse inspected;
            try
            {
                inspected = await client.Containers.InspectContainerAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerContainerNotFoundException ex)
            {
                throw new PlatformOpsException("DockerContainerNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, name, $"The Redis container '{name}' does not exist.", ex);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                throw docker.Explain(ex);
            }
            var (uid, gid) = ParseUser(inspected.Config?.User);
            var keys = entry.Keys?.Values.Sum() ?? 0;
            var rdb = dir.TrimEnd('/') + "/" + dbfilename;
            return new RedisRestorePlan
            {
                Entry = entry,
                Set = set,
                Target = target,
                Docker = docker,
                Container = name,
                Directory = dir,
                DbFilename = dbfilename,
                Uid = uid,
                Gid = gid,
                KeysExpected = keys,
                Steps = new List<string>
                {
                    $"Stop container '{name}' (Redis {target.Endpoint}; its keys now are replaced)",
                    $"Write {entry.Name} of set {set.Id} ({BackupProgress.Size(entry.Size)}, SHA-256 verified) to {rdb} in the container",
                    $"Start container '{name}' and wait until Redis has loaded the RDB",
                    $"Check that Redis holds the {keys} keys of the set",
                },
            };
        }

        internal static (int Uid, int Gid) ParseUser(string? user)
        {
            if (string.IsNullOrEmpty(user)) return (0, 0);
            var parts = user!.Split(':');
            var uid = int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : 0;
            var gid = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : uid;
            return (uid, gid);
        }

        public static async Task<RedisRestoreResult> ExecuteAsync(RedisRestorePlan plan, BackupProgress progress, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            using var client = plan.Docker.CreateClient(TimeSpan.FromSeconds(120));
            progress.Step(1, 4, $"Stopping {plan.Container}");
            await client.Containers.StopContainerAsync(plan.Container, new ContainerStopParameters { WaitBeforeKillSeconds = 30 }, cancellationToken).ConfigureAwait(false);
            var started = false;
            try
            {
                progress.Step(2, 4, $"Writing {plan.DbFilename}");
                using (var tar = SingleFileTar.Open(Path.Combine(plan.Set.Path, plan.Entry.Name), plan.DbFilename, plan.Uid, plan.Gid))
                {
                    await client.Containers.ExtractArchiveToContainerAsync(plan.Container,
                        new ContainerPathStatParameters { Path = plan.Directory, AllowOverwriteDirWithFile = false }, tar, cancellationToken).ConfigureAwait(false);
                }
                progress.Step(3, 4, $"Starting {plan.Container}");
                await client.Containers.StartContainerAsync(plan.Container, new ContainerStartParameters(), CancellationToken.None).ConfigureAwait(false);
                started = true;
            }
            finally
            {
                if (!started)
                {
                    // Whatever failed, do not leave the platform's Redis stopped.
                    try { await client.Containers.StartContainerAsync(plan.Container, new ContainerStartParameters(), CancellationToken.None).ConfigureAwait(false); }
                    catch (Exception) { }
                }
            }
            progress.Step(4, 4, "Waiting for Redis to load the RDB");
            if (!await RespClient.WaitReadyAsync(plan.Target.Host, plan.Target.Port, plan.Target.Password, TimeSpan.FromMinutes(10), null, cancellationToken).ConfigureAwait(false))
                throw new PlatformOpsException("RedisNotReady", System.Management.Automation.ErrorCategory.ResourceUnavailable, plan.Target,
                    $"Redis at {plan.Target.Endpoint} did not come back after the restore. Check the container's log (docker logs {plan.Container}).");
            var keys = await RespClient.KeyspaceAsync(plan.Target.Host, plan.Target.Port, plan.Target.Password, cancellationToken).ConfigureAwait(false);
            return new RedisRestoreResult
            {
                BackupId = plan.Set.Id,
                Container = plan.Container,
                RdbPath = plan.Directory.TrimEnd('/') + "/" + plan.DbFilename,
                KeysExpected = plan.KeysExpected,
                KeysLoaded = keys.Values.Sum(),
                Duration = clock.Elapsed,
            };
        }
    }
}

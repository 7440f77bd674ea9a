using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Backup;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Wal
{
    /// <summary>Runs pg_basebackup into a new set folder (a backup set of kind base), verifies it with pg_verifybackup, writes the manifest last.</summary>
    public static class BaseBackupEngine
    {
        private static readonly Regex StartWalPattern = new Regex(@"^START WAL LOCATION: ([0-9A-F]+/[0-9A-F]+) \(file ([0-9A-F]{24})\)", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        private static readonly Regex TimelinePattern = new Regex(@"^START TIMELINE: (\d+)", RegexOptions.Multiline | RegexOptions.CultureInvariant);

        public static async Task<PlatformBaseBackup> RunAsync(PostgresTarget target, string root, string? label, string? platform, bool verify, bool spreadCheckpoint,
            OperationProgress progress, CancellationToken cancellationToken, byte[]? manifestKey = null)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (progress == null) throw new ArgumentNullException(nameof(progress));
            var started = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            progress.Phase = "Reading the server";
            string version, systemId, archiveMode, archiveCommand;
            int major;
            long segmentSize, expected;
            using (var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false))
            using (var command = new NpgsqlCommand(@"
select current_setting('server_version'), current_setting('server_version_num')::int / 10000, (select system_identifier::text from pg_control_system()),
       current_setting('archive_mode'), current_setting('archive_command'), (select setting::bigint from pg_settings where name = 'wal_segment_size'),
       (select sum(pg_database_size(oid))::bigint from pg_database)", connection))
            using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                version = reader.GetString(0).Split(' ')[0];
                major = reader.GetInt32(1);
                systemId = reader.GetString(2);
                archiveMode = reader.GetString(3);
                archiveCommand = reader.GetString(4);
                segmentSize = reader.GetInt64(5);
                expected = reader.GetInt64(6);
            }
            progress.BytesTotal = expected;
            var programs = await PgTools.FindProgramsAsync(major, newerAllowed: true, cancellationToken, "pg_basebackup", "pg_verifybackup").ConfigureAwait(false);
            using var tools = PgTools.Host(target, programs.Dir, programs.Version, programs.Major);

            var id = BackupSetFolder.NewId(started);
            var fullRoot = System.IO.Path.GetFullPath(root);
            string partial;
            try
            {
                partial = BackupSetFolder.Create(fullRoot, id); // 0700 from the start: the set is a copy of the whole cluster
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PlatformOpsException("PlatformBackupPathNotWritable", ErrorCategory.WriteError, fullRoot, $"Cannot create a backup set in '{fullRoot}': {ex.Message}", ex);
            }
            var data = System.IO.Path.Combine(partial, BackupManifest.DataFolder);
            var committed = false;
            try
            {
                label ??= "platformops-" + id;
                // The connection options and the password (in the environment only) come from the one tool runner.
                var spec = tools.Spec("pg_basebackup", "platformops-basebackup", new[]
                {
                    "-w", "-D", data, "-F", "p", "-X", "stream", "-c", spreadCheckpoint ? "spread" : "fast", "-l", label, "--manifest-checksums=CRC32C",
                });
                progress.Phase = "Copying the cluster (pg_basebackup)";
                using (var watch = new CancellationTokenSource())
                {
                    var watcher = WatchSizeAsync(data, progress, watch.Token);
                    ProcessResult result;
                    try
                    {
                        result = await ProcessRunner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        watch.Cancel();
                        await watcher.ConfigureAwait(false);
                    }
                    if (!result.Succeeded)
                        throw new PlatformOpsException("PlatformBaseBackupFailed", ErrorCategory.InvalidOperation, target,
                            $"pg_basebackup from {target.Endpoint} failed (exit {result.ExitCode}): {ProcessRunner.LastLines(result.StandardError, 4)}. A base backup needs a user with REPLICATION and a pg_hba.conf 'replication' line for it.");
                }
                cancellationToken.ThrowIfCancellationRequested();

                var verified = false;
                string? verifiedWith = null;
                if (verify)
                {
                    progress.Phase = "Verifying (pg_verifybackup)";
                    var check = await ProcessRunner.RunAsync(new ProcessSpec(tools.Tool("pg_verifybackup"), data), cancellationToken).ConfigureAwait(false);
                    if (!check.Succeeded)
                        throw new PlatformOpsException("PlatformBaseBackupVerifyFailed", ErrorCategory.InvalidData, data,
                            $"pg_verifybackup rejected the new base backup: {ProcessRunner.LastLines(check.StandardError + "\n" + check.StandardOutput, 4)}. The set was not kept.");
                    verified = true;
                    verifiedWith = "pg_verifybackup " + tools.Version;
                }

                var backupLabel = File.ReadAllText(System.IO.Path.Combine(data, "backup_label"));
                var startMatch = StartWalPattern.Match(backupLabel);
                var timelineMatch = TimelinePattern.Match(backupLabel);
                if (!startMatch.Success)
                    throw new PlatformOpsException("PlatformBaseBackupFailed", ErrorCategory.InvalidData, data, "The backup_label pg_basebackup wrote has no START WAL LOCATION.");
                var timeline = timelineMatch.Success ? uint.Parse(timelineMatch.Groups[1].Value, CultureInfo.InvariantCulture) : 1u;
                var endLsn = EndLsnOf(System.IO.Path.Combine(data, "backup_manifest")) ?? startMatch.Groups[1].Value;
                var end = WalSegment.Containing(timeline, WalSegment.ParseLsn(endLsn), segmentSize);
                var size = DirectorySize(data);
                var (manifestSha, _) = await HashingStream.HashFileAsync(System.IO.Path.Combine(data, "backup_manifest"), cancellationToken).ConfigureAwait(false);

                var manifest = new BackupManifest
                {
                    Id = id,
                    Kind = BackupManifest.KindBase,
                    Platform = platform,
                    StartedUtc = started,
                    CompletedUtc = DateTime.UtcNow,
                    DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
                    ToolMode = "Host",
                    ToolVersion = tools.Version,
                    Postgres = new BackupServerInfo { Endpoint = target.Endpoint, Version = version, Container = target.Container },
                    Files =
                    {
                        // A physical copy of the cluster with PostgreSQL's own backup_manifest: its SHA-256 stands for the folder.
                        new BackupFileEntry { Name = BackupManifest.DataFolder, Kind = BackupKinds.Base, Format = "Physical", Compression = "none", Size = size, Sha256 = manifestSha },
                    },
                    BaseBackup = new BaseBackupInfo
                    {
                        Label = label,
                        StartLsn = startMatch.Groups[1].Value,
                        EndLsn = endLsn,
                        StartWal = startMatch.Groups[2].Value,
                        EndWal = end.Name,
                        Timeline = timeline,
                        SystemIdentifier = systemId,
                        WalSegmentSize = segmentSize,
                        ServerMajor = major,
                        Verified = verified,
                        VerifiedWith = verifiedWith,
                        ArchiveMode = archiveMode,
                        WalArchive = ArchiveCommands.DirectoryOf(archiveCommand),
                    },
                };
                cancellationToken.ThrowIfCancellationRequested();
                progress.Phase = "Writing the manifest";
                var (final, _) = BackupSetFolder.Commit(partial, manifest, manifestKey);
                committed = true;
                return PlatformBaseBackup.From(final, manifest);
            }
            finally
            {
                if (!committed) UnixFile.DeleteQuietly(partial);
            }
        }

        private static string? EndLsnOf(string backupManifest)
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(backupManifest));
                if (doc.RootElement.TryGetProperty("WAL-Ranges", out var ranges) && ranges.GetArrayLength() > 0)
                    return ranges[ranges.GetArrayLength() - 1].GetProperty("End-LSN").GetString();
            }
            catch (Exception ex) when (ex is IOException || ex is JsonException || ex is KeyNotFoundException)
            {
            }
            return null;
        }

        private static async Task WatchSizeAsync(string folder, OperationProgress progress, CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(500, stop).ConfigureAwait(false);
                    if (Directory.Exists(folder)) progress.BytesDone = DirectorySize(folder);
                }
            }
            catch (OperationCanceledException) { }
            catch (IOException) { }
        }

        internal static long DirectorySize(string folder)
        {
            long total = 0;
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                try { total += file.Length; } catch (FileNotFoundException) { }
            }
            return total;
        }

        /// <summary>The base backup sets of a backup folder whose manifests pass their seals, newest first (other sets are skipped).</summary>
        public static IList<PlatformBaseBackup> List(string root, byte[]? manifestKey)
        {
            if (!Directory.Exists(root)) return new List<PlatformBaseBackup>();
            return BackupStore.List(root, manifestKey)
                .Where(s => s.Manifest.IsBase && s.Manifest.BaseBackup != null && s.ManifestTrusted)
                .Select(s => PlatformBaseBackup.From(s.Path, s.Manifest))
                .ToList();
        }
    }
}

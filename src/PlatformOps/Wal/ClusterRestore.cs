using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Backup;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Wal
{
    /// <summary>What to restore, where, and how far.</summary>
    public sealed class ClusterRestoreRequest
    {
        /// <summary>The base backup set folder.</summary>
        public string BackupPath { get; set; } = string.Empty;
        /// <summary>Stop replaying at this moment; null replays every archived segment.</summary>
        public DateTime? PointInTime { get; set; }
        /// <summary>The WAL archive folder, read by the restored server's restore_command.</summary>
        public string ArchivePath { get; set; } = string.Empty;
        /// <summary>A new, empty folder for the restored cluster.</summary>
        public string DataDirectory { get; set; } = string.Empty;
        /// <summary>The restored server's port on 127.0.0.1; 0 picks a free one.</summary>
        public int Port { get; set; }
        /// <summary>The operating-system user that runs the restored server (needed when running as root: PostgreSQL refuses root).</summary>
        public string? OsUser { get; set; }
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);
        /// <summary>Stop the restored server once it has been measured (a rehearsal).</summary>
        public bool StopAfter { get; set; }
        /// <summary>Folders the restore must never write into (the running cluster's data directory).</summary>
        public IList<string> Protected { get; } = new List<string>();
        /// <summary>The manifest key (Backup.ManifestKeyFile) the base backup's manifest is checked against; null for its SHA-256 seal only.</summary>
        public byte[]? ManifestKey { get; set; }
    }

    /// <summary>
    /// Restores a base backup plus archived WAL into a new data directory and starts it as a separate server on
    /// 127.0.0.1 and another port, replaying to a point in time. It never connects to, or writes into, the running cluster.
    /// </summary>
    public static class ClusterRestore
    {
        private static readonly Regex StopPattern = new Regex(@"recovery stopping (before|after) (commit|abort) of transaction \d+, time ([0-9:\-\. +]+)", RegexOptions.CultureInvariant);
        private static readonly Regex LastPattern = new Regex(@"last completed transaction was at log time ([0-9:\-\. +]+)", RegexOptions.CultureInvariant);
        private static readonly Regex RestoredPattern = new Regex(@"restored log file ""([0-9A-F]{24})"" from archive", RegexOptions.CultureInvariant);
        private static readonly Regex TimelinePattern = new Regex(@"selected new timeline ID: (\d+)", RegexOptions.CultureInvariant);

        public static async Task<PlatformClusterRestore> RestoreAsync(ClusterRestoreRequest request, PostgresTarget credentials, OperationProgress progress,
            CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (credentials == null) throw new ArgumentNullException(nameof(credentials));
            if (progress == null) throw new ArgumentNullException(nameof(progress));
            var clock = Stopwatch.StartNew();
            var manifest = ManifestFile.ReadBase(request.BackupPath, request.ManifestKey);
            var info = manifest.BaseBackup!;
            var source = Path.Combine(request.BackupPath, BackupManifest.DataFolder);
            if (!Directory.Exists(source))
                throw new PlatformOpsException("PlatformBackupIncomplete", ErrorCategory.InvalidData, request.BackupPath, $"The base backup '{request.BackupPath}' has no data folder.");
            var target = Path.GetFullPath(request.DataDirectory);
            RestoreTarget.Check(request, target);
            if (!Directory.Exists(request.ArchivePath))
                throw new PlatformOpsException("PlatformWalArchiveNotFound", ErrorCategory.ObjectNotFound, request.ArchivePath, $"The WAL archive folder '{request.ArchivePath}' does not exist.");
            DateTime? pointInTime = request.PointInTime?.ToUniversalTime();
            if (pointInTime != null && pointInTime < DateTime.SpecifyKind(manifest.StartedUtc, DateTimeKind.Utc))
                throw new PlatformOpsException("PlatformRestoreTargetBeforeBackup", ErrorCategory.InvalidArgument, request.PointInTime,
                    $"{pointInTime:u} is before the base backup {manifest.Id} started ({manifest.StartedUtc:u}). Pick an older base backup.");
            var port = request.Port != 0 ? request.Port : LoopbackPort.Free();
            if (!LoopbackPort.IsFree(port))
                throw new PlatformOpsException("PlatformRestorePortInUse", ErrorCategory.ResourceBusy, port, $"Port {port} on 127.0.0.1 is in use. Choose another -Port.");
            var osUser = request.OsUser ?? ScratchCluster.DefaultOsUser;
            if (ScratchCluster.DefaultOsUser == null && osUser != null && osUser != Environment.UserName)
                throw new PlatformOpsException("PlatformRestoreUserInvalid", ErrorCategory.PermissionDenied, osUser, "Only root can start the restored server as another user; run without -OsUser.");
            var bin = (await PgTools.FindProgramsAsync(info.ServerMajor, newerAllowed: false, cancellationToken, "pg_ctl", "postgres").ConfigureAwait(false)).Dir;
            await RestoreTarget.CheckOwnerAsync(target, osUser, cancellationToken).ConfigureAwait(false);

            var result = new PlatformClusterRestore
            {
                BackupId = manifest.Id,
                BackupPath = request.BackupPath,
                BackupSizeBytes = manifest.Files.Sum(f => f.Size),
                BackupCompletedUtc = DateTime.SpecifyKind(manifest.CompletedUtc, DateTimeKind.Utc),
                PointInTime = pointInTime,
                DataDirectory = target,
                Port = port,
                LogFile = Path.Combine(target, "restore.log"),
            };
            var server = ScratchCluster.Existing(bin, target, osUser, port, result.LogFile);
            var started = false;
            RestoreTarget.Create(target);
            try
            {
                progress.Phase = "Copying the base backup";
                progress.BytesTotal = result.BackupSizeBytes;
                await Task.Run(() => RestoreTarget.CopyTree(source, target, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
                foreach (var stale in new[] { "postmaster.pid", "postmaster.opts" }) File.Delete(Path.Combine(target, stale));
                UnixFile.CreateNew(Path.Combine(target, "recovery.signal"), RestoreTarget.PrivateFile).Dispose();
                File.AppendAllText(Path.Combine(target, "postgresql.auto.conf"), RecoverySettings(request.ArchivePath, pointInTime, port, target));
                if (osUser != null)
                {
                    var chown = await ProcessRunner.RunAsync(new ProcessSpec("chown", "-R", osUser + ":", target), cancellationToken).ConfigureAwait(false);
                    if (!chown.Succeeded)
                        throw new PlatformOpsException("PlatformRestoreFailed", ErrorCategory.PermissionDenied, target, $"Cannot give '{target}' to user '{osUser}': {chown.StandardError}");
                }
                result.CopyDuration = clock.Elapsed;

                progress.Phase = pointInTime == null ? "Replaying archived WAL" : $"Replaying archived WAL to {pointInTime:u}";
                var start = await server.StartAsync((int)Math.Max(60, request.Timeout.TotalSeconds), null, cancellationToken).ConfigureAwait(false);
                started = true;
                if (!start.Succeeded && !server.Running)
                    throw Failed(result, $"the restored server did not start (pg_ctl exit {start.ExitCode})");

                var restored = new PostgresTarget("127.0.0.1", port, credentials.Database, credentials.Username, credentials.Password, null, null, "disable");
                await WaitForPromotionAsync(restored, result, server, request.Timeout - clock.Elapsed, cancellationToken).ConfigureAwait(false);
                result.RecoveryDuration = clock.Elapsed - result.CopyDuration;

                using (var connection = await restored.OpenCheckedAsync(cancellationToken).ConfigureAwait(false))
                using (var command = new NpgsqlCommand("select pg_last_xact_replay_timestamp()", connection))
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    if (!reader.IsDBNull(0)) result.RecoveredTo = reader.GetDateTime(0).ToUniversalTime();
                }
                ReadLog(result);
                result.ProcessId = server.ProcessId;
                result.Running = true;
                result.StopCommand = server.StopCommand;
                if (request.StopAfter)
                {
                    progress.Phase = "Stopping the restored server";
                    await server.StopAsync("fast", CancellationToken.None).ConfigureAwait(false);
                    result.Running = false;
                    result.ProcessId = null;
                }
                result.Duration = clock.Elapsed;
                return result;
            }
            catch
            {
                // Nothing half-made stays behind: stop what was started, remove the copy.
                if (started && server.Running) await server.StopAsync("immediate", CancellationToken.None).ConfigureAwait(false);
                UnixFile.DeleteQuietly(target);
                throw;
            }
        }

        internal static string RecoverySettings(string archive, DateTime? pointInTime, int port, string target)
        {
            // postgresql.conf strings: a quote is doubled and a backslash starts an escape, so both must be escaped.
            string Q(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "''") + "'";
            var restore = ArchiveCommands.RestoreFromDirectory(archive);
            var lines = new List<string>
            {
                string.Empty,
                $"# Added by Restore-PlatformCluster at {DateTime.UtcNow:u}: a separate copy on its own port; it never archives into the source's archive.",
                $"port = {port.ToString(CultureInfo.InvariantCulture)}",
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = ''",
                "archive_mode = 'off'",
                "logging_collector = 'off'",
                $"restore_command = {Q(restore)}",
                "recovery_target_action = 'promote'",
                "hot_standby = 'on'",
            };
            if (pointInTime != null)
            {
                lines.Add($"recovery_target_time = {Q(pointInTime.Value.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00")}");
                lines.Add("recovery_target_inclusive = 'on'");
            }
            return string.Join("\n", lines) + "\n";
        }

        private static async Task WaitForPromotionAsync(PostgresTarget restored, PlatformClusterRestore result, ScratchCluster server, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!server.Running)
                {
                    await Task.Delay(300, CancellationToken.None).ConfigureAwait(false);
                    throw Failed(result, "the restored server stopped during recovery");
                }
                try
                {
                    using var connection = await restored.OpenCheckedAsync(cancellationToken, 2).ConfigureAwait(false);
                    using var command = new NpgsqlCommand("select pg_is_in_recovery()", connection);
                    if (!(bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!) return;
                }
                catch (PlatformOpsException ex) when (ex.ErrorId == "PostgresAuthenticationFailed" || ex.ErrorId == "PostgresPasswordMissing")
                {
                    throw new PlatformOpsException(ex.ErrorId, ex.Category, result.Endpoint,
                        $"The restored server at {result.Endpoint} refused user '{restored.Username}': pass the source's credentials (-Credential or the profile's pass file).", ex);
                }
                catch (PlatformOpsException)
                {
                    // still starting, or not yet consistent
                }
                if (clock.Elapsed > timeout)
                    throw Failed(result, $"recovery did not finish within {timeout.TotalSeconds:0} s");
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }

        private static PlatformOpsException Failed(PlatformClusterRestore result, string what)
        {
            var log = File.Exists(result.LogFile) ? File.ReadAllText(result.LogFile) : string.Empty;
            var important = log.Replace("\r", string.Empty).Split('\n').Where(l => l.Contains("FATAL") || l.Contains("PANIC") || l.Contains("ERROR")).ToList();
            var tail = important.Count > 0 ? string.Join(" | ", important.Skip(Math.Max(0, important.Count - 3))) : ProcessRunner.LastLines(log, 4);
            var targetNotReached = log.Contains("recovery ended before configured recovery target was reached");
            return new PlatformOpsException(targetNotReached ? "PlatformRestoreTargetNotReached" : "PlatformRestoreFailed", ErrorCategory.InvalidOperation, result.BackupPath,
                targetNotReached
                    ? $"The archive ends before {result.PointInTime:u}: {tail}. Archive newer WAL (Invoke-PlatformWalSwitch) or choose an earlier moment."
                    : $"Restoring {result.BackupId} failed: {what}: {tail}");
        }

        private static void ReadLog(PlatformClusterRestore result)
        {
            if (!File.Exists(result.LogFile)) return;
            var log = File.ReadAllText(result.LogFile);
            result.SegmentsRestored = RestoredPattern.Matches(log).Cast<Match>().Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).Count();
            var stop = StopPattern.Match(log);
            if (stop.Success)
            {
                result.StopReason = stop.Value;
                if (result.RecoveredTo == null && stop.Groups[1].Value == "after") result.RecoveredTo = ParseTime(stop.Groups[3].Value);
            }
            var last = LastPattern.Match(log);
            if (last.Success)
            {
                result.StopReason ??= last.Value;
                result.RecoveredTo ??= ParseTime(last.Groups[1].Value);
            }
            if (result.StopReason == null && log.Contains("archive recovery complete")) result.StopReason = "replayed every archived segment";
            var tl = TimelinePattern.Matches(log).Cast<Match>().LastOrDefault();
            if (tl != null) result.Timeline = uint.Parse(tl.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        private static DateTime? ParseTime(string text)
            => DateTimeOffset.TryParse(text.Trim().Replace(" +00", "+00:00").Replace(" UTC", "+00:00"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
                ? t.UtcDateTime : (DateTime?)null;
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
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

    /// <summary>What Restore-PlatformCluster recovered, where the server runs, and how long each part took.</summary>
    public sealed class PlatformClusterRestore
    {
        public string BackupId { get; internal set; } = string.Empty;
        public string BackupPath { get; internal set; } = string.Empty;
        public long BackupSizeBytes { get; internal set; }
        public DateTime BackupCompletedUtc { get; internal set; }
        /// <summary>The target asked for (UTC); null: the end of the archive.</summary>
        public DateTime? PointInTime { get; internal set; }
        /// <summary>The commit time of the last transaction replayed (UTC).</summary>
        public DateTime? RecoveredTo { get; internal set; }
        /// <summary>PostgreSQL's own words on where it stopped.</summary>
        public string? StopReason { get; internal set; }
        /// <summary>WAL segments fetched from the archive.</summary>
        public int SegmentsRestored { get; internal set; }
        /// <summary>The timeline the restored server continues on after promotion.</summary>
        public uint? Timeline { get; internal set; }
        public string DataDirectory { get; internal set; } = string.Empty;
        public int Port { get; internal set; }
        public string Endpoint => $"127.0.0.1:{Port}";
        public bool Running { get; internal set; }
        public int? ProcessId { get; internal set; }
        public string LogFile { get; internal set; } = string.Empty;
        public TimeSpan CopyDuration { get; internal set; }
        public TimeSpan RecoveryDuration { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        /// <summary>Backup megabytes restored per second of total time.</summary>
        public double MegabytesPerSecond => Duration.TotalSeconds <= 0 ? 0 : Math.Round(BackupSizeBytes / 1048576.0 / Duration.TotalSeconds, 1);
        /// <summary>How to stop the restored server.</summary>
        public string StopCommand { get; internal set; } = string.Empty;
        public override string ToString() => $"{Endpoint} recovered to {RecoveredTo:u}";
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
            var manifest = BaseBackupManifest.Load(request.BackupPath, request.ManifestKey);
            var info = manifest.BaseBackup!;
            var source = Path.Combine(request.BackupPath, BaseBackupManifest.DataFolder);
            if (!Directory.Exists(source))
                throw new PlatformOpsException("PlatformBackupIncomplete", ErrorCategory.InvalidData, request.BackupPath, $"The base backup '{request.BackupPath}' has no data folder.");
            var target = Path.GetFullPath(request.DataDirectory);
            CheckTarget(request, target);
            if (!Directory.Exists(request.ArchivePath))
                throw new PlatformOpsException("PlatformWalArchiveNotFound", ErrorCategory.ObjectNotFound, request.ArchivePath, $"The WAL archive folder '{request.ArchivePath}' does not exist.");
            DateTime? pointInTime = request.PointInTime?.ToUniversalTime();
            if (pointInTime != null && pointInTime < DateTime.SpecifyKind(manifest.StartedUtc, DateTimeKind.Utc))
                throw new PlatformOpsException("PlatformRestoreTargetBeforeBackup", ErrorCategory.InvalidArgument, request.PointInTime,
                    $"{pointInTime:u} is before the base backup {manifest.Id} started ({manifest.StartedUtc:u}). Pick an older base backup.");
            var port = request.Port != 0 ? request.Port : LoopbackPort.Free();
            if (!PortIsFree(port))
                throw new PlatformOpsException("PlatformRestorePortInUse", ErrorCategory.ResourceBusy, port, $"Port {port} on 127.0.0.1 is in use. Choose another -Port.");
            var osUser = request.OsUser;
            var root = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
            if (root && osUser == null) osUser = "postgres";
            if (!root && osUser != null && osUser != Environment.UserName)
                throw new PlatformOpsException("PlatformRestoreUserInvalid", ErrorCategory.PermissionDenied, osUser, "Only root can start the restored server as another user; run without -OsUser.");
            var (bin, _) = await PgBinaries.FindAsync(info.ServerMajor, newerAllowed: false, cancellationToken, "pg_ctl", "postgres").ConfigureAwait(false);
            await CheckTargetOwnerAsync(target, osUser, cancellationToken).ConfigureAwait(false);

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
            var started = false;
            CreateTarget(target);
            try
            {
                progress.Phase = "Copying the base backup";
                progress.BytesTotal = result.BackupSizeBytes;
                await Task.Run(() => CopyTree(source, target, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
                foreach (var stale in new[] { "postmaster.pid", "postmaster.opts" }) File.Delete(Path.Combine(target, stale));
                UnixFile.CreateNew(Path.Combine(target, "recovery.signal"), PrivateFile).Dispose();
                File.AppendAllText(Path.Combine(target, "postgresql.auto.conf"), RecoverySettings(request.ArchivePath, pointInTime, port, target));
                if (osUser != null)
                {
                    var chown = await ProcessRunner.RunAsync(new ProcessSpec("chown", "-R", osUser + ":", target), cancellationToken).ConfigureAwait(false);
                    if (!chown.Succeeded)
                        throw new PlatformOpsException("PlatformRestoreFailed", ErrorCategory.PermissionDenied, target, $"Cannot give '{target}' to user '{osUser}': {chown.StandardError}");
                }
                result.CopyDuration = clock.Elapsed;

                progress.Phase = pointInTime == null ? "Replaying archived WAL" : $"Replaying archived WAL to {pointInTime:u}";
                var pgCtl = Path.Combine(bin, PgBinaries.Exe("pg_ctl"));
                var start = await RunAs(osUser, pgCtl, cancellationToken, "start", "-D", target, "-l", result.LogFile, "-w", "-t",
                    ((int)Math.Max(60, request.Timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture), "-s").ConfigureAwait(false);
                started = true;
                if (!start.Succeeded && !PostmasterRunning(target))
                    throw Failed(result, $"the restored server did not start (pg_ctl exit {start.ExitCode})");

                var restored = new PostgresTarget("127.0.0.1", port, credentials.Database, credentials.Username, credentials.Password, null, null, "disable");
                await WaitForPromotionAsync(restored, result, target, request.Timeout - clock.Elapsed, cancellationToken).ConfigureAwait(false);
                result.RecoveryDuration = clock.Elapsed - result.CopyDuration;

                using (var connection = await restored.OpenCheckedAsync(cancellationToken).ConfigureAwait(false))
                using (var command = new NpgsqlCommand("select pg_last_xact_replay_timestamp()", connection))
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    if (!reader.IsDBNull(0)) result.RecoveredTo = reader.GetDateTime(0).ToUniversalTime();
                }
                ReadLog(result);
                result.ProcessId = PostmasterPid(target);
                result.Running = true;
                result.StopCommand = (osUser != null ? $"setpriv --reuid={osUser} --regid={osUser} --init-groups -- " : string.Empty) + $"{pgCtl} stop -D {ProcessRunner.Quote(target)} -m fast";
                if (request.StopAfter)
                {
                    progress.Phase = "Stopping the restored server";
                    await RunAs(osUser, pgCtl, CancellationToken.None, "stop", "-D", target, "-m", "fast", "-w", "-s").ConfigureAwait(false);
                    result.Running = false;
                    result.ProcessId = null;
                }
                result.Duration = clock.Elapsed;
                return result;
            }
            catch
            {
                // Nothing half-made stays behind: stop what was started, remove the copy.
                if (started && PostmasterRunning(target))
                    await RunAs(osUser, Path.Combine(bin, PgBinaries.Exe("pg_ctl")), CancellationToken.None, "stop", "-D", target, "-m", "immediate", "-w", "-s").ConfigureAwait(false);
                BaseBackupEngine.TryDelete(target);
                throw;
            }
        }

        private static void CheckTarget(ClusterRestoreRequest request, string target)
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

        private const int PrivateFolder = 0x1C0; // 0700: PostgreSQL refuses a data directory others can read
        private const int PrivateFile = 0x180;   // 0600: the copy holds the cluster's password hashes

        /// <summary>
        /// An existing (empty) target must belong to this user or to the user that will run the server, and be a real
        /// folder: whoever owns the folder can read what is copied into it, password hashes included.
        /// </summary>
        private static async Task CheckTargetOwnerAsync(string target, string? osUser, CancellationToken cancellationToken)
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
        private static void CreateTarget(string target)
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

        internal static string RecoverySettings(string archive, DateTime? pointInTime, int port, string target)
        {
            // postgresql.conf strings: a quote is doubled and a backslash starts an escape, so both must be escaped.
            string Q(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "''") + "'";
            var restore = $"cp {ShellQuote(Path.GetFullPath(archive).TrimEnd('/').Replace("%", "%%"))}/%f %p";
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

        private static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''") + "'";

        private static void CopyTree(string source, string target, OperationProgress progress, CancellationToken cancellationToken)
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

        private static async Task WaitForPromotionAsync(PostgresTarget restored, PlatformClusterRestore result, string target, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!PostmasterRunning(target))
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
            var tail = important.Count > 0 ? string.Join(" | ", important.Skip(Math.Max(0, important.Count - 3))) : BaseBackupEngine.Tail(log);
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

        private static bool PostmasterRunning(string dataDirectory) => PostmasterPid(dataDirectory) is int pid && ProcessAlive(pid);

        private static int? PostmasterPid(string dataDirectory)
        {
            try
            {
                var first = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
                return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : (int?)null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static bool ProcessAlive(int pid)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                return !p.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        private static Task<ProcessResult> RunAs(string? osUser, string program, CancellationToken cancellationToken, params string[] arguments)
        {
            if (osUser == null) return ProcessRunner.RunAsync(new ProcessSpec(program, arguments) { WorkingDirectory = Path.GetTempPath() }, cancellationToken);
            var all = new List<string> { $"--reuid={osUser}", $"--regid={osUser}", "--init-groups", "--reset-env", "--", program };
            all.AddRange(arguments);
            return ProcessRunner.RunAsync(new ProcessSpec("setpriv", all.ToArray()) { WorkingDirectory = "/" }, cancellationToken);
        }

        private static bool PortIsFree(int port)
        {
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Postgres;
using PlatformOps.Roles;

namespace PlatformOps.Wal
{
    /// <summary>What archiving should look like: a directory, a command, or an archive library.</summary>
    public sealed class WalArchivingRequest
    {
        /// <summary>The folder (as the server sees it) to copy segments into with a built-in, overwrite-safe command.</summary>
        public string? ArchiveDirectory { get; set; }
        /// <summary>A command of the user's own (%p = path of the segment, %f = its file name).</summary>
        public string? ArchiveCommand { get; set; }
        /// <summary>An archive module (PostgreSQL 15+), e.g. basic_archive (which then archives into ArchiveDirectory).</summary>
        public string? ArchiveLibrary { get; set; }
        /// <summary>replica or logical; a server already at logical stays there.</summary>
        public string WalLevel { get; set; } = "replica";
        /// <summary>Forces a segment switch after this many seconds with writes (bounds the RPO of a quiet server); 0 leaves it off.</summary>
        public int ArchiveTimeoutSec { get; set; } = 60;
    }

    /// <summary>The settings to change, known before changing them.</summary>
    public sealed class WalArchivingPlan
    {
        internal WalArchivingPlan(WalArchivingRequest request, IList<WalSettingChange> changes, IList<string> statements, bool restartPending, string? archiveDirectory, int serverVersion)
        {
            Request = request; Changes = changes.ToList(); Statements = statements.ToList(); RestartPending = restartPending; ArchiveDirectory = archiveDirectory; ServerVersion = serverVersion;
        }
        public WalArchivingRequest Request { get; }
        public IReadOnlyList<WalSettingChange> Changes { get; }
        public IReadOnlyList<string> Statements { get; }
        /// <summary>A restart is needed even if nothing changes now (settings written earlier wait for it).</summary>
        public bool RestartPending { get; }
        public string? ArchiveDirectory { get; }
        public int ServerVersion { get; }
        public string Script => string.Join(Environment.NewLine, Statements.Select(s => s + ";"));
    }

    /// <summary>Turns WAL archiving on, measures it, switches segments and checks the archive. Knows nothing of the PowerShell host.</summary>
    public static class WalArchiver
    {
        private static readonly string[] ArchiveSettings = { "wal_level", "archive_mode", "archive_command", "archive_library", "archive_timeout" };

        /// <summary>
        /// The built-in archive command for a folder: copies under a temporary name and renames, and succeeds when the
        /// segment is already there with the same content (a retry after a crash), fails when it differs. No secret in it.
        /// </summary>
        public static string DirectoryCommand(string directory)
        {
            if (string.IsNullOrEmpty(directory)) throw new ArgumentException("The archive directory is empty.", nameof(directory));
            var dir = ShellQuote(directory.TrimEnd('/').Replace("%", "%%"));
            return $"f={dir}/%f; if [ -f \"$f\" ]; then cmp -s %p \"$f\"; else cp %p \"$f.tmp\" && mv \"$f.tmp\" \"$f\"; fi";
        }

        /// <summary>The folder a command made by <see cref="DirectoryCommand"/> archives into, or null for any other command.</summary>
        public static string? DirectoryOf(string? command)
        {
            if (command == null || !command.StartsWith("f='", StringComparison.Ordinal)) return null;
            var end = command.IndexOf("/%f; if [ -f \"$f\" ]", StringComparison.Ordinal);
            if (end < 0) return null;
            return command.Substring(3, end - 4).Replace("'\\''", "'").Replace("%%", "%");
        }

        private static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''") + "'";

        private sealed class Setting
        {
            public string Running = string.Empty;
            public string? Configured;
            public string Context = string.Empty;
            public bool PendingRestart;
        }

        private static async Task<(Dictionary<string, Setting> Settings, int Version)> ReadSettingsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            var settings = new Dictionary<string, Setting>(StringComparer.Ordinal);
            int version;
            using (var command = new NpgsqlCommand("select current_setting('server_version_num')::int; select name, setting, context, pending_restart from pg_settings where name = any(@names)", connection))
            {
                command.Parameters.AddWithValue("names", ArchiveSettings);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                version = reader.GetInt32(0);
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    settings[reader.GetString(0)] = new Setting { Running = reader.GetString(1), Context = reader.GetString(2), PendingRestart = reader.GetBoolean(3) };
            }
            try
            {
                using var command = new NpgsqlCommand("select name, setting from pg_file_settings where name = any(@names) and error is null and applied is not null order by seqno", connection);
                command.Parameters.AddWithValue("names", ArchiveSettings);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    if (settings.TryGetValue(reader.GetString(0), out var s)) s.Configured = reader.IsDBNull(1) ? null : reader.GetString(1);
            }
            catch (PostgresException ex) when (ex.SqlState == "42501")
            {
                // pg_file_settings is for superusers; the running values must do.
            }
            return (settings, version);
        }

        /// <summary>Compares the server's archive settings with the request and writes the ALTER SYSTEM statements needed.</summary>
        public static async Task<WalArchivingPlan> PlanEnableAsync(PostgresTarget target, WalArchivingRequest request, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (request == null) throw new ArgumentNullException(nameof(request));
            var level = (request.WalLevel ?? "replica").ToLowerInvariant();
            if (level != "replica" && level != "logical")
                throw new PlatformOpsException("PlatformWalLevelInvalid", ErrorCategory.InvalidArgument, request.WalLevel, "wal_level must be replica or logical for archiving.");
            var modes = (request.ArchiveDirectory != null ? 1 : 0) + (request.ArchiveCommand != null ? 1 : 0);
            if (request.ArchiveLibrary == null && modes != 1)
                throw new PlatformOpsException("PlatformWalArchiveTargetMissing", ErrorCategory.InvalidArgument, null,
                    "Say where segments go: -ArchiveDirectory (a folder the server can write), -ArchiveCommand, or -ArchiveLibrary; or set Postgres.WalArchive in the profile.");
            if (request.ArchiveCommand != null && request.ArchiveCommand.IndexOf("%p", StringComparison.Ordinal) < 0)
                throw new PlatformOpsException("PlatformWalArchiveCommandInvalid", ErrorCategory.InvalidArgument, request.ArchiveCommand,
                    "An archive command must copy %p (the segment's path); see the PostgreSQL documentation of archive_command.");

            using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                string? load = null;
                if (request.ArchiveLibrary != null)
                {
                    // The module's own settings (basic_archive.archive_directory) exist in a session only once it is loaded.
                    load = $"LOAD {PgSql.Literal(request.ArchiveLibrary)}";
                    using var command = new NpgsqlCommand(load, connection);
                    try
                    {
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (PostgresException ex)
                    {
                        throw new PlatformOpsException("PlatformWalLibraryNotFound", ErrorCategory.ObjectNotFound, request.ArchiveLibrary,
                            $"PostgreSQL at {target.Endpoint} cannot load archive module '{request.ArchiveLibrary}': {ex.MessageText}. Install it where the server runs (it must be in the server's lib folder).", ex);
                    }
                }
                var (settings, version) = await ReadSettingsAsync(connection, cancellationToken).ConfigureAwait(false);
                if (request.ArchiveLibrary != null && version < 150000)
                    throw new PlatformOpsException("PlatformWalLibraryUnsupported", ErrorCategory.NotImplemented, request.ArchiveLibrary,
                        $"archive_library needs PostgreSQL 15 or newer; this server is {version / 10000}. Use -ArchiveDirectory or -ArchiveCommand.");
                if (request.ArchiveDirectory != null)
                {
                    using var command = new NpgsqlCommand("select (pg_stat_file(@dir, true)).isdir", connection);
                    command.Parameters.AddWithValue("dir", request.ArchiveDirectory);
                    object? isDir;
                    try
                    {
                        isDir = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (PostgresException ex) when (ex.SqlState == "42501")
                    {
                        isDir = true; // may not look: trust the user
                    }
                    if (!(isDir is bool b && b))
                        throw new PlatformOpsException("PlatformWalArchiveDirectoryNotFound", ErrorCategory.ObjectNotFound, request.ArchiveDirectory,
                            $"The server at {target.Endpoint} does not see a folder '{request.ArchiveDirectory}'. Create it where PostgreSQL runs (inside its container, if it has one), writable by the server's user.");
                }

                var desired = new List<(string Name, string Value)>();
                string Configured(string name) => (settings.TryGetValue(name, out var s) ? s.Configured ?? s.Running : string.Empty).Trim();
                var currentLevel = Configured("wal_level").ToLowerInvariant();
                desired.Add(("wal_level", currentLevel == "logical" ? "logical" : level));
                desired.Add(("archive_mode", string.Equals(Configured("archive_mode"), "always", StringComparison.OrdinalIgnoreCase) ? "always" : "on"));
                if (request.ArchiveLibrary != null)
                {
                    // The module's folder first: ALTER SYSTEM is not transactional, and the library must not go live without it.
                    if (request.ArchiveDirectory != null && request.ArchiveLibrary == "basic_archive")
                        desired.Add(("basic_archive.archive_directory", request.ArchiveDirectory));
                    desired.Add(("archive_library", request.ArchiveLibrary));
                    desired.Add(("archive_command", string.Empty));
                }
                else
                {
                    desired.Add(("archive_command", request.ArchiveCommand ?? DirectoryCommand(request.ArchiveDirectory!)));
                    if (version >= 150000) desired.Add(("archive_library", string.Empty));
                }
                desired.Add(("archive_timeout", request.ArchiveTimeoutSec.ToString(CultureInfo.InvariantCulture)));

                var changes = new List<WalSettingChange>();
                var statements = new List<string>();
                foreach (var (name, value) in desired)
                {
                    var known = settings.TryGetValue(name, out var s);
                    var postmaster = known && s!.Context == "postmaster";
                    // Restart-only settings compare with what the files say (a value written earlier waits for the restart).
                    var current = !known ? await CustomSettingAsync(connection, name, cancellationToken).ConfigureAwait(false)
                        : postmaster ? Configured(name) : s!.Running;
                    if (string.Equals(Normalize(name, current), Normalize(name, value), StringComparison.Ordinal)) continue;
                    changes.Add(new WalSettingChange { Setting = name, From = known ? s!.Running : current, To = value, NeedsRestart = postmaster });
                    statements.Add($"ALTER SYSTEM SET {name} = {PgSql.Literal(value)}");
                }
                if (statements.Count > 0)
                {
                    if (load != null) statements.Insert(0, load);
                    statements.Add("SELECT pg_reload_conf()");
                }
                var pending = settings.Where(p => p.Value.Context == "postmaster").Any(p => p.Value.PendingRestart
                    || (p.Value.Configured != null && !string.Equals(Normalize(p.Key, p.Value.Configured), Normalize(p.Key, p.Value.Running), StringComparison.Ordinal)));
                return new WalArchivingPlan(request, changes, statements, pending || changes.Any(c => c.NeedsRestart), request.ArchiveDirectory, version);
            }
            catch (PostgresException ex)
            {
                throw target.Explain(ex);
            }
        }

        private static async Task<string> CustomSettingAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken)
        {
            using var command = new NpgsqlCommand("select coalesce(current_setting(@name, true), '')", connection);
            command.Parameters.AddWithValue("name", name);
            return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        private static string Normalize(string name, string value)
        {
            var v = value.Trim();
            if (name == "archive_timeout")
            {
                var digits = new string(v.TakeWhile(char.IsDigit).ToArray());
                var unit = v.Substring(digits.Length).Trim().ToLowerInvariant();
                if (digits.Length == 0) return v;
                var n = long.Parse(digits, CultureInfo.InvariantCulture);
                return (unit == "min" ? n * 60 : unit == "h" ? n * 3600 : unit == "ms" ? n / 1000 : unit == "d" ? n * 86400 : n).ToString(CultureInfo.InvariantCulture);
            }
            return name == "wal_level" || name == "archive_mode" ? v.ToLowerInvariant() : v;
        }

        /// <summary>Writes the settings (ALTER SYSTEM, then a reload) and reads back what is in force.</summary>
        public static async Task<WalArchivingResult> ApplyEnableAsync(PostgresTarget target, WalArchivingPlan plan, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            if (plan.Statements.Count > 0)
            {
                using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
                var archiverBefore = await ArchiverPidAsync(connection, cancellationToken).ConfigureAwait(false);
                foreach (var statement in plan.Statements)
                {
                    using var command = new NpgsqlCommand(statement, connection);
                    try
                    {
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (PostgresException ex)
                    {
                        throw new PlatformOpsException(ex.SqlState == "42501" ? "PlatformWalPermissionDenied" : "PlatformWalSettingFailed",
                            ex.SqlState == "42501" ? ErrorCategory.PermissionDenied : ErrorCategory.InvalidOperation, target,
                            $"PostgreSQL at {target.Endpoint} refused '{Sensitive.Redact(statement)}': {ex.MessageText}{(ex.SqlState == "42501" ? " (ALTER SYSTEM needs a superuser)" : string.Empty)}.", ex);
                    }
                }
                await Task.Delay(200, cancellationToken).ConfigureAwait(false); // the reload reaches every process
                if (plan.Changes.Any(c => c.Setting == "archive_library"))
                    await WakeNewArchiverAsync(connection, archiverBefore, cancellationToken).ConfigureAwait(false);
            }
            var result = await ReadResultAsync(target, plan, cancellationToken).ConfigureAwait(false);
            return result;
        }

        private static async Task<int?> ArchiverPidAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            using var command = new NpgsqlCommand("select pid from pg_stat_activity where backend_type = 'archiver'", connection);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as int?;
        }

        /// <summary>
        /// A new archive_library makes the archiver exit, and the postmaster starts the next one only when its loop next
        /// wakes (half a minute later, seen on 15). A reload wakes the loop: send one until a new archiver runs (10 s at most).
        /// </summary>
        private static async Task WakeNewArchiverAsync(NpgsqlConnection connection, int? before, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                var now = await ArchiverPidAsync(connection, cancellationToken).ConfigureAwait(false);
                if (now != null && now != before) return;
                using (var wake = new NpgsqlCommand("SELECT pg_reload_conf()", connection))
                    await wake.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }

        internal static async Task<WalArchivingResult> ReadResultAsync(PostgresTarget target, WalArchivingPlan plan, CancellationToken cancellationToken)
        {
            using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
            var (settings, _) = await ReadSettingsAsync(connection, cancellationToken).ConfigureAwait(false);
            string Running(string name) => settings.TryGetValue(name, out var s) ? s.Running : string.Empty;
            var pending = settings.Where(p => p.Value.Context == "postmaster").Any(p => p.Value.PendingRestart);
            return new WalArchivingResult
            {
                Endpoint = target.Endpoint,
                WalLevel = Running("wal_level"),
                ArchiveMode = Running("archive_mode"),
                ArchiveCommand = Running("archive_command"),
                ArchiveLibrary = Running("archive_library"),
                ArchiveTimeoutSec = int.TryParse(Running("archive_timeout"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) ? t : 0,
                ArchiveDirectory = plan.ArchiveDirectory ?? DirectoryOf(Running("archive_command")),
                Changes = plan.Changes,
                RestartRequired = pending,
                Container = target.Container,
            };
        }

        /// <summary>Restarts the PostgreSQL container through the Docker engine and waits until the server answers again.</summary>
        public static async Task RestartContainerAsync(DockerTarget docker, string container, PostgresTarget target, int timeoutSeconds, CancellationToken cancellationToken)
        {
            if (docker == null) throw new ArgumentNullException(nameof(docker));
            if (target == null) throw new ArgumentNullException(nameof(target));
            using (var client = docker.CreateClient(TimeSpan.FromSeconds(timeoutSeconds + 30)))
            {
                try
                {
                    await client.Containers.RestartContainerAsync(container, new ContainerRestartParameters { WaitBeforeKillSeconds = 30 }, cancellationToken).ConfigureAwait(false);
                }
                catch (Docker.DotNet.DockerContainerNotFoundException ex)
                {
                    throw new PlatformOpsException("PlatformContainerNotFound", ErrorCategory.ObjectNotFound, container, $"The Docker engine has no container '{container}'.", ex);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is PlatformOpsException))
                {
                    throw docker.Explain(ex);
                }
            }
            var clock = Stopwatch.StartNew();
            Exception? last = null;
            while (clock.Elapsed < TimeSpan.FromSeconds(timeoutSeconds))
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    using var connection = await target.OpenCheckedAsync(cancellationToken, 2).ConfigureAwait(false);
                    using var command = new NpgsqlCommand("select 1", connection);
                    await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (PlatformOpsException ex)
                {
                    last = ex;
                }
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
            throw new PlatformOpsException("PlatformPostgresNotBack", ErrorCategory.OperationTimeout, container,
                $"Container '{container}' was restarted but PostgreSQL at {target.Endpoint} did not answer within {timeoutSeconds} s: {last?.Message}. Check its logs (docker logs {container}).", last);
        }

        // ---------------------------------------------------------------------------------------------------------
        // Status and RPO
        // ---------------------------------------------------------------------------------------------------------

        private sealed class Extra
        {
            public int ArchiveTimeout;
            public string ArchiveLibrary = string.Empty;
            public long SegmentSize = WalSegment.DefaultSegmentSize;
            public string? Lsn;
            public ulong? LsnValue;
            public DateTime Now;
            public bool PendingRestart;
            public DateTime? OldestReady;
            public DateTime? NewestStatusFile;
            public bool StatusReadable;
        }

        private static async Task<Extra> ReadExtraAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            var extra = new Extra();
            const string sql = @"
select (select setting::int from pg_settings where name = 'archive_timeout'),
       coalesce((select setting from pg_settings where name = 'archive_library'), ''),
       (select setting::bigint from pg_settings where name = 'wal_segment_size'),
       case when pg_is_in_recovery() then null else pg_current_wal_lsn()::text end,
       clock_timestamp(),
       exists (select 1 from pg_settings where pending_restart and name in ('wal_level', 'archive_mode'))";
            using (var command = new NpgsqlCommand(sql, connection))
            using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                extra.ArchiveTimeout = reader.GetInt32(0);
                extra.ArchiveLibrary = reader.GetString(1);
                extra.SegmentSize = reader.GetInt64(2);
                extra.Lsn = reader.IsDBNull(3) ? null : reader.GetString(3);
                extra.LsnValue = extra.Lsn == null ? (ulong?)null : WalSegment.ParseLsn(extra.Lsn);
                extra.Now = reader.GetDateTime(4).ToUniversalTime();
                extra.PendingRestart = reader.GetBoolean(5);
            }
            try
            {
                using var command = new NpgsqlCommand(
                    "select min(modification) filter (where name like '%.ready'), max(modification) from pg_ls_archive_statusdir()", connection);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                extra.OldestReady = reader.IsDBNull(0) ? (DateTime?)null : reader.GetDateTime(0).ToUniversalTime();
                extra.NewestStatusFile = reader.IsDBNull(1) ? (DateTime?)null : reader.GetDateTime(1).ToUniversalTime();
                extra.StatusReadable = true;
            }
            catch (PostgresException ex) when (ex.SqlState == "42501")
            {
                extra.StatusReadable = false;
            }
            return extra;
        }

        /// <summary>
        /// Measures archiving twice, <paramref name="sample"/> apart, and judges the RPO from the backlog and the counter
        /// deltas, so an idle server whose last archive is hours old is not an alarm.
        /// </summary>
        public static async Task<PlatformWalStatus> GetStatusAsync(PostgresTarget target, TimeSpan sample, TimeSpan rpoTarget, DockerTarget? docker,
            CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            Extra firstExtra;
            using (var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false))
                firstExtra = await ReadExtraAsync(connection, cancellationToken).ConfigureAwait(false);
            var first = await PostgresProbe.GetStatusAsync(target, cancellationToken).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            var last = first;
            var lastExtra = firstExtra;
            if (sample > TimeSpan.Zero)
            {
                await Task.Delay(sample, cancellationToken).ConfigureAwait(false);
                last = await PostgresProbe.GetStatusAsync(target, cancellationToken).ConfigureAwait(false);
                using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
                lastExtra = await ReadExtraAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            var status = new PlatformWalStatus
            {
                Endpoint = target.Endpoint,
                WalLevel = last.WalLevel,
                ArchiveMode = last.ArchiveMode,
                ArchiveCommand = last.ArchiveCommand,
                ArchiveLibrary = lastExtra.ArchiveLibrary,
                ArchiveTimeoutSec = lastExtra.ArchiveTimeout,
                PendingRestart = lastExtra.PendingRestart,
                ArchivedCount = last.ArchivedCount,
                LastArchivedWal = last.LastArchivedWal,
                LastArchivedTime = last.LastArchivedTime,
                FailedCount = last.FailedCount,
                LastFailedWal = last.LastFailedWal,
                LastFailedTime = last.LastFailedTime,
                ArchiveFailing = last.ArchiveFailing,
                ReadyBacklog = last.ReadyBacklog,
                OldestReadyTime = lastExtra.OldestReady,
                CurrentWalFile = last.CurrentWalFile,
                CurrentLsn = lastExtra.Lsn,
                WalSegmentSize = lastExtra.SegmentSize,
                SampleDuration = sample > TimeSpan.Zero ? clock.Elapsed : TimeSpan.Zero,
                WalBytesDuringSample = firstExtra.LsnValue != null && lastExtra.LsnValue != null ? (long)(lastExtra.LsnValue.Value - firstExtra.LsnValue.Value) : 0,
                ArchivedDuringSample = last.ArchivedCount - first.ArchivedCount,
                FailedDuringSample = last.FailedCount - first.FailedCount,
                RpoTarget = rpoTarget,
                MeasuredAt = lastExtra.Now,
            };
            if (lastExtra.LsnValue != null && WalSegment.TryParse(status.LastArchivedWal, status.WalSegmentSize, out var archived))
                status.PendingBytes = Math.Max(0, (long)lastExtra.LsnValue.Value - (long)archived.EndLsn);
            else if (lastExtra.LsnValue != null && status.ArchivingEnabled && status.ArchivedCount == 0)
                status.PendingBytes = (long)lastExtra.LsnValue.Value;
            if (status.FailedDuringSample > 0 && status.ArchivedDuringSample == 0) status.ArchiveFailing = true;
            EstimateRpo(status, lastExtra.Now, lastExtra.NewestStatusFile);
            if (status.ArchiveFailing)
                status.FailureReason = await FailureReasonAsync(target, status, docker, cancellationToken).ConfigureAwait(false);
            return status;
        }

        /// <summary>Small WAL remainders (a checkpoint or a switch record) are not work at risk.</summary>
        internal const long NegligibleBytes = 8192;

        /// <summary>Judges the RPO from the counters (pure, so it can be tested with any clock).</summary>
        internal static void EstimateRpo(PlatformWalStatus s, DateTime now, DateTime? currentSegmentStarted)
        {
            TimeSpan Since(DateTime? t) => t == null ? TimeSpan.Zero : now - t.Value > TimeSpan.Zero ? now - t.Value : TimeSpan.Zero;
            if (!s.ArchivingEnabled)
            {
                s.RpoState = WalRpoState.NotArchiving;
                s.RpoEstimate = null;
                s.RpoDetail = s.PendingRestart ? "archive_mode is set but waits for a restart: nothing is archived yet." : "archive_mode is off: a lost server loses everything since the last base backup.";
            }
            else if (s.ArchiveFailing)
            {
                s.RpoState = WalRpoState.Failing;
                s.RpoEstimate = Since(s.OldestReadyTime ?? s.LastArchivedTime ?? s.LastFailedTime);
                s.RpoDetail = $"archiving fails ({s.FailedCount} failures, last for {s.LastFailedWal}); {s.ReadyBacklog?.ToString(CultureInfo.InvariantCulture) ?? "unknown"} segment(s) wait.";
            }
            else if (s.ReadyBacklog > 0)
            {
                var stalled = s.SampleDuration > TimeSpan.Zero && s.ArchivedDuringSample == 0;
                s.RpoState = stalled ? WalRpoState.Stalled : WalRpoState.Behind;
                s.RpoEstimate = Since(s.OldestReadyTime ?? s.LastArchivedTime);
                s.RpoDetail = $"{s.ReadyBacklog} finished segment(s) wait; {(stalled ? "none was archived during the sample (a slow or hanging archive command?)" : $"{s.ArchivedDuringSample} archived during the sample")}.";
            }
            else if (s.PendingBytes == null || s.PendingBytes <= NegligibleBytes)
            {
                s.RpoState = WalRpoState.UpToDate;
                s.RpoEstimate = TimeSpan.Zero;
                s.RpoDetail = s.LastArchivedTime == null ? "nothing to archive yet." : $"every segment up to {s.LastArchivedWal} is archived and nothing has been written since, however long ago that was.";
            }
            else
            {
                s.RpoState = WalRpoState.Current;
                var open = Since(currentSegmentStarted ?? s.LastArchivedTime);
                s.RpoEstimate = s.ArchiveTimeoutSec > 0 && open > TimeSpan.FromSeconds(s.ArchiveTimeoutSec) ? TimeSpan.FromSeconds(s.ArchiveTimeoutSec) : open;
                s.RpoDetail = $"finished segments are all archived; {s.PendingBytes / 1024} KB of the open segment are not yet" +
                              (s.ArchiveTimeoutSec > 0 ? $" (archive_timeout {s.ArchiveTimeoutSec} s bounds that)." : " and archive_timeout is off, so they wait until the segment fills.");
            }
            s.RpoOk = s.RpoEstimate != null && s.RpoEstimate <= s.RpoTarget && s.RpoState != WalRpoState.Failing && s.RpoState != WalRpoState.Stalled;
        }

        /// <summary>Why archiving fails: the archive command's own error from the server log (via SQL or the container's log), else what the counters say.</summary>
        internal static async Task<string> FailureReasonAsync(PostgresTarget target, PlatformWalStatus status, DockerTarget? docker, CancellationToken cancellationToken)
        {
            var fallback = $"the archiver failed {status.FailedCount} time(s), last at {status.LastFailedTime:u} on {status.LastFailedWal}";
            string? log = null;
            try
            {
                using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
                using var command = new NpgsqlCommand(@"
select pg_read_file(f, greatest(s - 131072, 0), least(s, 131072))
from (select pg_current_logfile() as f) l, lateral (select (pg_stat_file(f)).size as s) z where f is not null", connection);
                log = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            }
            catch (PostgresException)
            {
                // no logging collector, or not allowed to read the file
            }
            if (log == null && docker != null && !string.IsNullOrEmpty(target.Container))
            {
                try
                {
                    using var client = docker.CreateClient(TimeSpan.FromSeconds(10));
                    using var stream = await client.Containers.GetContainerLogsAsync(target.Container, false,
                        new ContainerLogsParameters { ShowStderr = true, ShowStdout = true, Tail = "400" }, cancellationToken).ConfigureAwait(false);
                    var (stdout, stderr) = await stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
                    log = stdout + "\n" + stderr;
                }
                catch (Exception ex) when (!(ex is OperationCanceledException))
                {
                    // the engine is not reachable: the counters must do
                }
            }
            var reason = log == null ? null : ReasonFromLog(log);
            return reason == null ? fallback + " (the server's log has the command's error)." : $"{reason} ({fallback}).";
        }

        /// <summary>Finds the last archive failure in a server log: the command's own error lines and PostgreSQL's message.</summary>
        internal static string? ReasonFromLog(string log)
        {
            var lines = log.Replace("\r", string.Empty).Split('\n');
            for (var i = lines.Length - 1; i >= 0; i--)
            {
                var line = lines[i];
                var at = line.IndexOf("archive command failed", StringComparison.Ordinal);
                if (at < 0) at = line.IndexOf("archive command was terminated", StringComparison.Ordinal);
                if (at < 0) at = line.IndexOf("archive_library", StringComparison.Ordinal) >= 0 && line.IndexOf("ERROR", StringComparison.Ordinal) >= 0 ? 0 : -1;
                if (at < 0) continue;
                var own = new List<string>();
                for (var j = i - 1; j >= 0 && own.Count < 3; j--)
                {
                    var previous = lines[j].Trim();
                    if (previous.Length == 0 || previous.Contains("LOG:") || previous.Contains("DETAIL:") || previous.Contains("WARNING:") || previous.Contains("ERROR:") || previous.Contains("FATAL:")) break;
                    own.Insert(0, previous);
                }
                var message = line.Substring(at).Trim();
                if (i + 1 < lines.Length)
                {
                    var detail = lines[i + 1].IndexOf("The failed archive command was:", StringComparison.Ordinal);
                    if (detail >= 0) message += "; t" + lines[i + 1].Substring(detail + 1).Trim();
                }
                return Sensitive.Redact(own.Count > 0 ? string.Join(" ", own) + " (" + message + ")" : message);
            }
            return null;
        }

        // ---------------------------------------------------------------------------------------------------------
        // Switch
        // ---------------------------------------------------------------------------------------------------------

        /// <summary>Closes the current segment (pg_switch_wal) and waits until the archiver has archived it.</summary>
        public static async Task<WalSwitchResult> SwitchAsync(PostgresTarget target, TimeSpan timeout, DockerTarget? docker, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            var clock = Stopwatch.StartNew();
            using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
            string segment, lsn;
            bool switched;
            long failedBefore;
            try
            {
                using (var command = new NpgsqlCommand(@"
select current_setting('archive_mode'), pg_is_in_recovery(), failed_count from pg_stat_archiver", connection))
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    if (reader.GetString(0) == "off")
                        throw new PlatformOpsException("PlatformWalArchivingOff", ErrorCategory.InvalidOperation, target,
                            $"archive_mode is off at {target.Endpoint}: a switched segment would never be archived. Run Enable-PlatformWalArchiving first.");
                    if (reader.GetBoolean(1))
                        throw new PlatformOpsException("PlatformWalInRecovery", ErrorCategory.InvalidOperation, target,
                            $"{target.Endpoint} is a standby (in recovery): switch WAL on the primary.");
                    failedBefore = reader.GetInt64(2);
                }
                using (var command = new NpgsqlCommand(@"
with b as (select pg_current_wal_insert_lsn() as before), s as (select pg_switch_wal() as lsn from b)
select pg_walfile_name(s.lsn), s.lsn::text, s.lsn > b.before from s, b", connection))
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    segment = reader.GetString(0);
                    lsn = reader.GetString(1);
                    switched = reader.GetBoolean(2);
                }
            }
            catch (PostgresException ex) when (ex.SqlState == "42501")
            {
                throw new PlatformOpsException("PlatformWalPermissionDenied", ErrorCategory.PermissionDenied, target,
                    $"User '{target.Username}' may not switch WAL at {target.Endpoint}: pg_switch_wal needs a superuser or an explicit GRANT EXECUTE.", ex);
            }
            catch (PostgresException ex)
            {
                throw target.Explain(ex);
            }

            DateTime? failureSeen = null;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? lastArchived, lastFailed;
                DateTime? archivedAt;
                long failed;
                using (var command = new NpgsqlCommand("select last_archived_wal, last_archived_time, failed_count, last_failed_wal from pg_stat_archiver", connection))
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    lastArchived = reader.IsDBNull(0) ? null : reader.GetString(0);
                    archivedAt = reader.IsDBNull(1) ? (DateTime?)null : reader.GetDateTime(1).ToUniversalTime();
                    failed = reader.GetInt64(2);
                    lastFailed = reader.IsDBNull(3) ? null : reader.GetString(3);
                }
                if (lastArchived != null && IsAtOrAfter(lastArchived, segment))
                    return new WalSwitchResult { Endpoint = target.Endpoint, Segment = segment, SwitchLsn = lsn, Switched = switched, Archived = true, ArchivedAt = archivedAt, Elapsed = clock.Elapsed };
                if (failed > failedBefore && lastFailed == segment && failureSeen == null) failureSeen = DateTime.UtcNow;
                // A failure for this segment: give the archiver's own retries a moment, then say why.
                if (failureSeen != null && DateTime.UtcNow - failureSeen.Value > TimeSpan.FromSeconds(2.5) || clock.Elapsed > timeout)
                {
                    var status = await GetStatusAsync(target, TimeSpan.Zero, TimeSpan.FromMinutes(5), docker, cancellationToken).ConfigureAwait(false);
                    if (failureSeen != null || status.ArchiveFailing)
                        throw new PlatformOpsException("PlatformWalArchiveFailing", ErrorCategory.WriteError, segment,
                            $"Segment {segment} was switched at {target.Endpoint} but archiving it fails: {status.FailureReason ?? "see the server's log"}. Fix the archive command (Enable-PlatformWalArchiving) or the archive folder.");
                    throw new PlatformOpsException("PlatformWalSwitchTimeout", ErrorCategory.OperationTimeout, segment,
                        $"Segment {segment} was not archived within {timeout.TotalSeconds:0} s at {target.Endpoint} (last archived: {lastArchived ?? "none"}; {status.ReadyBacklog?.ToString(CultureInfo.InvariantCulture) ?? "?"} segment(s) waiting). The archive command may be slow or hanging.");
                }
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Whether archived segment <paramref name="archived"/> is <paramref name="wanted"/> or later (timeline, then position).</summary>
        internal static bool IsAtOrAfter(string archived, string wanted)
        {
            if (archived.Length < 24 || wanted.Length < 24) return string.CompareOrdinal(archived, wanted) >= 0;
            var position = string.CompareOrdinal(archived.Substring(8, 16), wanted.Substring(8, 16));
            return position > 0 || (position == 0 && string.CompareOrdinal(archived.Substring(0, 8), wanted.Substring(0, 8)) >= 0);
        }

        // ---------------------------------------------------------------------------------------------------------
        // Archive completeness
        // ---------------------------------------------------------------------------------------------------------

        private static readonly string[] CompressedSuffixes = { ".gz", ".zst", ".lz4", ".bz2", ".xz" };

        /// <summary>Checks that <paramref name="archivePath"/> holds every segment from <paramref name="startSegment"/> to the end (given, or the newest there).</summary>
        public static WalArchiveTestResult TestArchive(string archivePath, string startSegment, string? endSegment, long? segmentSize)
        {
            if (!Directory.Exists(archivePath))
                throw new PlatformOpsException("PlatformWalArchiveNotFound", ErrorCategory.ObjectNotFound, archivePath, $"The WAL archive folder '{archivePath}' does not exist or cannot be read.");
            var files = Directory.GetFiles(archivePath).Select(f => new FileInfo(f)).ToList();
            var size = segmentSize ?? DetectSegmentSize(files, startSegment);
            if (!WalSegment.TryParse(startSegment, size, out var start))
                throw new PlatformOpsException("PlatformWalSegmentInvalid", ErrorCategory.InvalidArgument, startSegment, $"'{startSegment}' is not a WAL segment name (24 hex digits).");
            WalSegment? end = null;
            if (endSegment != null)
            {
                if (!WalSegment.TryParse(endSegment, size, out var e))
                    throw new PlatformOpsException("PlatformWalSegmentInvalid", ErrorCategory.InvalidArgument, endSegment, $"'{endSegment}' is not a WAL segment name (24 hex digits).");
                end = e;
            }

            var present = new Dictionary<ulong, List<uint>>();
            var history = new List<string>();
            long bytes = 0;
            foreach (var file in files)
            {
                var name = file.Name;
                if (name.EndsWith(".history", StringComparison.Ordinal)) { history.Add(name); continue; }
                if (name.Length < 24) continue;
                var rest = name.Substring(24);
                if (rest.Length > 0 && Array.IndexOf(CompressedSuffixes, rest) < 0) continue; // .partial, .backup, .tmp
                if (!WalSegment.TryParse(name.Substring(0, 24), size, out var seg)) continue;
                if (seg.Timeline < start.Timeline) continue;
                if (!present.TryGetValue(seg.Number, out var timelines)) present[seg.Number] = timelines = new List<uint>();
                timelines.Add(seg.Timeline);
                if (seg.Number >= start.Number && (end == null || seg.Number <= end.Value.Number)) bytes += file.Length;
            }
            var last = end?.Number ?? (present.Keys.Where(n => n >= start.Number).DefaultIfEmpty(start.Number).Max());
            var missing = new List<string>();
            var count = 0;
            var missingCount = 0;
            var timeline = start.Timeline;
            var timelinesSeen = new SortedSet<uint>();
            for (var n = start.Number; n <= last; n++)
            {
                if (present.TryGetValue(n, out var tls))
                {
                    count++;
                    timeline = Math.Max(timeline, tls.Max());
                    foreach (var t in tls) timelinesSeen.Add(t);
                }
                else
                {
                    missingCount++;
                    if (missing.Count < 100) missing.Add(new WalSegment(timeline, n, size).Name);
                }
            }
            return new WalArchiveTestResult
            {
                ArchivePath = archivePath,
                StartSegment = start.Name,
                EndSegment = new WalSegment(timeline, last, size).Name,
                Segments = count,
                MissingCount = missingCount,
                Missing = missing,
                Timelines = timelinesSeen.ToList(),
                HistoryFiles = history.OrderBy(h => h, StringComparer.Ordinal).ToList(),
                SizeBytes = bytes,
            };
        }

        private static long DetectSegmentSize(IList<FileInfo> files, string startSegment)
        {
            var plain = files.FirstOrDefault(f => f.Name == startSegment) ?? files.FirstOrDefault(f => f.Name.Length == 24 && WalSegment.TryParse(f.Name, WalSegment.DefaultSegmentSize, out _));
            if (plain != null && plain.Length >= 1024 * 1024 && (plain.Length & (plain.Length - 1)) == 0) return plain.Length;
            return WalSegment.DefaultSegmentSize;
        }
    }
}

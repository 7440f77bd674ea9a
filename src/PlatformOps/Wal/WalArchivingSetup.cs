using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Postgres;

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

    /// <summary>
    /// Enable-PlatformWalArchiving's engine: compares the server's archive settings with a request, writes the ALTER
    /// SYSTEM statements needed (known before anything changes, for -WhatIf), applies them, and restarts the server's
    /// container when wal_level or archive_mode need it. Knows nothing of the PowerShell host.
    /// </summary>
    public static class WalArchivingSetup
    {
        private static readonly string[] ArchiveSettings = { "wal_level", "archive_mode", "archive_command", "archive_library", "archive_timeout" };

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
                    desired.Add(("archive_command", request.ArchiveCommand ?? ArchiveCommands.ForDirectory(request.ArchiveDirectory!)));
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
                ArchiveDirectory = plan.ArchiveDirectory ?? ArchiveCommands.DirectoryOf(Running("archive_command")),
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
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Backup
{
    /// <summary>The PostgreSQL steps of a restore: create, fill (pg_restore -j or psql), compare row counts, rename, drop.</summary>
    internal static class PgRestore
    {
        /// <summary>Session settings for the restore's own connections: bigger sorts for index builds, no wait for WAL flush per commit.</summary>
        internal const string RestoreOptions = "-c maintenance_work_mem=128MB -c synchronous_commit=off";

        /// <summary>The restore's session settings for this server: from PostgreSQL 14 on, a backend also checks every second that
        /// its client is still there, so a killed restore's COPY ends at once instead of when it next reads.</summary>
        internal static string RestoreOptionsFor(PgTools tools)
            => tools.ServerMajor >= 14 ? RestoreOptions + " -c client_connection_check_interval=1000" : RestoreOptions;

        public static async Task<NpgsqlConnection> OpenAdminAsync(PostgresTarget server, CancellationToken cancellationToken)
        {
            PlatformOpsException? last = null;
            foreach (var db in new[] { "postgres", server.Database, "template1" }.Distinct())
            {
                try
                {
                    return await server.WithDatabase(db).OpenAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PlatformOpsException ex) when (ex.ErrorId == "PostgresDatabaseNotFound")
                {
                    last = ex;
                }
            }
            throw last!;
        }

        public static async Task<(PgTools Tools, int ServerMajor)> ResolveToolsAsync(NpgsqlConnection admin, PostgresTarget server, PgToolMode mode,
            DockerTarget? docker, Action<string> log, CancellationToken cancellationToken)
        {
            var versionNum = Convert.ToInt32(await Pg.ScalarAsync(admin, "SHOW server_version_num", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            var socketDirs = (string)(await Pg.ScalarAsync(admin, "SHOW unix_socket_directories", cancellationToken).ConfigureAwait(false))!;
            var port = Convert.ToInt32(await Pg.ScalarAsync(admin, "SHOW port", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            var socketDir = socketDirs.Split(',').Select(s => s.Trim()).FirstOrDefault(s => s.Length > 0 && !s.StartsWith("@", StringComparison.Ordinal));
            var tools = await PgTools.ResolveAsync(server, mode, versionNum / 10000, docker, socketDir, port, log, cancellationToken).ConfigureAwait(false);
            return (tools, versionNum / 10000);
        }

        public static async Task<bool> ExistsAsync(NpgsqlConnection admin, string name, CancellationToken cancellationToken)
        {
            using var command = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", admin);
            command.Parameters.AddWithValue("n", name);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) != null;
        }

        public static async Task<int> SessionsAsync(NpgsqlConnection admin, string name, CancellationToken cancellationToken)
        {
            using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @n AND pid <> pg_backend_pid()", admin);
            command.Parameters.AddWithValue("n", name);
            return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        public static async Task TerminateSessionsAsync(NpgsqlConnection admin, string name, CancellationToken cancellationToken)
        {
            using var command = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @n AND pid <> pg_backend_pid()", admin);
            command.Parameters.AddWithValue("n", name);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Creates an empty database with the encoding, locale and owner the manifest recorded (the locale is dropped if this server lacks it).</summary>
        public static async Task CreateAsync(NpgsqlConnection admin, string name, BackupFileEntry entry, Action<string> warn, CancellationToken cancellationToken)
        {
            var ownerExists = entry.Owner != null && await RoleExistsAsync(admin, entry.Owner, cancellationToken).ConfigureAwait(false);
            var owner = ownerExists ? $" OWNER {PgSql.Ident(entry.Owner!)}" : string.Empty;
            if (entry.Owner != null && !ownerExists)
                warn($"The owner of '{entry.Database}', role '{entry.Owner}', does not exist on this server: '{name}' is owned by the restoring user. Restore the roles with -IncludeGlobals, or ALTER DATABASE ... OWNER TO afterwards.");
            var encoding = entry.Encoding != null ? $" ENCODING '{entry.Encoding.Replace("'", "''")}'" : string.Empty;
            var locale = entry.Collate != null && entry.Ctype != null
                ? $" LC_COLLATE '{entry.Collate.Replace("'", "''")}' LC_CTYPE '{entry.Ctype.Replace("'", "''")}'" : string.Empty;
            try
            {
                await Pg.ExecuteAsync(admin, $"CREATE DATABASE {PgSql.Ident(name)} TEMPLATE template0{encoding}{locale}{owner}", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (locale.Length > 0 && (ex.SqlState == "22023" || ex.SqlState == "42809"))
            {
                warn($"The locale of '{entry.Database}' ({entry.Collate}) is not usable here ({ex.MessageText}); '{name}' gets the server's default locale.");
                await Pg.ExecuteAsync(admin, $"CREATE DATABASE {PgSql.Ident(name)} TEMPLATE template0{encoding}{owner}", cancellationToken).ConfigureAwait(false);
            }
        }

        private static async Task<bool> RoleExistsAsync(NpgsqlConnection admin, string role, CancellationToken cancellationToken)
        {
            using var command = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = @r", admin);
            command.Parameters.AddWithValue("r", role);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) != null;
        }

        public static async Task DropAsync(NpgsqlConnection admin, string name, int serverMajor, CancellationToken cancellationToken)
        {
            if (serverMajor >= 13)
            {
                await Pg.ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {PgSql.Ident(name)} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
                return;
            }
            await TerminateSessionsAsync(admin, name, cancellationToken).ConfigureAwait(false);
            await Pg.ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {PgSql.Ident(name)}", cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Drops a scratch database without letting a failure hide the first error.</summary>
        public static async Task DropQuietlyAsync(PostgresTarget server, string name, int serverMajor)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                using var admin = await OpenAdminAsync(server, timeout.Token).ConfigureAwait(false);
                await DropAsync(admin, name, serverMajor, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Best effort; the caller reports the first failure.
            }
        }

        /// <summary>Fills an existing empty database from one entry of a set.</summary>
        /// <param name="withoutRoles">The set's roles are not on this server (a set without globals, restored into a scratch
        /// cluster): skip ownership and privileges in the Directory format; in Plain, let the statements that name a
        /// missing role fail and fail on any other error.</param>
        public static async Task RestoreEntryAsync(PgTools tools, string setPath, BackupFileEntry entry, string database, int jobs, string applicationName,
            CancellationToken cancellationToken, bool withoutRoles = false)
        {
            ProcessResult result;
            if (entry.Format == nameof(BackupFormat.Directory))
            {
                var folder = tools.RequirePathFor(Path.Combine(setPath, entry.Name), "the backup set");
                var arguments = new List<string> { "-d", LibpqConnInfo.Database(database), "-j", Math.Max(1, jobs).ToString(CultureInfo.InvariantCulture), "--exit-on-error" };
                if (withoutRoles) { arguments.Add("--no-owner"); arguments.Add("--no-acl"); }
                arguments.Add(folder);
                var spec = tools.Spec("pg_restore", applicationName, arguments);
                spec.Environment["PGOPTIONS"] = RestoreOptionsFor(tools);
                result = await tools.RunAsync(spec, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var spec = tools.Spec("psql", applicationName, new[] { "-X", "-q", "-v", withoutRoles ? "ON_ERROR_STOP=0" : "ON_ERROR_STOP=1", "-d", LibpqConnInfo.Database(database) });
                spec.Environment["PGOPTIONS"] = RestoreOptionsFor(tools);
                using var reader = new DecompressedReader(Path.Combine(setPath, entry.Name), entry.Compression);
                result = await tools.RunAsync(spec, cancellationToken, input: reader.Stream, output: Stream.Null).ConfigureAwait(false);
                try
                {
                    await reader.CompletionAsync().ConfigureAwait(false);
                }
                catch (InvalidDataException ex)
                {
                    throw new PlatformOpsException("PlatformBackupArchiveDamaged", System.Management.Automation.ErrorCategory.InvalidData, entry.Name,
                        $"'{entry.Name}' cannot be decompressed: {ex.Message}", ex);
                }
            }
            var failed = !result.Succeeded;
            if (!failed && withoutRoles && entry.Format != nameof(BackupFormat.Directory))
            {
                var errors = result.StandardError.Split('\n').Where(l => l.IndexOf("ERROR:", StringComparison.Ordinal) >= 0).ToList();
                failed = errors.Any(l => !(l.IndexOf("role \"", StringComparison.Ordinal) >= 0 && l.IndexOf("does not exist", StringComparison.Ordinal) >= 0));
            }
            if (failed)
                throw new PlatformOpsException("PlatformBackupRestoreFailed", System.Management.Automation.ErrorCategory.InvalidOperation, entry.Name,
                    $"Restoring '{entry.Name}' into database '{database}' failed (exit code {result.ExitCode}): {ProcessRunner.LastLines(result.StandardError)}");
        }

        /// <summary>Reads a globals script and keeps what creates the roles and tablespaces this server lacks (all of it for existing roles with <paramref name="overwriteRoles"/>).</summary>
        public static async Task<GlobalsPlan> PlanGlobalsAsync(NpgsqlConnection admin, string setPath, BackupFileEntry entry, bool overwriteRoles,
            CancellationToken cancellationToken)
        {
            string script;
            using (var reader = new DecompressedReader(Path.Combine(setPath, entry.Name), entry.Compression))
            using (var text = new StreamReader(reader.Stream, new System.Text.UTF8Encoding(false)))
            {
                script = await text.ReadToEndAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
            var roles = await NamesAsync(admin, "SELECT rolname FROM pg_roles", cancellationToken).ConfigureAwait(false);
            var tablespaces = await NamesAsync(admin, "SELECT spcname FROM pg_tablespace", cancellationToken).ConfigureAwait(false);
            var currentUser = (string?)await Pg.ScalarAsync(admin, "SELECT current_user::text", cancellationToken).ConfigureAwait(false);
            return GlobalsScript.Filter(script, roles, tablespaces, overwriteRoles, currentUser);
        }

        private static async Task<HashSet<string>> NamesAsync(NpgsqlConnection admin, string sql, CancellationToken cancellationToken)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            using var command = new NpgsqlCommand(sql, admin);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) names.Add(reader.GetString(0));
            return names;
        }

        /// <summary>Runs a filtered globals script (see <see cref="PlanGlobalsAsync"/>). Statements that fail are counted, not fatal.</summary>
        public static async Task<(int Errors, string Detail)> RestoreGlobalsAsync(PgTools tools, GlobalsPlan globals, string maintenanceDatabase,
            string applicationName, CancellationToken cancellationToken)
        {
            var spec = tools.Spec("psql", applicationName, new[] { "-X", "-q", "-d", LibpqConnInfo.Database(maintenanceDatabase) });
            using var input = new MemoryStream(new System.Text.UTF8Encoding(false).GetBytes(globals.Script));
            var result = await tools.RunAsync(spec, cancellationToken, input: input, output: Stream.Null).ConfigureAwait(false);
            var errors = result.StandardError.Split('\n').Where(l => l.IndexOf("ERROR:", StringComparison.Ordinal) >= 0).ToList();
            if (!result.Succeeded)
                throw new PlatformOpsException("PlatformBackupRestoreFailed", System.Management.Automation.ErrorCategory.InvalidOperation, "globals",
                    $"Restoring the globals failed (exit code {result.ExitCode}): {ProcessRunner.LastLines(result.StandardError)}");
            return (errors.Count, string.Join(" | ", errors.Take(3).Select(e => e.Trim())));
        }

        /// <summary>Counts every table of the manifest in the restored database and compares.</summary>
        public static async Task<(List<BackupCheck> Checks, int Tables, long Rows)> CompareAsync(PostgresTarget server, string database, BackupFileEntry entry,
            CancellationToken cancellationToken)
        {
            var checks = new List<BackupCheck>();
            var tables = entry.Tables ?? new List<TableRowCount>();
            var connection = await server.WithDatabase(database).OpenAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await CompareOnAsync(connection, entry, tables, checks, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Pg.Release(connection);
            }
        }

        private static async Task<(List<BackupCheck> Checks, int Tables, long Rows)> CompareOnAsync(NpgsqlConnection connection, BackupFileEntry entry,
            List<TableRowCount> tables, List<BackupCheck> checks, CancellationToken cancellationToken)
        {
            long rows = 0;
            var mismatches = 0;
            foreach (var table in tables)
            {
                long actual;
                try
                {
                    actual = Convert.ToInt64(await Pg.ScalarAsync(connection, $"SELECT count(*) FROM ONLY {PgSql.Ident(table.Schema)}.{PgSql.Ident(table.Name)}", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                }
                catch (PostgresException ex) when (ex.SqlState == "42P01" || ex.SqlState == "3F000")
                {
                    checks.Add(new BackupCheck { Kind = "RowCount", Name = $"{entry.Database}.{table.Schema}.{table.Name}", Passed = false,
                        Expected = table.Rows.ToString(CultureInfo.InvariantCulture), Detail = "the table is missing after the restore" });
                    mismatches++;
                    continue;
                }
                rows += actual;
                if (actual != table.Rows)
                {
                    checks.Add(new BackupCheck { Kind = "RowCount", Name = $"{entry.Database}.{table.Schema}.{table.Name}", Passed = false,
                        Expected = table.Rows.ToString(CultureInfo.InvariantCulture), Actual = actual.ToString(CultureInfo.InvariantCulture), Detail = "row count differs" });
                    mismatches++;
                }
            }
            if (entry.LargeObjects.HasValue)
            {
                var lo = Convert.ToInt64(await Pg.ScalarAsync(connection, "SELECT count(*) FROM pg_largeobject_metadata", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                if (lo != entry.LargeObjects.Value)
                {
                    checks.Add(new BackupCheck { Kind = "RowCount", Name = $"{entry.Database} large objects", Passed = false,
                        Expected = entry.LargeObjects.Value.ToString(CultureInfo.InvariantCulture), Actual = lo.ToString(CultureInfo.InvariantCulture), Detail = "large object count differs" });
                    mismatches++;
                }
            }
            if (mismatches == 0)
                checks.Add(new BackupCheck { Kind = "RowCount", Name = entry.Database ?? entry.Name, Passed = true,
                    Expected = tables.Sum(t => t.Rows).ToString(CultureInfo.InvariantCulture), Actual = rows.ToString(CultureInfo.InvariantCulture),
                    Detail = $"{tables.Count} tables and {entry.LargeObjects ?? 0} large objects match the manifest" });
            return (checks, tables.Count, rows);
        }

        /// <summary>A database name of at most 63 bytes: prefix, then a suffix that keeps it unique.</summary>
        public static string Name(string prefix, string suffix)
        {
            var max = 63 - suffix.Length;
            if (System.Text.Encoding.UTF8.GetByteCount(prefix) > max)
            {
                while (System.Text.Encoding.UTF8.GetByteCount(prefix) > max)
                {
                    prefix = prefix.Substring(0, prefix.Length - 1);
                    // Never half of a surrogate pair (an emoji): that is no character at all.
                    if (prefix.Length > 0 && char.IsHighSurrogate(prefix[prefix.Length - 1])) prefix = prefix.Substring(0, prefix.Length - 1);
                }
            }
            return prefix + suffix;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Postgres;

namespace PlatformOps.Backup
{
    /// <summary>
    /// A database's own properties, recorded in the manifest: who may connect, create and use temporary tables
    /// (GRANT/REVOKE ... ON DATABASE), its settings (ALTER DATABASE ... SET, ALTER ROLE ... IN DATABASE ... SET), its
    /// connection limit and comment. pg_dump writes them only with --create, which a restore into another name cannot use.
    /// </summary>
    public sealed class DatabaseProperties
    {
        /// <summary>The privileges granted on the database; null when it has the default ones (PUBLIC may connect and create temporary tables).</summary>
        public List<DatabaseGrant>? Acl { get; set; }
        public List<DatabaseSetting>? Settings { get; set; }
        /// <summary>-1 (or absent): no limit.</summary>
        public int? ConnectionLimit { get; set; }
        public string? Comment { get; set; }
    }

    public sealed class DatabaseGrant
    {
        /// <summary>The role granted to; null for PUBLIC.</summary>
        public string? Grantee { get; set; }
        /// <summary>CONNECT, CREATE or TEMPORARY.</summary>
        public string Privilege { get; set; } = string.Empty;
        public bool Grantable { get; set; }
        public string? Grantor { get; set; }
    }

    public sealed class DatabaseSetting
    {
        /// <summary>The role the setting is for (ALTER ROLE ... IN DATABASE); null for every role (ALTER DATABASE ... SET).</summary>
        public string? Role { get; set; }
        public string Name { get; set; } = string.Empty;
        public string Value { get; set; } = string.Empty;
    }

    /// <summary>Reads the properties of a database when it is backed up and applies them to the database a restore builds.</summary>
    internal static class DatabasePropertiesIo
    {
        /// <summary>Settings whose value is a list of quoted items (PostgreSQL's GUC_LIST_QUOTE): each item must be its own literal.</summary>
        private static readonly HashSet<string> ListQuoted = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "local_preload_libraries", "search_path", "session_preload_libraries", "shared_preload_libraries", "temp_tablespaces", "unix_socket_directories",
        };

        /// <summary>The properties of the database <paramref name="connection"/> is connected to.</summary>
        public static async Task<DatabaseProperties> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            var properties = new DatabaseProperties();
            using (var command = new NpgsqlCommand(
                       "SELECT datacl IS NULL, datconnlimit, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()", connection))
            using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!reader.GetBoolean(0)) properties.Acl = new List<DatabaseGrant>();
                    var limit = reader.GetInt32(1);
                    if (limit >= 0) properties.ConnectionLimit = limit;
                    if (!reader.IsDBNull(2)) properties.Comment = reader.GetString(2);
                }
            }
            if (properties.Acl != null)
            {
                using var command = new NpgsqlCommand(
                    "SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, a.is_grantable, pg_get_userbyid(a.grantor) " +
                    "FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = current_database() ORDER BY 1 NULLS FIRST, 2", connection);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    properties.Acl.Add(new DatabaseGrant
                    {
                        Grantee = reader.IsDBNull(0) ? null : reader.GetString(0),
                        Privilege = reader.GetString(1),
                        Grantable = reader.GetBoolean(2),
                        Grantor = reader.GetString(3),
                    });
            }
            using (var command = new NpgsqlCommand(
                       "SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END, c.setting, c.n " +
                       "FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase, unnest(s.setconfig) WITH ORDINALITY c(setting, n) " +
                       "WHERE d.datname = current_database() ORDER BY 1 NULLS FIRST, 3", connection))
            using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var setting = reader.GetString(1);
                    var eq = setting.IndexOf('=');
                    if (eq <= 0) continue;
                    properties.Settings ??= new List<DatabaseSetting>();
                    properties.Settings.Add(new DatabaseSetting
                    {
                        Role = reader.IsDBNull(0) ? null : reader.GetString(0),
                        Name = setting.Substring(0, eq),
                        Value = setting.Substring(eq + 1),
                    });
                }
            }
            return properties;
        }

        /// <summary>
        /// Gives <paramref name="database"/> the recorded privileges, settings and connection limit (not the comment: the
        /// caller sets it when the database takes its final name). Grants to, and settings for, roles this server lacks are
        /// skipped with a warning (that only ever takes access away); any other failure throws. Returns what was done.
        /// </summary>
        public static async Task<List<string>> ApplyAsync(NpgsqlConnection admin, string database, DatabaseProperties properties, Action<string> warn,
            CancellationToken cancellationToken)
        {
            var done = new List<string>();
            var db = PgSql.Ident(database);
            var roles = new HashSet<string>(StringComparer.Ordinal);
            using (var command = new NpgsqlCommand("SELECT rolname FROM pg_roles", admin))
            using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) roles.Add(reader.GetString(0));

            if (properties.ConnectionLimit.HasValue)
            {
                await Pg.ExecuteAsync(admin, $"ALTER DATABASE {db} CONNECTION LIMIT {properties.ConnectionLimit.Value.ToString(CultureInfo.InvariantCulture)}", cancellationToken).ConfigureAwait(false);
                done.Add($"CONNECTION LIMIT {properties.ConnectionLimit.Value.ToString(CultureInfo.InvariantCulture)}");
            }

            if (properties.Acl != null)
            {
                var owner = (string)(await Pg.ScalarAsync(admin, $"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = {PgSql.Literal(database)}", cancellationToken).ConfigureAwait(false))!;
                // Start from nothing, then grant exactly what was recorded.
                await Pg.ExecuteAsync(admin, $"REVOKE ALL ON DATABASE {db} FROM PUBLIC", cancellationToken).ConfigureAwait(false);
                await Pg.ExecuteAsync(admin, $"REVOKE ALL ON DATABASE {db} FROM {PgSql.Ident(owner)}", cancellationToken).ConfigureAwait(false);
                done.Add("REVOKE ALL FROM PUBLIC");
                foreach (var group in properties.Acl.GroupBy(g => (g.Grantee, g.Grantable)))
                {
                    var who = group.Key.Grantee == null ? "PUBLIC" : PgSql.Ident(group.Key.Grantee);
                    var privileges = string.Join(", ", group.Select(g => g.Privilege).Distinct().Where(IsDatabasePrivilege));
                    if (privileges.Length == 0) continue;
                    if (group.Key.Grantee != null && !roles.Contains(group.Key.Grantee))
                    {
                        warn($"'{database}': {privileges} for role '{group.Key.Grantee}' was not granted: the role does not exist on this server (restore the globals with -IncludeGlobals, or grant it yourself).");
                        continue;
                    }
                    await Pg.ExecuteAsync(admin, $"GRANT {privileges} ON DATABASE {db} TO {who}{(group.Key.Grantable ? " WITH GRANT OPTION" : string.Empty)}", cancellationToken).ConfigureAwait(false);
                    done.Add($"GRANT {privileges} TO {(group.Key.Grantee ?? "PUBLIC")}{(group.Key.Grantable ? " WITH GRANT OPTION" : string.Empty)}");
                }
            }

            foreach (var setting in properties.Settings ?? new List<DatabaseSetting>())
            {
                var value = SettingValue(setting.Name, setting.Value);
                if (setting.Role == null)
                {
                    await Pg.ExecuteAsync(admin, $"ALTER DATABASE {db} SET {PgSql.Ident(setting.Name)} TO {value}", cancellationToken).ConfigureAwait(false);
                    done.Add($"SET {setting.Name} TO {value}");
                }
                else if (!roles.Contains(setting.Role))
                {
                    warn($"'{database}': the setting {setting.Name} for role '{setting.Role}' was not restored: the role does not exist on this server.");
                }
                else
                {
                    await Pg.ExecuteAsync(admin, $"ALTER ROLE {PgSql.Ident(setting.Role)} IN DATABASE {db} SET {PgSql.Ident(setting.Name)} TO {value}", cancellationToken).ConfigureAwait(false);
                    done.Add($"ROLE {setting.Role} SET {setting.Name} TO {value}");
                }
            }
            return done;
        }

        private static bool IsDatabasePrivilege(string privilege)
            => privilege == "CONNECT" || privilege == "CREATE" || privilege == "TEMPORARY";

        /// <summary>The value of a setting as ALTER ... SET takes it: one literal, or one per item for list settings (as pg_dump does).</summary>
        internal static string SettingValue(string name, string value)
        {
            if (!ListQuoted.Contains(name)) return PgSql.Literal(value);
            var items = SplitList(value);
            return items.Count == 0 ? "''" : string.Join(", ", items.Select(PgSql.Literal));
        }

        /// <summary>Splits a flattened list setting ("$user", public) into its items, unquoting double-quoted ones.</summary>
        internal static List<string> SplitList(string value)
        {
            var items = new List<string>();
            var i = 0;
            while (i < value.Length)
            {
                while (i < value.Length && char.IsWhiteSpace(value[i])) i++;
                if (i >= value.Length) break;
                var sb = new StringBuilder();
                if (value[i] == '"')
                {
                    i++;
                    while (i < value.Length)
                    {
                        if (value[i] == '"')
                        {
                            if (i + 1 < value.Length && value[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        sb.Append(value[i++]);
                    }
                    while (i < value.Length && value[i] != ',') i++;
                }
                else
                {
                    while (i < value.Length && value[i] != ',') sb.Append(value[i++]);
                }
                items.Add(sb.ToString().Trim());
                i++; // the comma
            }
            return items;
        }
    }
}

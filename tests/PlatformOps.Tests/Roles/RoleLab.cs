using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using PlatformOps.Tests.Infrastructure;

namespace PlatformOps.Tests.Roles
{
    /// <summary>
    /// A database of its own on the lab's PostgreSQL and a profile whose role model uses prefixed names (roles are
    /// cluster-wide and other suites share the server). Leftovers of an interrupted run are removed first.
    /// </summary>
    public sealed class RoleLab : IDisposable
    {
        public const string Prefix = "pops_rt_";

        public static readonly string[] Services =
        {
            "l01_data_layer", "l02_runtime", "l03_tool_execution", "l04_model_gateway", "l05_planning", "l06_evaluation",
            "l07_learning", "l09_api_gateway", "l10_human_interface", "l11_integration", "l12_service_hub", "platform_ui",
        };

        public RoleLab()
        {
            Lab.RequireProfile(Lab.DockerProfile);
            Database = Prefix + "db_" + RandomNumberGenerator.GetHexString(6, lowercase: true);
            RemoveLeftovers();
            Exec("postgres", $"CREATE DATABASE \"{Database}\"");
            Passwords = Services.ToDictionary(s => Prefix + s, _ => TestProcess.KeepSecret("pw-" + RandomNumberGenerator.GetHexString(16, lowercase: true)));
            ProfilePath = Path.Combine(Path.GetTempPath(), $"{Database}.profile.json");
            using (var doc = JsonDocument.Parse(File.ReadAllText(Lab.DockerProfile)))
            {
                var profile = JsonSerializer.Deserialize<Dictionary<string, object>>(doc.RootElement.GetRawText())!;
                profile["Name"] = "roles-test";
                profile["Roles"] = new Dictionary<string, object>
                {
                    ["ReadRole"] = Read, ["WriteRole"] = Write, ["AdminRole"] = Admin,
                    ["Services"] = new Dictionary<string, string>
                    {
                        [Prefix + "l01_data_layer"] = "admin", [Prefix + "l02_runtime"] = "write", [Prefix + "l03_tool_execution"] = "write",
                        [Prefix + "l04_model_gateway"] = "read", [Prefix + "l05_planning"] = "write", [Prefix + "l06_evaluation"] = "read",
                        [Prefix + "l07_learning"] = "write", [Prefix + "l09_api_gateway"] = "read", [Prefix + "l10_human_interface"] = "read",
                        [Prefix + "l11_integration"] = Write, [Prefix + "l12_service_hub"] = "write", [Prefix + "platform_ui"] = Read,
                    },
                };
                File.WriteAllText(ProfilePath, JsonSerializer.Serialize(profile));
            }
        }

        public string Database { get; }
        public string ProfilePath { get; }
        public Dictionary<string, string> Passwords { get; }
        public string Read => Prefix + "read";
        public string Write => Prefix + "write";
        public string Admin => Prefix + "admin";

        public static NpgsqlConnection Open(string database, string user = "postgres", string? password = null)
            => Lab.OpenPostgres(database, user: user, password: password);

        public static void Exec(string database, string sql)
        {
            using var c = Open(database);
            using var cmd = new NpgsqlCommand(sql, c);
            cmd.ExecuteNonQuery();
        }

        public static T Scalar<T>(string database, string sql)
        {
            using var c = Open(database);
            using var cmd = new NpgsqlCommand(sql, c);
            return (T)cmd.ExecuteScalar()!;
        }

        /// <summary>Runs a statement as a login; returns null when it worked, else the SQLSTATE.</summary>
        public string? TryAs(string login, string sql)
        {
            using var c = Open(Database, login, Passwords[login]);
            using var cmd = new NpgsqlCommand(sql, c);
            try
            {
                cmd.ExecuteNonQuery();
                return null;
            }
            catch (PostgresException ex)
            {
                return ex.SqlState;
            }
        }

        /// <summary>The credentials for Set-DbRole -ServiceCredential.</summary>
        public System.Management.Automation.PSCredential[] Credentials()
            => Passwords.Select(p => new System.Management.Automation.PSCredential(p.Key, PlatformOps.Common.Sensitive.ToSecureString(p.Value))).ToArray();

        private static void RemoveLeftovers()
        {
            using var c = Open("postgres");
            var databases = new List<string>();
            using (var cmd = new NpgsqlCommand($"select datname from pg_database where datname like '{Prefix}%'", c))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) databases.Add(r.GetString(0));
            foreach (var db in databases)
                using (var cmd = new NpgsqlCommand($"DROP DATABASE \"{db.Replace("\"", "\"\"")}\" WITH (FORCE)", c)) cmd.ExecuteNonQuery();
            DropRoles(c, "postgres");
        }

        /// <summary>Drops every role of the test (a fresh start for the model).</summary>
        public void DropRoles()
        {
            using var c = Open("postgres");
            DropRoles(c, Database);
        }

        /// <summary>Drops every role with the prefix (owned objects and privileges in the remaining databases go first).</summary>
        private static void DropRoles(NpgsqlConnection c, string database)
        {
            var roles = new List<string>();
            using (var cmd = new NpgsqlCommand($"select rolname from pg_roles where rolname like '{Prefix}%' order by length(rolname) desc", c))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) roles.Add(r.GetString(0));
            if (roles.Count == 0) return;
            var idents = string.Join(", ", roles.Select(r => "\"" + r.Replace("\"", "\"\"") + "\""));
            foreach (var db in new[] { database, "agentic", "postgres" }.Distinct())
            {
                using var dbc = Open(db);
                // One role per statement: DROP OWNED BY a, b trips over a default ACL entry that names both.
                foreach (var role in roles)
                    using (var cmd = new NpgsqlCommand($"DROP OWNED BY \"{role.Replace("\"", "\"\"")}\"", dbc)) cmd.ExecuteNonQuery();
            }
            using (var cmd = new NpgsqlCommand($"DROP ROLE {idents}", c)) cmd.ExecuteNonQuery();
        }

        public void Dispose()
        {
            try
            {
                using var c = Open("postgres");
                using (var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", c)) cmd.ExecuteNonQuery();
                DropRoles(c, "postgres");
            }
            finally
            {
                File.Delete(ProfilePath);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Npgsql;
using PlatformOps.Tests.Infrastructure;

namespace PlatformOps.Tests.Backup
{
    /// <summary>
    /// What the backup tests share: databases with data that is easy to lose (created under the "bk_t_" prefix and
    /// dropped by the test that made them), exact fingerprints of their content, scratch folders and tmpfs mounts.
    /// </summary>
    internal static class BackupTestKit
    {
        public const string Prefix = "bk_t_";

        public static string AdminConnectionString(string database = "postgres")
            => new NpgsqlConnectionStringBuilder(Lab.PostgresConnectionString(database, timeout: 10)) { CommandTimeout = 120 }.ConnectionString;

        public static NpgsqlConnection Open(string database = "postgres")
        {
            var c = new NpgsqlConnection(AdminConnectionString(database));
            c.Open();
            return c;
        }

        public static object? Scalar(string database, string sql)
        {
            using var c = Open(database);
            using var cmd = new NpgsqlCommand(sql, c);
            return cmd.ExecuteScalar();
        }

        public static void Execute(string database, string sql)
        {
            using var c = Open(database);
            using var cmd = new NpgsqlCommand(sql, c);
            cmd.ExecuteNonQuery();
        }

        public static string NewName(string what) => Prefix + what + "_" + Guid.NewGuid().ToString("N")[..6];

        public static bool DatabaseExists(string name)
            => Scalar("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{name}'") is long n && n > 0;

        public static List<string> DatabasesLike(string pattern)
        {
            using var c = Open();
            using var cmd = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE @p ORDER BY 1", c);
            cmd.Parameters.AddWithValue("p", pattern);
            using var r = cmd.ExecuteReader();
            var names = new List<string>();
            while (r.Read()) names.Add(r.GetString(0));
            return names;
        }

        public static void Drop(string name)
        {
            try { Execute("postgres", $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"); } catch (NpgsqlException) { }
        }

        /// <summary>A database with two schemas and the types that are easy to lose: bytea with NUL bytes, jsonb with
        /// non-ASCII text, arrays (with NULLs and 2-D), time zones across a DST change, infinity, numeric, enum, uuid,
        /// interval, TOASTed 2 MB rows, a 400 KB large object, a sequence moved by setval, an identity column, a view.</summary>
        public static void CreateRichDatabase(string name, bool withNoise = false)
        {
            Execute("postgres", $"CREATE DATABASE \"{name}\"");
            Execute(name, @"
SET TimeZone = 'Europe/Berlin';
CREATE SCHEMA sales;
CREATE SCHEMA audit;
CREATE TYPE sales.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE sales.orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer text NOT NULL,
    amount numeric(14,4),
    placed timestamptz NOT NULL,
    tags text[],
    attrs jsonb,
    blob bytea,
    mood sales.mood);
INSERT INTO sales.orders (customer, amount, placed, tags, attrs, blob, mood)
SELECT 'cust ' || g || E' \t ""quoted"" \\ back\nnewline', g * 1.2345,
       timestamptz '2024-03-31 01:30:00+01' + g * interval '7 minutes',
       ARRAY['a' || g, NULL, 'x,y', ''],
       jsonb_build_object('n', g, 'nested', jsonb_build_array(g, 'ü€😀', NULL, 1.5e300), 'empty', '{}'::jsonb),
       decode(md5(g::text), 'hex') || '\x00ff00'::bytea,
       (ARRAY['sad','ok','happy'])[1 + g % 3]::sales.mood
FROM generate_series(1, 3000) g;
CREATE TABLE audit.events (
    id serial PRIMARY KEY,
    at timestamptz,
    local_at timestamp,
    d date,
    span interval,
    u uuid,
    matrix int[][],
    big text,
    flag boolean,
    real_val double precision);
INSERT INTO audit.events (at, local_at, d, span, u, matrix, big, flag, real_val) VALUES
    ('infinity', '-infinity', '2000-02-29', '1 year 2 mons 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{{1,2},{3,4}}', repeat('x', 2000000), true, 'NaN'),
    ('2024-10-27 02:30:00+02', '2024-10-27 02:30:00', '1970-01-01', '-1 day', NULL, NULL, repeat('ab', 1000000), NULL, '-0'),
    (NULL, NULL, NULL, NULL, NULL, '{}', '', false, 1e-300);
CREATE SEQUENCE sales.invoice_no START 1000 INCREMENT 7;
SELECT setval('sales.invoice_no', 4242, true);
SELECT lo_from_bytea(0, decode(repeat('deadbeef00', 40000), 'hex'));
CREATE VIEW sales.big_orders AS SELECT id, amount FROM sales.orders WHERE amount > 1000;
CREATE TABLE audit.""Odd Name"" (""Key"" text PRIMARY KEY, v int);
INSERT INTO audit.""Odd Name"" VALUES ('a', 1), ('b', 2);");
            if (withNoise)
            {
                // ~3 MB that does not compress: a disk of 2 MB fills up.
                Execute(name, @"CREATE TABLE audit.noise (id int, data bytea);
INSERT INTO audit.noise SELECT g, decode(string_agg(lpad(to_hex((random() * 4294967295)::bigint), 8, '0'), ''), 'hex')
FROM generate_series(1, 3) g, generate_series(1, 250000) i GROUP BY g;");
            }
        }

        /// <summary>An exact fingerprint of a database: every table's rows as text, sequences, large objects.</summary>
        public static SortedDictionary<string, string> Fingerprint(string database)
        {
            var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
            using var c = Open(database);
            using (var tz = new NpgsqlCommand("SET TimeZone = 'UTC'; SET extra_float_digits = 3", c)) tz.ExecuteNonQuery();
            var tables = new List<string>();
            using (var cmd = new NpgsqlCommand(@"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1", c))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) tables.Add(r.GetString(0));
            foreach (var t in tables)
            {
                using var cmd = new NpgsqlCommand($"SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '') FROM {t} x", c);
                result[t] = (string)cmd.ExecuteScalar()!;
            }
            using (var cmd = new NpgsqlCommand(@"SELECT coalesce(string_agg(quote_ident(schemaname) || '.' || quote_ident(sequencename) || '=' || coalesce(last_value::text, 'null'), ',' ORDER BY schemaname, sequencename), '') FROM pg_sequences", c))
                result["(sequences)"] = (string)cmd.ExecuteScalar()!;
            using (var cmd = new NpgsqlCommand("SELECT count(*) || ':' || coalesce(md5(string_agg(oid::text || md5(lo_get(oid)), ',' ORDER BY oid)), '') FROM pg_largeobject_metadata", c))
                result["(large objects)"] = (string)cmd.ExecuteScalar()!;
            using (var cmd = new NpgsqlCommand("SELECT coalesce(string_agg(schemaname || '.' || viewname || '=' || md5(definition), ',' ORDER BY schemaname, viewname), '') FROM pg_views WHERE schemaname NOT IN ('pg_catalog', 'information_schema')", c))
                result["(views)"] = (string)cmd.ExecuteScalar()!;
            return result;
        }

        /// <summary>A scratch folder the Postgres container can see (the lab's backups folder is bind-mounted at the same path).</summary>
        public static string NewBackupRoot()
        {
            var dir = Path.Combine(Lab.Root, "backups", "bk-tests-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            return dir;
        }

        public static void DeleteFolder(string dir)
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        /// <summary>Mounts a small tmpfs (we run as root, like CI); unmount it with <see cref="Unmount"/>.</summary>
        public static string MountTmpfs(string options)
        {
            var dir = Path.Combine(Path.GetTempPath(), "bk-tmpfs-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            TestProcess.Check("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir);
            return dir;
        }

        public static void Unmount(string dir)
        {
            try { TestProcess.Check("umount", dir); } catch (InvalidOperationException) { TestProcess.Check("umount", "-l", dir); }
            DeleteFolder(dir);
        }

        /// <summary>Flips one byte in the middle of a file.</summary>
        public static void FlipByte(string path)
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            var at = f.Length / 2;
            f.Position = at;
            var b = f.ReadByte();
            f.Position = at;
            f.WriteByte((byte)(b ^ 0x01));
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Npgsql;
using PlatformOps.Backup;
using PlatformOps.Tests.Infrastructure;
using Xunit;
using static PlatformOps.Tests.Backup.BackupTestKit;

namespace PlatformOps.Tests.Backup
{
    /// <summary>
    /// Restores that must not do harm (issue 9): database names that libpq would read as connection strings,
    /// database-level privileges and settings, roles that exist already, staging databases left by a killed run.
    /// </summary>
    [Collection(LabCollection.Name)]
    [Trait(Category.Name, Category.Docker)]
    public sealed class RestoreSafetyTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly string _root;
        private readonly List<string> _databases = new List<string>();
        private readonly List<string> _roles = new List<string>();

        public RestoreSafetyTests(PowerShellFixture ps)
        {
            _ps = ps;
            Lab.RequireProfile(Lab.DockerProfile);
            _ps.Invoke("Import-PlatformProfile -Path $args[0]", Lab.DockerProfile).ShouldSucceed();
            _root = NewBackupRoot();
        }

        public void Dispose()
        {
            foreach (var db in _databases) DropQuoted(db);
            foreach (var role in _roles)
            {
                try { Execute("postgres", $"DROP ROLE IF EXISTS {Ident(role)}"); } catch (NpgsqlException) { }
            }
            DeleteFolder(_root);
        }

        internal static string Ident(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

        internal static string Literal(string value) => "'" + value.Replace("'", "''") + "'";

        private static void DropQuoted(string name)
        {
            try { Execute("postgres", $"DROP DATABASE IF EXISTS {Ident(name)} WITH (FORCE)"); } catch (NpgsqlException) { }
        }

        private static bool Exists(string name)
        {
            using var c = Open();
            using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @n", c);
            cmd.Parameters.AddWithValue("n", name);
            return (long)cmd.ExecuteScalar()! > 0;
        }

        private static long Rows(string database, string table)
            => (long)Scalar(database, $"SELECT count(*) FROM {table}")!;

        /// <summary>A small database with one table of 50 rows; the name is used exactly as given (any characters).</summary>
        private string SmallDatabase(string name, int rows = 50)
        {
            _databases.Add(name);
            Execute("postgres", $"CREATE DATABASE {Ident(name)}");
            Execute(name, $"CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, {rows}) g;");
            return name;
        }

        private PlatformBackupSet Backup(string[] databases, string extra = "")
        {
            var r = _ps.Invoke($"Invoke-PlatformBackup -Path $args[0] -Database $args[1] -SkipRedis {extra}", _root, databases);
            r.ShouldSucceed();
            return Assert.Single(r.Objects<PlatformBackupSet>());
        }

        /// <summary>A name of exactly 63 bytes that starts with <paramref name="start"/> (padded with 2-byte 'é' and ASCII).</summary>
        private static string Name63(string start)
        {
            var sb = new StringBuilder(start);
            while (Encoding.UTF8.GetByteCount(sb.ToString()) <= 61) sb.Append('é');
            while (Encoding.UTF8.GetByteCount(sb.ToString()) < 63) sb.Append('x');
            Assert.Equal(63, Encoding.UTF8.GetByteCount(sb.ToString()));
            return sb.ToString();
        }

        [Theory]
        [InlineData("Host", "Directory")]
        [InlineData("Container", "Plain")]
        public void Database_names_that_look_like_connection_strings_are_only_ever_names(string toolMode, string format)
        {
            var r = Guid.NewGuid().ToString("N")[..6];
            // A victim that a connection-string name would point the tools at, and names with every awkward character.
            var victim = SmallDatabase(Prefix + "victim_" + r, rows: 3);
            var sources = new[]
            {
                SmallDatabase($"dbname={victim}", rows: 11),
                SmallDatabase($"{Prefix}{r} it's \"q\" \\ -x =y ü€😀", rows: 12),
                SmallDatabase($"-{Prefix}{r}-dash", rows: 13),
                SmallDatabase(Name63($"{Prefix}{r}_63 'é"), rows: 14),
            };
            var set = Backup(sources, $"-ToolMode {toolMode} -Format {format}");
            Assert.Equal(sources.OrderBy(s => s, StringComparer.Ordinal), set.Databases.OrderBy(s => s, StringComparer.Ordinal));
            Assert.Equal(3, Rows(victim, "t"));

            for (var i = 0; i < sources.Length; i++)
            {
                var target = i == 0 ? $"dbname={victim} application_name=" : i == 3 ? Name63($"{Prefix}{r}_T63 '") : sources[i] + " restored";
                _databases.Add(target);
                var restore = _ps.Invoke("Restore-PlatformDatabase -Path $args[0] -Database $args[1] -TargetDatabase $args[2] -ToolMode $args[3] -Confirm:$false",
                    set.Path, sources[i], target, toolMode);
                restore.ShouldSucceed();
                Assert.True(Exists(target), target);
                Assert.Equal(11 + i, Rows(target, "t"));
            }
            // The victim was never written to, and no staging database is left.
            Assert.Equal(3, Rows(victim, "t"));
            Assert.DoesNotContain(DatabasesLike("%\\_restoring\\_%"), d => d.Contains(r));
        }

        [Fact]
        public void A_killed_restore_with_container_tools_takes_pg_restore_and_its_workers_with_it()
        {
            var db = Prefix + "slowc_" + Guid.NewGuid().ToString("N")[..6];
            var target = db + "_copy";
            _databases.Add(db);
            _databases.Add(target);
            Execute("postgres", $"CREATE DATABASE {Ident(db)}");
            Execute(db, "CREATE FUNCTION public.slow(int) RETURNS boolean LANGUAGE sql AS 'SELECT true'");
            Execute(db, "CREATE TABLE t (x int CHECK (public.slow(x))); INSERT INTO t SELECT generate_series(1, 4000)");
            Execute(db, "CREATE OR REPLACE FUNCTION public.slow(int) RETURNS boolean LANGUAGE sql AS 'SELECT pg_sleep(0.05) IS NOT NULL'");
            var set = Backup(new[] { db }, "-ToolMode Container");

            // A session that must survive: a process orphaned to the container's PID 1 (the postmaster) that dies of a
            // signal would make PostgreSQL restart every session as after a backend crash.
            using var witness = Open();
            using var child = TestProcess.StartPwsh(
                $"Import-PlatformProfile '{Lab.DockerProfile}' | Out-Null; Restore-PlatformDatabase -Path '{set.Path}' -TargetDatabase '{target}' -ToolMode Container -Jobs 2 -Confirm:$false");
            int[] tools;
            try
            {
                var clock = Stopwatch.StartNew();
                do
                {
                    tools = RestoreIsolatedTests.ToolPids("pg_restore", set.Path);
                    if (tools.Length >= 3) break; // the leader and two workers
                    System.Threading.Thread.Sleep(200);
                }
                while (clock.Elapsed < TimeSpan.FromSeconds(90));
                Assert.True(tools.Length >= 3, $"pg_restore -j 2 did not start in the container: {tools.Length} process(es)");
                // kill -9 the pwsh (and the dotnet host that started it): nothing of ours runs any more.
                foreach (var pid in PwshTree(child.Id)) { try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } }
                foreach (var pid in tools) RestoreIsolatedTests.AssertGoneWithin(pid, TimeSpan.FromSeconds(5), "pg_restore in the container");
            }
            finally
            {
                child.Kill();
                child.WaitForExit(10_000);
            }
            using (var ping = new NpgsqlCommand("SELECT 1", witness)) Assert.Equal(1, ping.ExecuteScalar());
            var staging = DatabasesLike(target + "\\_restoring\\_%");
            var left = Assert.Single(staging);
            var listed = _ps.Invoke("Remove-PlatformBackupLeftover -Path $args[0] -WhatIf", _root);
            listed.ShouldSucceed();
            Assert.Contains(listed.Objects<PlatformBackupLeftover>(), l => l.Name == left && l.Kind == BackupLeftovers.StagingDatabase && l.Action == "Skipped");
            _databases.Add(left);
        }

        private static List<int> PwshTree(int pid)
            => PlatformOps.Common.DockerExec.Descendants(pid).Where(p =>
            {
                try { return Path.GetFileName(File.ReadAllText($"/proc/{p}/cmdline").Split('\0')[0]) is "dotnet" or "pwsh"; }
                catch (IOException) { return false; }
            }).Append(pid).ToList();
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Backup;
using PlatformOps.Common;
using PlatformOps.Tests.Infrastructure;
using PlatformOps.Tests.Wal;
using Xunit;

namespace PlatformOps.Tests.Backup
{
    /// <summary>
    /// Restores that change cluster-wide things (roles, passwords) or kill processes, in a throwaway PostgreSQL cluster
    /// of their own with host tools, so the shared lab is never touched.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class RestoreIsolatedTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly ThrowawayCluster _cluster;

        public RestoreIsolatedTests(PowerShellFixture ps)
        {
            _ps = ps;
            _cluster = new ThrowawayCluster(archiving: false, name: "restore");
        }

        public void Dispose() => _cluster.Dispose();

        private static string Ident(string name) => RestoreSafetyTests.Ident(name);

        /// <summary>The postgres password now (a test changes it).</summary>
        private string _password = string.Empty;

        private NpgsqlConnection Open(string database) => Lab.OpenPostgres(database, _cluster.Port, password: _password.Length > 0 ? _password : _cluster.Password);

        /// <summary>Runs each line-ending statement on its own (CREATE DATABASE cannot share a batch).</summary>
        private void Exec(string database, string sql)
        {
            using var c = Open(database);
            foreach (var statement in sql.Replace("\r", string.Empty).Split(";\n").Where(s => s.Trim().Length > 0))
            {
                using var cmd = new NpgsqlCommand(statement, c);
                cmd.ExecuteNonQuery();
            }
        }

        private object? Scalar(string sql, string database = "postgres")
        {
            using var c = Open(database);
            using var cmd = new NpgsqlCommand(sql, c);
            var v = cmd.ExecuteScalar();
            return v is DBNull ? null : v;
        }

        private object? Scalar(string sql, string name, string database)
        {
            using var c = Open(database);
            using var cmd = new NpgsqlCommand(sql, c);
            cmd.Parameters.AddWithValue("n", name);
            var v = cmd.ExecuteScalar();
            return v is DBNull ? null : v;
        }

        private bool DatabaseExists(string name) => (long)Scalar("SELECT count(*) FROM pg_database WHERE datname = @n", name, "postgres")! > 0;

        /// <summary>Everything a database is besides its data: owner, privileges, settings (its own and per role), connection limit, comment.</summary>
        private string Properties(string database)
            => (string)Scalar(@"SELECT concat_ws(' | ',
  'owner=' || pg_get_userbyid(d.datdba),
  'acl=' || coalesce((SELECT string_agg(coalesce(nullif(a.grantee, 0)::regrole::text, 'PUBLIC') || ':' || a.privilege_type || ':' || a.is_grantable, ',' ORDER BY 1)
                     FROM aclexplode(d.datacl) a), CASE WHEN d.datacl IS NULL THEN 'default' ELSE 'none' END),
  'settings=' || coalesce((SELECT string_agg(coalesce(nullif(s.setrole, 0)::regrole::text, '*') || ':' || array_to_string(s.setconfig, ';'), ',' ORDER BY 1)
                          FROM pg_db_role_setting s WHERE s.setdatabase = d.oid), ''),
  'limit=' || d.datconnlimit,
  'comment=' || coalesce(shobj_description(d.oid, 'pg_database'), '(none)'))
FROM pg_database d WHERE d.datname = @n", database, "postgres")!;

        private PlatformBackupSet Backup(string database, string extra = "")
        {
            var r = _ps.Invoke($"Invoke-PlatformBackup -Profile $args[0] -Database $args[1] -SkipRedis {extra}", _cluster.ProfilePath, database);
            r.ShouldSucceed();
            return Assert.Single(r.Objects<PlatformBackupSet>());
        }

        [Theory]
        [InlineData("Directory")]
        [InlineData("Plain")]
        public void A_database_closed_to_PUBLIC_stays_closed_with_its_settings_owner_and_comment(string format)
        {
            const string db = "locked db";
            Exec("postgres", @"CREATE ROLE owner_r NOLOGIN; CREATE ROLE reader LOGIN PASSWORD 'r'; CREATE ROLE outsider LOGIN PASSWORD 'o';
CREATE DATABASE ""locked db"" OWNER owner_r;
REVOKE CONNECT, TEMPORARY ON DATABASE ""locked db"" FROM PUBLIC;
GRANT CONNECT ON DATABASE ""locked db"" TO reader;
GRANT CREATE ON DATABASE ""locked db"" TO reader WITH GRANT OPTION;
ALTER DATABASE ""locked db"" SET statement_timeout = '5s';
ALTER DATABASE ""locked db"" SET search_path = ""$user"", public, ""Odd Schema"";
ALTER ROLE reader IN DATABASE ""locked db"" SET work_mem = '8MB';
ALTER DATABASE ""locked db"" CONNECTION LIMIT 7;
COMMENT ON DATABASE ""locked db"" IS 'it''s \ the db';");
            Exec(db, "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100);");
            var original = Properties(db);
            Assert.DoesNotContain("PUBLIC:CONNECT", original);

            var set = Backup(db, $"-Format {format}");
            Assert.NotNull(set.Manifest.Files.Single(f => f.Kind == "Database").Properties);

            // Under a new name: the copy is as closed as the original, and a login without a grant cannot connect.
            var copy = "locked copy";
            var r = _ps.Invoke("Restore-PlatformDatabase -Profile $args[0] -Path $args[1] -TargetDatabase $args[2] -Confirm:$false", _cluster.ProfilePath, set.Path, copy);
            r.ShouldSucceed();
            var result = Assert.Single(r.Objects<DatabaseRestoreResult>());
            Assert.Contains(result.PropertiesRestored, p => p.Contains("REVOKE ALL FROM PUBLIC"));
            Assert.Equal(original, Properties(copy));
            Assert.False((bool)Scalar("SELECT has_database_privilege('outsider', @n, 'CONNECT')", copy, "postgres")!);
            Assert.True((bool)Scalar("SELECT has_database_privilege('reader', @n, 'CONNECT')", copy, "postgres")!);

            // In place, after someone opened it and reset its settings: the restore closes it again.
            Exec("postgres", @"GRANT ALL ON DATABASE ""locked db"" TO PUBLIC; ALTER DATABASE ""locked db"" RESET ALL; COMMENT ON DATABASE ""locked db"" IS NULL;");
            Assert.NotEqual(original, Properties(db));
            var inPlace = _ps.Invoke("Restore-PlatformDatabase -Profile $args[0] -Path $args[1] -Database $args[2] -TerminateConnections -Confirm:$false", _cluster.ProfilePath, set.Path, db);
            inPlace.ShouldSucceed();
            Assert.True(Assert.Single(inPlace.Objects<DatabaseRestoreResult>()).Replaced);
            Assert.Equal(original, Properties(db));
            Assert.Equal(100L, (long)Scalar("SELECT count(*) FROM t", db)!);

            // Test-PlatformBackup -Restore applies them to its scratch copy too, and drops only that copy.
            var test = _ps.Invoke("Test-PlatformBackup -Profile $args[0] -Path $args[1] -Restore", _cluster.ProfilePath, set.Path);
            test.ShouldSucceed();
            var tested = Assert.Single(test.Objects<BackupTestResult>());
            Assert.True(tested.Passed, string.Join("; ", tested.Failures));
            Assert.Contains(tested.Checks, c => c.Kind == "Properties" && c.Passed && c.Detail!.Contains("settings"));
            Assert.Equal(0L, (long)Scalar("SELECT count(*) FROM pg_database WHERE datname LIKE 'pgops_verify_%' OR datname LIKE '%\\_restoring\\_%'")!);
        }

        [Fact]
        public void IncludeGlobals_creates_missing_roles_and_leaves_existing_ones_unless_OverwriteRoles()
        {
            const string db = "rolesdb";
            Exec("postgres", @"CREATE ROLE keep_r LOGIN PASSWORD 'old-pw'; CREATE ROLE gone_r LOGIN PASSWORD 'gone-pw'; GRANT keep_r TO gone_r;
CREATE DATABASE rolesdb;");
            Exec(db, "CREATE TABLE t (id int); INSERT INTO t VALUES (1);");
            string Hash(string role) => (string)Scalar($"SELECT rolpassword FROM pg_authid WHERE rolname = '{role}'")!;
            var oldKeep = Hash("keep_r");
            var oldPostgres = Hash("postgres");
            var set = Backup(db);
            Assert.True(set.HasGlobals);

            // After the backup: keep_r is disabled and given a new password, gone_r dropped, postgres' password changed.
            var newPassword = string.Concat("new-postgres-", "pw-", "4711");
            Exec("postgres", $"ALTER ROLE keep_r NOLOGIN PASSWORD 'new-pw'; DROP ROLE gone_r; ALTER ROLE postgres PASSWORD '{newPassword}';");
            File.WriteAllText(_cluster.PassFile, $"127.0.0.1:{_cluster.Port}:*:postgres:{newPassword}\n");
            _password = newPassword;
            var newKeep = Hash("keep_r");
            var newPostgres = Hash("postgres");
            Assert.NotEqual(oldKeep, newKeep);

            var r = _ps.Invoke("Restore-PlatformDatabase -Profile $args[0] -Path $args[1] -TargetDatabase copy1 -IncludeGlobals -Confirm:$false", _cluster.ProfilePath, set.Path);
            r.ShouldSucceed();
            var result = Assert.Single(r.Objects<DatabaseRestoreResult>());
            Assert.Equal(new[] { "gone_r" }, result.RolesCreated.ToArray());
            Assert.Contains("keep_r", result.RolesSkipped);
            Assert.Contains("postgres", result.RolesSkipped);
            Assert.Empty(result.RolesOverwritten);
            Assert.Equal(0, result.GlobalsErrors);
            Assert.False((bool)Scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'keep_r'")!);
            Assert.Equal(newKeep, Hash("keep_r"));
            Assert.Equal(newPostgres, Hash("postgres"));
            Assert.True((bool)Scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'gone_r'")!);
            Assert.True((bool)Scalar("SELECT pg_has_role('gone_r', 'keep_r', 'MEMBER')")!);

            var refused = _ps.Invoke("Restore-PlatformDatabase -Profile $args[0] -Path $args[1] -TargetDatabase copy2 -OverwriteRoles -Confirm:$false", _cluster.ProfilePath, set.Path);
            Assert.Equal("PlatformBackupOverwriteRolesWithoutGlobals", refused.ErrorId);

            var whatIf = _ps.Invoke("Restore-PlatformDatabase -Profile $args[0] -Path $args[1] -TargetDatabase copy2 -IncludeGlobals -OverwriteRoles -WhatIf", _cluster.ProfilePath, set.Path);
            whatIf.ShouldSucceed();
            Assert.Equal(newKeep, Hash("keep_r"));
            Assert.False(DatabaseExists("copy2"));

            var overwrite = _ps.Invoke("Restore-PlatformDatabase -Profile $args[0] -Path $args[1] -TargetDatabase copy2 -IncludeGlobals -OverwriteRoles -Confirm:$false", _cluster.ProfilePath, set.Path);
            overwrite.ShouldSucceed();
            var over = Assert.Single(overwrite.Objects<DatabaseRestoreResult>());
            Assert.Contains("keep_r", over.RolesOverwritten);
            Assert.True((bool)Scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'keep_r'")!);
            Assert.Equal(oldKeep, Hash("keep_r"));
            // The login the restore runs as is never reset: its old password would cut the restore off half-way.
            Assert.Equal(new[] { "postgres" }, over.RolesSkipped.ToArray());
            Assert.Equal(newPostgres, Hash("postgres"));
            Assert.NotEqual(oldPostgres, newPostgres);
            Assert.True(DatabaseExists("copy2"));
        }

        /// <summary>Every process whose command line holds <paramref name="marker"/>: (pid, parent pid, program).</summary>
        internal static List<(int Pid, int Parent, string Program)> ProcessesWith(string marker)
        {
            var found = new List<(int, int, string)>();
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                try
                {
                    var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                    if (!cmdline.Any(a => a.Contains(marker, StringComparison.Ordinal))) continue;
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    if (fields[0] == "Z") continue;
                    found.Add((pid, int.Parse(fields[1]), Path.GetFileName(cmdline[0])));
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            return found;
        }

        private static (int Parent, string Program) ParentOf(int pid)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
            var cmdline = File.ReadAllText($"/proc/{parent}/cmdline").Split('\0');
            return (parent, Path.GetFileName(cmdline[0]));
        }

        /// <summary>
        /// Waits for a tool whose command line holds <paramref name="marker"/>, then SIGKILLs the process running the
        /// module that started it (the first ancestor that is not the tool, its guard shell or setpriv): the pwsh.
        /// </summary>
        internal static (int ToolPid, int[] AllPids) KillTheParentOf(string tool, string marker, TimeSpan within, RunningProcess? child = null)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < within)
            {
                var all = ProcessesWith(marker);
                // The leader, not one of its parallel workers (whose parent is the leader).
                var match = all.FirstOrDefault(p => p.Program == tool && !all.Any(q => q.Pid == p.Parent && q.Program == tool));
                if (match.Pid != 0)
                {
                    Thread.Sleep(1000); // let it get going
                    var (owner, program) = ParentOf(match.Pid);
                    while (program == tool || program == "sh" || program == "setpriv" || program == "setsid")
                        (owner, program) = ParentOf(owner);
                    Assert.True(program == "dotnet" || program.StartsWith("pwsh", StringComparison.Ordinal), $"the {tool} was started by {program} ({owner})");
                    var pids = ToolPids(tool, marker);
                    using var parent = Process.GetProcessById(owner);
                    parent.Kill(); // SIGKILL, that process only
                    return (match.Pid, pids);
                }
                Thread.Sleep(100);
            }
            var output = child == null ? string.Empty : child.HasExited ? child.Output : "(still running)";
            throw new TimeoutException($"no {tool} with '{marker}' in its command line started within {within.TotalSeconds} s: {output}");
        }

        /// <summary>The pids of the processes (tool and workers) whose command line holds the marker and whose program is the tool.</summary>
        internal static int[] ToolPids(string tool, string marker) => ProcessesWith(marker).Where(p => p.Program == tool).Select(p => p.Pid).ToArray();

        internal static void AssertGoneWithin(int pid, TimeSpan within, string what)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < within)
            {
                var stat = $"/proc/{pid}/stat";
                if (!File.Exists(stat)) return;
                try
                {
                    var text = File.ReadAllText(stat);
                    if (text[text.LastIndexOf(')') + 2] == 'Z') return;
                }
                catch (IOException) { return; }
                Thread.Sleep(100);
            }
            Assert.Fail($"{what} (pid {pid}) still runs {within.TotalSeconds} s after the pwsh that started it was killed");
        }

        [Fact]
        public void A_killed_restore_takes_pg_restore_with_it_and_its_staging_database_is_reported_and_removed()
        {
            const string db = "slowdb";
            // Each row's CHECK sleeps 50 ms when the data is loaded again: the restore takes minutes, whatever the machine.
            Exec("postgres", "CREATE DATABASE slowdb;");
            Exec(db, @"CREATE FUNCTION public.slow(int) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE TABLE t (x int CHECK (public.slow(x))); INSERT INTO t SELECT generate_series(1, 4000);
CREATE OR REPLACE FUNCTION public.slow(int) RETURNS boolean LANGUAGE sql AS 'SELECT pg_sleep(0.05) IS NOT NULL';");
            var set = Backup(db);
            // A database that merely looks like a staging database: never touched.
            Exec("postgres", "CREATE DATABASE \"slowcopy_restoring_deadbeef\"");

            using var child = TestProcess.StartPwsh($"Restore-PlatformDatabase -Profile '{_cluster.ProfilePath}' -Path '{set.Path}' -TargetDatabase slowcopy -Jobs 2 -Confirm:$false");
            try
            {
                var (_, pids) = KillTheParentOf("pg_restore", set.Path, TimeSpan.FromSeconds(90), child);
                Assert.True(pids.Length >= 2, "pg_restore -j 2 runs a leader and workers");
                foreach (var pid in pids) AssertGoneWithin(pid, TimeSpan.FromSeconds(5), "pg_restore (leader or worker)");
            }
            finally
            {
                child.Kill();
                child.WaitForExit(10_000);
            }
            var staging = (string)Scalar("SELECT datname FROM pg_database WHERE datname LIKE 'slowcopy\\_restoring\\_%' AND datname <> 'slowcopy_restoring_deadbeef'")!;
            Assert.NotNull(staging);
            Assert.False(DatabaseExists("slowcopy"));
            // The server side goes too: the backend of the killed COPY notices its client is gone (client_connection_check_interval).
            var wait = Stopwatch.StartNew();
            while ((long)Scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = @n", staging, "postgres")! > 0 && wait.Elapsed < TimeSpan.FromSeconds(15)) Thread.Sleep(200);
            Assert.Equal(0L, (long)Scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = @n", staging, "postgres")!);

            var listed = _ps.Invoke("Get-PlatformBackup -Profile $args[0]", _cluster.ProfilePath);
            listed.ShouldSucceed();
            Assert.Contains(listed.Warnings, w => w.Contains(staging) && w.Contains("Remove-PlatformBackupLeftover"));
            Assert.DoesNotContain(listed.Warnings, w => w.Contains("deadbeef"));

            var whatIf = _ps.Invoke("Remove-PlatformBackupLeftover -Profile $args[0] -WhatIf", _cluster.ProfilePath);
            whatIf.ShouldSucceed();
            var seen = Assert.Single(whatIf.Objects<PlatformBackupLeftover>());
            Assert.Equal((BackupLeftovers.StagingDatabase, staging, "Skipped", false), (seen.Kind, seen.Name, seen.Action, seen.OwnerRunning));
            Assert.True(DatabaseExists(staging));

            var removed = _ps.Invoke("Remove-PlatformBackupLeftover -Profile $args[0] -Confirm:$false", _cluster.ProfilePath);
            removed.ShouldSucceed();
            Assert.Equal("Removed", Assert.Single(removed.Objects<PlatformBackupLeftover>()).Action);
            Assert.False(DatabaseExists(staging));
            Assert.True(DatabaseExists("slowcopy_restoring_deadbeef"));
        }

        [Fact]
        public void A_killed_backup_takes_pg_dump_with_it()
        {
            const string db = "lockeddb";
            Exec("postgres", "CREATE DATABASE lockeddb;");
            Exec(db, "CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 10);");
            using var holder = _cluster.Open(db);
            using (var lockTable = new NpgsqlCommand("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE", holder)) lockTable.ExecuteNonQuery();
            using var child = TestProcess.StartPwsh($"Invoke-PlatformBackup -Profile '{_cluster.ProfilePath}' -Database {db} -SkipRedis");
            try
            {
                var (tool, _) = KillTheParentOf("pg_dump", _cluster.Backups, TimeSpan.FromSeconds(90), child);
                AssertGoneWithin(tool, TimeSpan.FromSeconds(5), "pg_dump");
            }
            finally
            {
                child.Kill();
                child.WaitForExit(10_000);
            }
            var partial = Assert.Single(BackupLeftovers.FindPartialSets(_cluster.Backups));
            Assert.False(partial.OwnerRunning);
            var listed = _ps.Invoke("Get-PlatformBackup -Profile $args[0]", _cluster.ProfilePath);
            Assert.Contains(listed.Warnings, w => w.Contains(partial.Name));
        }

        [Fact]
        public async Task A_child_outlives_the_thread_that_started_it()
        {
            // PR_SET_PDEATHSIG fires when the parent THREAD ends: a tool started from a short-lived thread must keep running.
            Task<ProcessResult>? run = null;
            var thread = new Thread(() => run = ProcessRunner.RunAsync(new ProcessSpec("sleep", "2"), CancellationToken.None));
            thread.Start();
            thread.Join();
            var result = await run!;
            Assert.Equal(0, result.ExitCode);
            Assert.True(result.Duration > TimeSpan.FromSeconds(1.5));
        }
    }
}

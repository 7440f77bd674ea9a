using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using Npgsql;
using PlatformOps.Backup;
using PlatformOps.Tests.Infrastructure;
using Xunit;
using static PlatformOps.Tests.Backup.BackupTestKit;

namespace PlatformOps.Tests.Backup
{
    /// <summary>Backups of the lab's real PostgreSQL: round trips with host and in-container tools, verification, in-place restores, failures.</summary>
    [Collection(LabCollection.Name)]
    [Trait(Category.Name, Category.Docker)]
    public sealed class PostgresBackupTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly string _root;

        public PostgresBackupTests(PowerShellFixture ps)
        {
            _ps = ps;
            Lab.RequireProfile(Lab.DockerProfile);
            _ps.Invoke("Import-PlatformProfile -Path $args[0]", Lab.DockerProfile).ShouldSucceed();
            _root = NewBackupRoot();
        }

        public void Dispose() => DeleteFolder(_root);

        private PlatformBackupSet Backup(string database, string extra = "")
        {
            var r = _ps.Invoke($"Invoke-PlatformBackup -Path $args[0] -Database $args[1] -SkipRedis {extra}", _root, database);
            r.ShouldSucceed();
            return Assert.Single(r.Objects<PlatformBackupSet>());
        }

        [Fact]
        public void Host_tools_directory_format_round_trip_restores_the_data_exactly()
        {
            var db = NewName("host");
            var restored = db + "_r";
            try
            {
                CreateRichDatabase(db);
                var set = Backup(db, "-ToolMode Host");
                Assert.Equal("Host", set.ToolMode);
                Assert.Equal(new[] { db }, set.Databases.ToArray());
                Assert.True(set.HasGlobals);
                var entry = set.Manifest.Files.Single(f => f.Kind == "Database");
                Assert.Equal("Directory", entry.Format);
                Assert.Equal("gzip", entry.Compression);
                Assert.Equal(3000, entry.Tables!.Single(t => t.Schema == "sales" && t.Name == "orders").Rows);
                Assert.Equal(3, entry.Tables!.Single(t => t.Schema == "audit" && t.Name == "events").Rows);
                Assert.Equal(1, entry.LargeObjects);
                Assert.All(entry.Parts!, p => Assert.Equal(64, p.Sha256.Length));
                Assert.True(File.Exists(Path.Combine(set.Path, "manifest.json")));
                Assert.Empty(Directory.GetDirectories(_root, ".*"));

                var latest = _ps.Invoke("Get-PlatformBackup -Path $args[0] -Latest", _root);
                Assert.Equal(set.Id, Assert.Single(latest.Objects<PlatformBackupSet>()).Id);

                var r = _ps.Invoke("Get-PlatformBackup -Path $args[0] -Latest | Restore-PlatformDatabase -TargetDatabase $args[1] -Confirm:$false", _root, restored);
                r.ShouldSucceed();
                var result = Assert.Single(r.Objects<DatabaseRestoreResult>());
                Assert.False(result.Replaced);
                Assert.Equal(3000 + 3 + 2, result.RowsVerified);
                Assert.Equal(Fingerprint(db), Fingerprint(restored));
                Assert.Empty(DatabasesLike(restored + "_restoring%"));
            }
            finally
            {
                Drop(db);
                Drop(restored);
            }
        }

        [Fact]
        public void Container_tools_plain_gzip_round_trip_restores_the_data_exactly()
        {
            var db = NewName("ctr");
            var restored = db + "_r";
            try
            {
                CreateRichDatabase(db);
                var set = Backup(db, "-ToolMode Container -Format Plain");
                Assert.Equal("Container", set.ToolMode);
                var entry = set.Manifest.Files.Single(f => f.Kind == "Database");
                Assert.EndsWith(".sql.gz", entry.Name);
                TestProcess.Check("gzip", "-t", Path.Combine(set.Path, entry.Name)); // what the usual scripts make, readable by gunzip

                var r = _ps.Invoke("Restore-PlatformDatabase -Path $args[0] -TargetDatabase $args[1] -ToolMode Container -Confirm:$false", set.Path, restored);
                r.ShouldSucceed();
                Assert.Equal(Fingerprint(db), Fingerprint(restored));
            }
            finally
            {
                Drop(db);
                Drop(restored);
            }
        }

        [Fact]
        public void Invoke_piped_to_Test_with_Restore_proves_the_set_and_records_the_measured_RTO()
        {
            var db = NewName("ver");
            try
            {
                CreateRichDatabase(db);
                var r = _ps.Invoke("Invoke-PlatformBackup -Path $args[0] -Database $args[1] -Format Plain -Compression Zstd | Test-PlatformBackup -Restore", _root, db);
                r.ShouldSucceed();
                var test = Assert.Single(r.Objects<BackupTestResult>());
                Assert.True(test.Passed, string.Join("; ", test.Failures));
                Assert.True(test.Restored);
                Assert.True(test.RestoreDuration > TimeSpan.Zero);
                Assert.Equal(3, test.TablesCompared);
                Assert.Equal(3005, test.RowsCompared);
                Assert.Contains(test.Checks, c => c.Kind == "RowCount" && c.Passed);
                Assert.Contains(test.Checks, c => c.Kind == "KeyCount" && c.Passed); // the lab's Redis, loaded into a scratch redis-server
                Assert.Empty(DatabasesLike("pgops_verify_%" + test.Id.Replace("-", "_").ToLowerInvariant()));

                var set = Assert.Single(_ps.Invoke("Get-PlatformBackup -Path $args[0] -Id $args[1]", _root, test.Id).Objects<PlatformBackupSet>());
                Assert.True(set.LastRestorePassed);
                Assert.True(set.LastVerifyPassed);
                Assert.NotNull(set.MeasuredRto);
                Assert.EndsWith(".sql.zst", set.Manifest.Files.Single(f => f.Kind == "Database").Name);
            }
            finally
            {
                Drop(db);
            }
        }

        [Fact]
        public void A_local_scratch_cluster_restores_globals_and_databases_and_leaves_nothing_behind()
        {
            var db = NewName("local");
            try
            {
                CreateRichDatabase(db);
                var set = Backup(db);
                var before = Directory.GetDirectories(Path.GetTempPath(), "platformops-scratch-pg-*").Length;
                var r = _ps.Invoke("$args[0] | Test-PlatformBackup -Restore -ScratchServer Local", set);
                r.ShouldSucceed();
                var test = Assert.Single(r.Objects<BackupTestResult>());
                Assert.True(test.Passed, string.Join("; ", test.Failures));
                Assert.Equal("Local", test.RestoredOn);
                Assert.Equal(3005, test.RowsCompared);
                Assert.Contains(test.Checks, c => c.Kind == "Restore" && c.Name == "globals.sql.gz" && c.Passed);
                Assert.Equal(before, Directory.GetDirectories(Path.GetTempPath(), "platformops-scratch-pg-*").Length);
                Assert.Equal("0", TestProcess.Check("bash", "-c", "pgrep -c -f '[p]latformops-scratch-pg-' || true").Trim());
                var listed = Assert.Single(_ps.Invoke("Get-PlatformBackup -Path $args[0]", set.Path).Objects<PlatformBackupSet>());
                Assert.Equal("Local", listed.RestoredOn);
                Assert.True(listed.LastRestorePassed);

                // A set without globals: the platform's roles are unknown to the scratch cluster, and that is not a failure.
                foreach (var format in new[] { "Directory", "Plain" })
                {
                    var bare = Backup(db, $"-SkipGlobals -Format {format}");
                    var t = Assert.Single(_ps.Invoke("$args[0] | Test-PlatformBackup -Restore -ScratchServer Local", bare).Objects<BackupTestResult>());
                    Assert.True(t.Passed, format + ": " + string.Join("; ", t.Failures));
                    Assert.Equal(3005, t.RowsCompared);
                }
            }
            finally
            {
                Drop(db);
            }
        }

        [Fact]
        public void A_flipped_byte_in_any_file_is_caught_before_a_restore_starts()
        {
            var db = NewName("flip");
            var target = db + "_r";
            try
            {
                CreateRichDatabase(db);
                var r = _ps.Invoke("Invoke-PlatformBackup -Path $args[0] -Database $args[1]", _root, db); // with the lab's Redis
                r.ShouldSucceed();
                var set = Assert.Single(r.Objects<PlatformBackupSet>());
                var files = Directory.GetFiles(set.Path, "*", SearchOption.AllDirectories)
                    .Where(f => !f.EndsWith("manifest.json") && !f.EndsWith("manifest.json.sha256") && !f.EndsWith("verification.json")).ToList();
                Assert.Contains(files, f => f.EndsWith("toc.dat"));
                Assert.Contains(files, f => f.EndsWith(".dat.gz"));
                Assert.Contains(files, f => f.EndsWith("globals.sql.gz"));
                Assert.Contains(files, f => f.EndsWith("redis.rdb"));
                foreach (var file in files)
                {
                    FlipByte(file);
                    try
                    {
                        var name = Path.GetFileName(file);
                        var test = Assert.Single(_ps.Invoke("Test-PlatformBackup -Path $args[0] -WarningAction SilentlyContinue", set.Path).Objects<BackupTestResult>());
                        Assert.False(test.Passed, $"a flipped byte in {name} went unnoticed");
                        Assert.Contains(test.Failures, c => c.Name.EndsWith(name) && c.Detail!.Contains("SHA-256"));

                        var restore = name.EndsWith(".rdb")
                            ? _ps.Invoke("Restore-PlatformRedis -Path $args[0] -Container bk-no-such-container -Confirm:$false", set.Path)
                            : _ps.Invoke("Restore-PlatformDatabase -Path $args[0] -TargetDatabase $args[1] -IncludeGlobals -Confirm:$false", set.Path, target);
                        Assert.Equal("PlatformBackupChecksumMismatch", restore.ErrorId);
                        Assert.Contains(name, restore.ErrorMessage);
                        Assert.False(DatabaseExists(target));
                    }
                    finally
                    {
                        FlipByte(file);
                    }
                }
                Assert.True(Assert.Single(_ps.Invoke("Test-PlatformBackup -Path $args[0]", set.Path).Objects<BackupTestResult>()).Passed);
            }
            finally
            {
                Drop(db);
                Drop(target);
            }
        }

        [Fact]
        public void In_place_restore_refuses_a_database_in_use_shows_its_steps_and_ends_sessions_when_told()
        {
            var db = NewName("inplace");
            try
            {
                CreateRichDatabase(db);
                var original = Fingerprint(db);
                var set = Backup(db);
                Execute(db, "DELETE FROM sales.orders WHERE id > 100; UPDATE audit.events SET big = 'changed'");
                var changed = Fingerprint(db);
                Assert.NotEqual(original, changed);

                using var client = Open(db);
                var refused = _ps.Invoke("Restore-PlatformDatabase -Path $args[0] -Database $args[1] -Confirm:$false", set.Path, db);
                Assert.Equal("PlatformDatabaseInUse", refused.ErrorId);
                Assert.Contains("-TerminateConnections", refused.ErrorMessage);

                var whatIf = _ps.Invoke("Restore-PlatformDatabase -Path $args[0] -Database $args[1] -TerminateConnections -IncludeGlobals -WhatIf", set.Path, db);
                whatIf.ShouldSucceed();
                Assert.Empty(whatIf.Objects<DatabaseRestoreResult>());
                using (var ping = new NpgsqlCommand("SELECT 1", client)) Assert.Equal(1, ping.ExecuteScalar());
                Assert.Equal(changed, Fingerprint(db));
                Assert.Empty(DatabasesLike(db + "_%"));

                var r = _ps.Invoke("Restore-PlatformDatabase -Path $args[0] -Database $args[1] -TerminateConnections -IncludeGlobals -Confirm:$false", set.Path, db);
                r.ShouldSucceed();
                var result = Assert.Single(r.Objects<DatabaseRestoreResult>());
                Assert.True(result.Replaced);
                Assert.True(result.GlobalsRestored);
                Assert.Equal(original, Fingerprint(db));
                Assert.Empty(DatabasesLike(db + "_%"));
                Assert.ThrowsAny<Exception>(() => { using var ping = new NpgsqlCommand("SELECT 1", client); ping.ExecuteScalar(); });
            }
            finally
            {
                Drop(db);
            }
        }

        [Fact]
        public void WhatIf_backs_up_nothing_and_a_wrong_password_or_missing_database_gives_a_clear_error()
        {
            var whatIf = _ps.Invoke("Invoke-PlatformBackup -Path $args[0] -WhatIf", _root);
            whatIf.ShouldSucceed();
            Assert.Empty(Directory.GetFileSystemEntries(_root));

            const string wrong = "not-the-password-4711";
            var bad = _ps.Invoke("Invoke-PlatformBackup -Path $args[0] -SkipRedis -Credential ([pscredential]::new('postgres', (ConvertTo-SecureString $args[1] -AsPlainText -Force)))", _root, wrong);
            Assert.Equal("PostgresAuthenticationFailed", bad.ErrorId);
            Assert.DoesNotContain(wrong, bad.Transcript);

            var missing = _ps.Invoke("Invoke-PlatformBackup -Path $args[0] -SkipRedis -Database bk_t_no_such_database", _root);
            Assert.Equal("PostgresDatabaseNotFound", missing.ErrorId);
            Assert.Contains("bk_t_no_such_database", missing.ErrorMessage);
            Assert.Empty(Directory.GetFileSystemEntries(_root));
        }

        [Fact]
        public void An_unwritable_folder_and_a_full_disk_give_clear_errors_and_leave_nothing()
        {
            var db = NewName("full");
            var readOnly = MountTmpfs("ro,size=1m");
            var small = MountTmpfs("size=2m");
            try
            {
                CreateRichDatabase(db, withNoise: true);
                var ro = _ps.Invoke("Invoke-PlatformBackup -Path $args[0] -Database $args[1] -SkipRedis", Path.Combine(readOnly, "backups"), db);
                Assert.Equal("PlatformBackupFolderUnwritable", ro.ErrorId);
                Assert.Contains(readOnly, ro.ErrorMessage);

                foreach (var format in new[] { "Directory", "Plain" })
                {
                    var full = _ps.Invoke($"Invoke-PlatformBackup -Path $args[0] -Database $args[1] -SkipRedis -Format {format}", small, db);
                    Assert.True(full.ErrorId == "PlatformBackupDiskFull", $"{format}: {full.ErrorId} {full.ErrorMessage}");
                    Assert.Contains("full", full.ErrorMessage);
                    Assert.Empty(Directory.GetFileSystemEntries(small));
                }
                Assert.Empty(_ps.Invoke("Get-PlatformBackup -Path $args[0]", small).Objects<PlatformBackupSet>());
            }
            finally
            {
                Unmount(readOnly);
                Unmount(small);
                Drop(db);
            }
        }

        /// <summary>Holds an exclusive lock on a table so that pg_dump waits: a backup caught halfway, on purpose.</summary>
        private static NpgsqlConnection HoldLock(string db)
        {
            var c = Open(db);
            using var cmd = new NpgsqlCommand("BEGIN; LOCK TABLE sales.orders IN ACCESS EXCLUSIVE MODE", c);
            cmd.ExecuteNonQuery();
            return c;
        }

        private static void WaitForBlockedDump(string root)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                var waiting = (long)Scalar("postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'platformops-backup-%' AND wait_event_type = 'Lock'")!;
                if (waiting > 0 && Directory.GetDirectories(root, ".*.partial").Length > 0) return;
                Thread.Sleep(100);
            }
            throw new TimeoutException("the backup never reached pg_dump");
        }

        [Fact]
        public void A_backup_stopped_by_ctrl_c_or_losing_its_server_leaves_no_set()
        {
            var db = NewName("stop");
            try
            {
                CreateRichDatabase(db);
                // Ctrl+C: the pipeline is stopped while pg_dump waits.
                using (var holder = HoldLock(db))
                using (var ps = PowerShell.Create())
                {
                    ps.Runspace = _ps.Runspace;
                    ps.AddScript("Invoke-PlatformBackup -Path $args[0] -Database $args[1] -SkipRedis").AddArgument(_root).AddArgument(db);
                    var running = ps.BeginInvoke();
                    WaitForBlockedDump(_root);
                    var clock = Stopwatch.StartNew();
                    ps.Stop();
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {clock.Elapsed}");
                    Assert.Empty(Directory.GetFileSystemEntries(_root));
                    var left = (long)Scalar("postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'platformops-backup-%'")!;
                    Assert.Equal(0, left);
                }

                // The server goes away under pg_dump (its session is terminated).
                using (var holder = HoldLock(db))
                using (var ps = PowerShell.Create())
                {
                    ps.Runspace = _ps.Runspace;
                    ps.AddScript("Invoke-PlatformBackup -Path $args[0] -Database $args[1] -SkipRedis").AddArgument(_root).AddArgument(db);
                    var running = ps.BeginInvoke();
                    WaitForBlockedDump(_root);
                    Scalar("postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'platformops-backup-%'");
                    using (var rollback = new NpgsqlCommand("ROLLBACK", holder)) rollback.ExecuteNonQuery();
                    Exception? error = null;
                    try { ps.EndInvoke(running); } catch (RuntimeException ex) { error = ex; }
                    var id = (error as IContainsErrorRecord)?.ErrorRecord.FullyQualifiedErrorId ?? ps.Streams.Error.FirstOrDefault()?.FullyQualifiedErrorId ?? "(none)";
                    Assert.StartsWith("PlatformBackupServerLost", id);
                    Assert.Empty(Directory.GetFileSystemEntries(_root));
                }
            }
            finally
            {
                Drop(db);
            }
        }

        [Fact]
        public void A_killed_backup_leaves_no_set_and_the_next_backup_sweeps_its_partial_folder()
        {
            var db = NewName("kill");
            try
            {
                CreateRichDatabase(db);
                using var holder = HoldLock(db);
                using var child = TestProcess.StartPwsh($"Import-PlatformProfile '{Lab.DockerProfile}' | Out-Null; Invoke-PlatformBackup -Path '{_root}' -Database '{db}' -SkipRedis");
                try
                {
                    WaitForBlockedDump(_root);
                }
                finally
                {
                    child.Kill();
                    child.WaitForExit(10_000);
                }
                using (var rollback = new NpgsqlCommand("ROLLBACK", holder)) rollback.ExecuteNonQuery();

                Assert.Empty(_ps.Invoke("Get-PlatformBackup -Path $args[0]", _root).Objects<PlatformBackupSet>());
                Assert.Single(Directory.GetDirectories(_root, ".*.partial"));
                Assert.DoesNotContain(Directory.GetDirectories(_root), d => !Path.GetFileName(d).StartsWith('.'));

                var next = Backup(db);
                Assert.Equal(new[] { next.Path }, Directory.GetFileSystemEntries(_root));
            }
            finally
            {
                Drop(db);
            }
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Threading;
using PlatformOps.Tests.Infrastructure;
using PlatformOps.Wal;
using Xunit;

namespace PlatformOps.Tests.Wal
{
    /// <summary>WAL archiving on throwaway clusters (restarts and broken commands stay off the shared lab).</summary>
    [Collection(LabCollection.Name)]
    public sealed class WalTests
    {
        private readonly PowerShellFixture _ps;

        public WalTests(PowerShellFixture ps) => _ps = ps;

        [Fact]
        public void Enabling_archiving_needs_a_restart_once_then_a_switch_is_archived()
        {
            using var pg = new ThrowawayCluster(archiving: false, "enable");
            var autoConf = Path.Combine(pg.Data, "postgresql.auto.conf");
            var before = File.ReadAllText(autoConf);

            var whatIf = _ps.Invoke("Enable-PlatformWalArchiving -Profile $args[0] -WhatIf", pg.ProfilePath);
            whatIf.ShouldSucceed();
            Assert.Empty(whatIf.Output);
            Assert.Equal(before, File.ReadAllText(autoConf));
            Assert.Equal("off", pg.Scalar<string>("show archive_mode"));

            var enable = _ps.Invoke("Enable-PlatformWalArchiving -Profile $args[0] -Confirm:$false", pg.ProfilePath);
            enable.ShouldSucceed();
            var result = enable.Objects<WalArchivingResult>().Single();
            Assert.True(result.RestartRequired);
            Assert.False(result.Active);
            Assert.Contains(result.Changes, c => c.Setting == "archive_mode" && c.To == "on" && c.NeedsRestart);
            Assert.Contains(result.Changes, c => c.Setting == "archive_command");
            Assert.Contains(enable.Warnings, w => w.Contains("restart", StringComparison.OrdinalIgnoreCase));
            Assert.Equal(pg.Archive, ArchiveCommands.DirectoryOf(File.ReadAllText(autoConf).Split('\n').Single(l => l.StartsWith("archive_command")).Split(" = ", 2)[1].Trim('\'').Replace("''", "'")));

            var pending = _ps.Invoke("Get-PlatformWalStatus -Profile $args[0] -SampleSec 0", pg.ProfilePath).Objects<PlatformWalStatus>().Single();
            Assert.Equal(WalRpoState.NotArchiving, pending.RpoState);
            Assert.True(pending.PendingRestart);
            Assert.False(pending.RpoOk);

            pg.Restart();
            var again = _ps.Invoke("Enable-PlatformWalArchiving -Profile $args[0] -Confirm:$false", pg.ProfilePath);
            again.ShouldSucceed();
            var second = again.Objects<WalArchivingResult>().Single();
            Assert.Empty(second.Changes);
            Assert.False(second.RestartRequired);
            Assert.True(second.Active);
            Assert.Equal(60, second.ArchiveTimeoutSec);

            pg.Exec("CREATE TABLE t AS SELECT generate_series(1, 1000) AS i");
            var sw = _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0] -TimeoutSec 30", pg.ProfilePath);
            sw.ShouldSucceed();
            var switched = sw.Objects<WalSwitchResult>().Single();
            Assert.True(switched.Archived);
            Assert.True(switched.Switched);
            var file = new FileInfo(Path.Combine(pg.Archive, switched.Segment));
            Assert.True(file.Exists, $"{file} is not in the archive");
            Assert.Equal(16L * 1024 * 1024, file.Length);
            Assert.Empty(Directory.GetFiles(pg.Archive, "*.tmp"));

            var status = _ps.Invoke("Get-PlatformWalStatus -Profile $args[0] -SampleSec 0.3", pg.ProfilePath).Objects<PlatformWalStatus>().Single();
            Assert.True(status.ArchivingEnabled);
            Assert.Equal(0, status.ReadyBacklog);
            Assert.False(status.ArchiveFailing);
            Assert.Contains(status.RpoState, new[] { WalRpoState.UpToDate, WalRpoState.Current });
            Assert.True(status.RpoOk, status.RpoDetail);
            Assert.Equal(switched.Segment, status.LastArchivedWal);
        }

        [Fact]
        public void A_broken_archive_command_shows_as_failing_with_the_reason()
        {
            using var pg = new ThrowawayCluster(archiving: true, "broken");
            var broken = _ps.Invoke("Enable-PlatformWalArchiving -Profile $args[0] -ArchiveCommand 'cp %p /nonexistent-platformops/%f' -Confirm:$false", pg.ProfilePath);
            broken.ShouldSucceed();
            Assert.False(broken.Objects<WalArchivingResult>().Single().RestartRequired);

            pg.Exec("CREATE TABLE t AS SELECT generate_series(1, 1000) AS i");
            var sw = _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0] -TimeoutSec 20", pg.ProfilePath);
            Assert.Equal("PlatformWalArchiveFailing", sw.ErrorId);
            Assert.Contains("No such file or directory", sw.ErrorMessage, StringComparison.Ordinal);

            var status = _ps.Invoke("Get-PlatformWalStatus -Profile $args[0] -SampleSec 0", pg.ProfilePath);
            var s = status.Objects<PlatformWalStatus>().Single();
            Assert.True(s.ArchiveFailing);
            Assert.Equal(WalRpoState.Failing, s.RpoState);
            Assert.False(s.RpoOk);
            Assert.True(s.ReadyBacklog >= 1);
            Assert.Contains("No such file or directory", s.FailureReason, StringComparison.Ordinal);
            Assert.Contains("the failed archive command was: cp pg_wal/", s.FailureReason, StringComparison.Ordinal);
            Assert.Contains(status.Warnings, w => w.Contains("fails", StringComparison.Ordinal));

            // Fixed: the waiting segments go out and the next switch is archived.
            var fix = _ps.Invoke("Enable-PlatformWalArchiving -Profile $args[0] -Confirm:$false", pg.ProfilePath);
            fix.ShouldSucceed();
            var after = _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0] -TimeoutSec 30", pg.ProfilePath);
            after.ShouldSucceed();
            Assert.True(after.Objects<WalSwitchResult>().Single().Archived);
            Assert.False(_ps.Invoke("Get-PlatformWalStatus -Profile $args[0] -SampleSec 0", pg.ProfilePath).Objects<PlatformWalStatus>().Single().ArchiveFailing);
        }

        [Fact]
        public void An_archive_library_replaces_the_command_without_a_restart()
        {
            using var pg = new ThrowawayCluster(archiving: true, "library");
            var library = Path.Combine(pg.Root, "library-archive");
            Directory.CreateDirectory(library);
            TestProcess.Check("chown", "postgres:postgres", library);
            var enable = _ps.Invoke("Enable-PlatformWalArchiving -Profile $args[0] -ArchiveLibrary basic_archive -ArchiveDirectory $args[1] -Confirm:$false", pg.ProfilePath, library);
            enable.ShouldSucceed();
            var result = enable.Objects<WalArchivingResult>().Single();
            Assert.False(result.RestartRequired);
            Assert.Equal("basic_archive", result.ArchiveLibrary);
            Assert.Equal(string.Empty, result.ArchiveCommand);

            pg.Exec("CREATE TABLE t AS SELECT generate_series(1, 100) AS i");
            var sw = _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0] -TimeoutSec 30", pg.ProfilePath);
            sw.ShouldSucceed();
            Assert.True(File.Exists(Path.Combine(library, sw.Objects<WalSwitchResult>().Single().Segment)));
            Assert.Empty(_ps.Invoke("Enable-PlatformWalArchiving -Profile $args[0] -ArchiveLibrary basic_archive -ArchiveDirectory $args[1] -Confirm:$false", pg.ProfilePath, library)
                .Objects<WalArchivingResult>().Single().Changes);
        }

        [Fact]
        public void Point_in_time_recovery_brings_back_exactly_the_rows_from_before_the_moment()
        {
            using var pg = new ThrowawayCluster(archiving: true, "pitr");
            pg.Exec("CREATE TABLE events (id serial PRIMARY KEY, batch text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
            pg.Exec("INSERT INTO events (batch) SELECT 'A' FROM generate_series(1, 5)");

            var backupRun = _ps.Invoke("Invoke-PlatformBaseBackup -Profile $args[0]", pg.ProfilePath);
            backupRun.ShouldSucceed();
            var backup = backupRun.Objects<PlatformBaseBackup>().Single();
            Assert.True(backup.Verified);
            Assert.True(backup.ArchivingEnabled);
            Assert.StartsWith(pg.Backups, backup.Path, StringComparison.Ordinal);
            Assert.Matches("^[0-9A-F]{24}$", backup.StartWal);
            Assert.True(File.Exists(Path.Combine(backup.Path, "manifest.json")));
            Assert.True(File.Exists(Path.Combine(backup.Path, "data", "backup_manifest")));
            Assert.Empty(Directory.GetDirectories(pg.Backups, ".*"));
            using (var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(backup.Path, "manifest.json"))))
            {
                var root = doc.RootElement;
                Assert.Equal("platformops.backup/1", root.GetProperty("schema").GetString());
                Assert.Equal(backup.Id, root.GetProperty("id").GetString());
                Assert.Equal("base", root.GetProperty("kind").GetString());
                Assert.True(root.GetProperty("completedUtc").GetDateTime() >= root.GetProperty("startedUtc").GetDateTime());
                Assert.Equal("Base", root.GetProperty("files")[0].GetProperty("kind").GetString());
                Assert.Equal(backup.StartWal, root.GetProperty("baseBackup").GetProperty("startWal").GetString());
            }

            pg.Exec("INSERT INTO events (batch) SELECT 'B' FROM generate_series(1, 5)");
            Thread.Sleep(300);
            var moment = pg.Scalar<DateTime>("SELECT clock_timestamp()");
            Thread.Sleep(300);
            pg.Exec("INSERT INTO events (batch) SELECT 'C' FROM generate_series(1, 5)");
            _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0]", pg.ProfilePath).ShouldSucceed();

            var archive = _ps.Invoke("$args[1] | Test-PlatformWalArchive -Profile $args[0]", pg.ProfilePath, backup);
            archive.ShouldSucceed();
            var complete = archive.Objects<WalArchiveTestResult>().Single();
            Assert.True(complete.Complete, string.Join(", ", complete.Missing));
            Assert.Equal(backup.StartWal, complete.StartSegment);

            var target = Path.Combine(pg.Root, "restored");
            var whatIf = _ps.Invoke("Restore-PlatformCluster -Profile $args[0] -BackupPath $args[1] -PointInTime $args[2] -DataDirectory $args[3] -WhatIf",
                pg.ProfilePath, backup.Path, moment, target);
            whatIf.ShouldSucceed();
            Assert.False(Directory.Exists(target));

            var restore = _ps.Invoke("Restore-PlatformCluster -Profile $args[0] -BackupPath $args[1] -PointInTime $args[2] -DataDirectory $args[3] -Confirm:$false",
                pg.ProfilePath, backup.Path, moment, target);
            try
            {
                restore.ShouldSucceed();
                var restored = restore.Objects<PlatformClusterRestore>().Single();
                Assert.True(restored.Running);
                Assert.NotEqual(pg.Port, restored.Port);
                Assert.Equal(5L, pg.Scalar<long>("SELECT count(*) FROM events WHERE batch = 'A'", restored.Port));
                Assert.Equal(5L, pg.Scalar<long>("SELECT count(*) FROM events WHERE batch = 'B'", restored.Port));
                Assert.Equal(0L, pg.Scalar<long>("SELECT count(*) FROM events WHERE batch = 'C'", restored.Port));
                Assert.False(pg.Scalar<bool>("SELECT pg_is_in_recovery()", restored.Port));
                Assert.NotNull(restored.RecoveredTo);
                Assert.True(restored.RecoveredTo <= moment.ToUniversalTime(), $"{restored.RecoveredTo:o} > {moment.ToUniversalTime():o}");
                Assert.True(restored.RecoveredTo >= pg.Scalar<DateTime>("SELECT max(at) FROM events WHERE batch = 'B'").ToUniversalTime());
                Assert.Contains("recovery stopping before commit", restored.StopReason, StringComparison.Ordinal);
                Assert.True(restored.SegmentsRestored >= 1);
                Assert.Equal("off", pg.Scalar<string>("SHOW archive_mode", restored.Port));
                // The source kept running and kept all its rows.
                Assert.Equal(15L, pg.Scalar<long>("SELECT count(*) FROM events"));
            }
            finally
            {
                ThrowawayCluster.StopServer(target);
            }

            // A gap in the archive is found.
            for (var i = 0; i < 2; i++)
            {
                pg.Exec("INSERT INTO events (batch) SELECT 'D' FROM generate_series(1, 5)");
                _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0]", pg.ProfilePath).ShouldSucceed();
            }
            var copy = Path.Combine(pg.Root, "archive-copy");
            Directory.CreateDirectory(copy);
            foreach (var f in Directory.GetFiles(pg.Archive)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
            var segments = Directory.GetFiles(copy).Select(Path.GetFileName).Where(n => n!.Length == 24 && string.CompareOrdinal(n, backup.StartWal) >= 0).OrderBy(n => n, StringComparer.Ordinal).ToList();
            Assert.True(segments.Count >= 3, "need three segments: " + string.Join(", ", segments));
            File.Delete(Path.Combine(copy, segments[1]!));
            var gap = _ps.Invoke("Test-PlatformWalArchive -BackupPath $args[0] -ArchivePath $args[1]", backup.Path, copy).Objects<WalArchiveTestResult>().Single();
            Assert.False(gap.Complete);
            Assert.Equal(new[] { segments[1]! }, gap.Missing);
            Assert.False((bool)_ps.Invoke("Test-PlatformWalArchive -BackupPath $args[0] -ArchivePath $args[1] -Quiet", backup.Path, copy).Output.Single().BaseObject);
        }
    }
}

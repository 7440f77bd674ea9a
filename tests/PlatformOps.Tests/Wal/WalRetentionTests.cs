using System;
using System.IO;
using System.Linq;
using System.Threading;
using PlatformOps.Backup;
using PlatformOps.Tests.Infrastructure;
using PlatformOps.Wal;
using Xunit;

namespace PlatformOps.Tests.Wal
{
    /// <summary>
    /// Expiring the WAL archive with the base backups on a throwaway cluster: two base backups with WAL between,
    /// expire, then the kept one still restores to a point in time and its WAL has no gap.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class WalRetentionTests
    {
        private readonly PowerShellFixture _ps;

        public WalRetentionTests(PowerShellFixture ps) => _ps = ps;

        private static string[] Archive(ThrowawayCluster pg) => Directory.GetFiles(pg.Archive).Select(f => Path.GetFileName(f)!).OrderBy(n => n, StringComparer.Ordinal).ToArray();

        private void Switch(ThrowawayCluster pg, string batch)
        {
            pg.Exec($"INSERT INTO t (batch) SELECT '{batch}' FROM generate_series(1, 20)");
            _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0]", pg.ProfilePath).ShouldSucceed();
        }

        [Fact]
        public void Expiring_with_the_base_backups_keeps_what_the_kept_one_needs_and_a_pitr_from_it_still_works()
        {
            using var pg = new ThrowawayCluster(archiving: true, "expire");
            pg.Exec("CREATE TABLE t (id serial PRIMARY KEY, batch text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
            Switch(pg, "early1");
            Switch(pg, "early2");
            var first = _ps.Invoke("Invoke-PlatformBaseBackup -Profile $args[0]", pg.ProfilePath).Objects<PlatformBaseBackup>().Single();
            Switch(pg, "between1");
            Switch(pg, "between2");
            Thread.Sleep(1100); // the sets' completion times must differ for "the last one"
            var second = _ps.Invoke("Invoke-PlatformBaseBackup -Profile $args[0]", pg.ProfilePath).Objects<PlatformBaseBackup>().Single();
            pg.Exec("INSERT INTO t (batch) SELECT 'kept' FROM generate_series(1, 20)");
            Thread.Sleep(300);
            var moment = pg.Scalar<DateTime>("SELECT clock_timestamp()");
            Thread.Sleep(300);
            pg.Exec("INSERT INTO t (batch) SELECT 'late' FROM generate_series(1, 20)");
            _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0]", pg.ProfilePath).ShouldSucceed();
            File.WriteAllText(Path.Combine(pg.Archive, first.StartWal + ".tmp"), "a copy in progress is never touched");

            var all = Archive(pg);
            bool Before(string name, PlatformBaseBackup b) => name.Length >= 24 && string.CompareOrdinal(name.Substring(8, 16), b.StartWal.Substring(8, 16)) < 0;
            Assert.Contains(all, n => Before(n, first));                          // WAL from before the first backup
            Assert.Contains(all, n => !Before(n, first) && Before(n, second));    // and between the two

            // The archive is measured: size, oldest segment, growth.
            var status = _ps.Invoke("Get-PlatformWalStatus -Profile $args[0] -SampleSec 0", pg.ProfilePath).Objects<PlatformWalStatus>().Single();
            Assert.Equal(pg.Archive, status.ArchivePath);
            Assert.Equal(Directory.GetFiles(pg.Archive).Sum(f => new FileInfo(f).Length), status.ArchiveSizeBytes);
            Assert.Equal(all.First(n => n.Length == 24), status.OldestArchivedSegment);

            // -WhatIf removes nothing, neither sets nor WAL.
            var whatIf = _ps.Invoke("Remove-PlatformBackup -Profile $args[0] -KeepLast 1 -WhatIf", pg.ProfilePath);
            whatIf.ShouldSucceed();
            Assert.Equal(all, Archive(pg));
            Assert.True(Directory.Exists(first.Path));
            var walWhatIf = _ps.Invoke("Remove-PlatformWalArchive -Profile $args[0] -WhatIf", pg.ProfilePath);
            walWhatIf.ShouldSucceed();
            var planned = walWhatIf.Objects<WalArchiveExpiry>().Single();
            Assert.Equal("WouldRemove", planned.Action);
            Assert.Equal(first.StartWal, planned.KeepFrom);  // the first backup is still there: only WAL before it would go
            Assert.Equal(all.Count(n => Before(n, first) && !n.EndsWith(".history", StringComparison.Ordinal)), planned.FilesRemoved);
            Assert.Equal(all, Archive(pg));

            // Remove the older set: the WAL only it needed goes with it.
            var run = _ps.Invoke("Remove-PlatformBackup -Profile $args[0] -KeepLast 1 -Confirm:$false", pg.ProfilePath);
            run.ShouldSucceed();
            Assert.Contains(run.Objects<BackupRetentionDecision>(), d => d.Id == first.Id && d.Action == "Removed");
            var expiry = run.Objects<WalArchiveExpiry>().Single();
            Assert.Equal("Removed", expiry.Action);
            Assert.Equal(second.StartWal, expiry.KeepFrom);
            Assert.Equal(second.Id, expiry.AnchorBackupId);
            var left = Archive(pg);
            Assert.Equal(all.Where(n => !Before(n, second) || n.EndsWith(".tmp", StringComparison.Ordinal)), left);
            Assert.Equal(all.Length - left.Length, expiry.FilesRemoved);
            Assert.Contains(second.StartWal, left);
            Assert.Contains(left, n => n.StartsWith(second.StartWal, StringComparison.Ordinal) && n.EndsWith(".backup", StringComparison.Ordinal));

            // The kept backup's WAL has no gap, and a point-in-time restore from it works.
            var test = _ps.Invoke("Test-PlatformWalArchive -BackupPath $args[0] -ArchivePath $args[1]", second.Path, pg.Archive).Objects<WalArchiveTestResult>().Single();
            Assert.True(test.Complete, string.Join(", ", test.Missing));
            var target = Path.Combine(pg.Root, "restored");
            var restore = _ps.Invoke("Restore-PlatformCluster -Profile $args[0] -BackupPath $args[1] -PointInTime $args[2] -DataDirectory $args[3] -Confirm:$false",
                pg.ProfilePath, second.Path, moment, target);
            try
            {
                restore.ShouldSucceed();
                var restored = restore.Objects<PlatformClusterRestore>().Single();
                Assert.Equal(20L, pg.Scalar<long>("SELECT count(*) FROM t WHERE batch = 'kept'", restored.Port));
                Assert.Equal(0L, pg.Scalar<long>("SELECT count(*) FROM t WHERE batch = 'late'", restored.Port));
                Assert.Equal(80L, pg.Scalar<long>("SELECT count(*) FROM t WHERE batch LIKE 'early%' OR batch LIKE 'between%'", restored.Port));
            }
            finally
            {
                ThrowawayCluster.StopServer(target);
            }

            // Again: nothing more to expire. Without any base backup, nothing is ever removed.
            Assert.Equal("NothingToRemove", _ps.Invoke("Remove-PlatformWalArchive -Profile $args[0] -Confirm:$false", pg.ProfilePath).Objects<WalArchiveExpiry>().Single().Action);
            var empty = Path.Combine(pg.Root, "no-backups");
            Directory.CreateDirectory(empty);
            var refused = _ps.Invoke("Remove-PlatformWalArchive -Profile $args[0] -BackupPath $args[1] -Confirm:$false", pg.ProfilePath, empty);
            Assert.Equal("PlatformWalExpiryNoBaseBackup", refused.ErrorId);
            Assert.Equal(left, Archive(pg));
        }
    }
}

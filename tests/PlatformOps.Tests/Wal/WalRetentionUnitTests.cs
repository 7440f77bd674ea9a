using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using PlatformOps.Backup;
using PlatformOps.Common;
using PlatformOps.Postgres;
using PlatformOps.Readiness;
using PlatformOps.Wal;
using Xunit;

namespace PlatformOps.Tests.Wal
{
    /// <summary>
    /// The expiry rules and the archive measurement on archive folders made of named files with chosen times (the
    /// end-to-end proof with a real cluster and a real PITR is in WalRetentionTests).
    /// </summary>
    public sealed class WalRetentionUnitTests : IDisposable
    {
        private readonly string _archive = Path.Combine(Path.GetTempPath(), "wal-retention-" + Guid.NewGuid().ToString("N")[..8]);
        private readonly DateTime _now = new DateTime(2030, 1, 10, 12, 0, 0, DateTimeKind.Utc);

        public WalRetentionUnitTests() => Directory.CreateDirectory(_archive);

        public void Dispose() => Directory.Delete(_archive, recursive: true);

        private static string Seg(uint timeline, ulong number) => new WalSegment(timeline, number, WalSegment.DefaultSegmentSize).Name;

        private string Put(string name, DateTime modified, int bytes = 100)
        {
            var path = Path.Combine(_archive, name);
            File.WriteAllBytes(path, new byte[bytes]);
            File.SetLastWriteTimeUtc(path, modified);
            return name;
        }

        private static PlatformBackupSet Backup(string id, ulong start, ulong end, DateTime started, string systemId = "7000000000000000001", string? archive = null)
            => PlatformBackupSet.From(Path.Combine(Path.GetTempPath(), id), new BackupManifest
            {
                Id = id,
                Kind = BackupManifest.KindBase,
                StartedUtc = started,
                CompletedUtc = started.AddMinutes(1),
                BaseBackup = new BaseBackupInfo { StartWal = Seg(1, start), EndWal = Seg(1, end), SystemIdentifier = systemId, WalSegmentSize = WalSegment.DefaultSegmentSize, Timeline = 1, WalArchive = archive },
            }, null, BackupManifestSeal.Sealed);

        private HashSet<string> Files() => Directory.GetFiles(_archive).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal)!;

        [Fact]
        public void Without_a_window_everything_below_the_oldest_base_backup_goes_and_nothing_a_backup_needs()
        {
            var old = _now.AddDays(-30);
            for (ulong n = 0x08; n <= 0x35; n++) Put(Seg(1, n), old);
            var partial = Put(Seg(1, 0x0F) + ".partial", old);
            var otherTimeline = Put(Seg(2, 0x09), old);
            var history = Put("00000002.history", old);
            var backupFile = Put(Seg(1, 0x10) + ".00000028.backup", old);
            var oldBackupFile = Put(Seg(1, 0x0A) + ".00000060.backup", old);
            var copying = Put(Seg(1, 0x36) + ".tmp", old);
            var stray = Put("README", old);
            var backups = new[] { Backup("x", 0x10, 0x11, _now.AddDays(-10)), Backup("y", 0x20, 0x21, _now.AddDays(-3)) };

            var plan = WalRetention.Plan(_archive, backups, null, _now);
            Assert.Equal(Seg(1, 0x10), plan.Result.KeepFrom);
            Assert.Equal("x", plan.Result.AnchorBackupId);
            Assert.Equal("WouldRemove", plan.Result.Action);
            var expected = Enumerable.Range(0x08, 8).Select(n => Seg(1, (ulong)n)).Concat(new[] { partial, otherTimeline, oldBackupFile }).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(expected, plan.Remove.Select(f => f.Name).ToHashSet(StringComparer.Ordinal));
            // Oldest first, so an interrupted run leaves no hole above what it removed.
            Assert.Equal(Seg(1, 0x08), plan.Remove[0].Name);
            Assert.Equal(plan.Remove.Select(f => WalSegment.Parse(f.Name[..24], WalSegment.DefaultSegmentSize).Number).OrderBy(n => n), plan.Remove.Select(f => WalSegment.Parse(f.Name[..24], WalSegment.DefaultSegmentSize).Number));
            Assert.Equal(11, plan.Result.FilesRemoved);
            Assert.Equal(1100, plan.Result.BytesRemoved);
            Assert.Equal(new[] { "x", "y" }, plan.Result.KeptBackups);

            var before = Files();
            var result = WalRetention.Execute(plan, CancellationToken.None);
            Assert.Equal("Removed", result.Action);
            Assert.Equal(11, result.FilesRemoved);
            var after = Files();
            Assert.Equal(before.Except(expected).ToHashSet(StringComparer.Ordinal), after);
            foreach (var kept in new[] { history, backupFile, copying, stray, Seg(1, 0x10), Seg(1, 0x35) }) Assert.Contains(kept, after);
            Assert.True(WalArchiveCheck.TestArchive(_archive, Seg(1, 0x10), null, null).Complete);

            // A second run has nothing left to remove.
            Assert.Equal("NothingToRemove", WalRetention.Plan(_archive, backups, null, _now).Result.Action);
        }

        [Fact]
        public void A_window_keeps_the_wal_from_the_newest_backup_before_it_opened_older_backups_their_own_range_and_recent_files()
        {
            var old = _now.AddDays(-30);
            for (ulong n = 0x08; n <= 0x35; n++) Put(Seg(1, n), n >= 0x1E && n <= 0x1F ? _now.AddHours(-20) : old);
            var backups = new[] { Backup("x", 0x10, 0x11, _now.AddDays(-10)), Backup("y", 0x20, 0x21, _now.AddDays(-3)), Backup("z", 0x30, 0x30, _now.AddHours(-1)) };

            var twoDays = WalRetention.Plan(_archive, backups, TimeSpan.FromDays(2), _now);
            Assert.Equal("y", twoDays.Result.AnchorBackupId);
            Assert.Equal(Seg(1, 0x20), twoDays.Result.KeepFrom);
            var removed = twoDays.Remove.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            // Below y's start: x keeps 0x10..0x11 (restores to its end), the window keeps 0x1E..0x1F (archived 20 h ago).
            var expected = Enumerable.Range(0x08, 0x20 - 0x08).Where(n => n != 0x10 && n != 0x11 && n != 0x1E && n != 0x1F).Select(n => Seg(1, (ulong)n)).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(expected, removed);
            Assert.Contains(twoDays.Result.Notes, n => n.Contains("Base backup x", StringComparison.Ordinal) && n.Contains("restores to its end", StringComparison.Ordinal));

            // A window that opens before every base backup: the oldest serves it, and a note says the rest cannot be restored.
            var long_ = WalRetention.Plan(_archive, backups, TimeSpan.FromDays(20), _now);
            Assert.Equal("x", long_.Result.AnchorBackupId);
            Assert.Contains(long_.Result.Notes, n => n.Contains("before the oldest base backup x", StringComparison.Ordinal));
            Assert.All(long_.Remove, f => Assert.True(string.CompareOrdinal(f.Name, Seg(1, 0x10)) < 0, f.Name));
        }

        [Fact]
        public void Nothing_is_removed_without_a_base_backup_of_this_archive_or_when_the_archive_lacks_its_wal()
        {
            var old = _now.AddDays(-30);
            for (ulong n = 0x08; n <= 0x12; n++) Put(Seg(1, n), old);

            var none = Assert.Throws<PlatformOpsException>(() => WalRetention.Plan(_archive, Array.Empty<PlatformBackupSet>(), null, _now));
            Assert.Equal("PlatformWalExpiryNoBaseBackup", none.ErrorId);
            // A base backup that recorded another archive folder does not count.
            var elsewhere = Assert.Throws<PlatformOpsException>(() => WalRetention.Plan(_archive, new[] { Backup("e", 0x10, 0x10, _now, archive: "/srv/other-archive") }, null, _now));
            Assert.Equal("PlatformWalExpiryNoBaseBackup", elsewhere.ErrorId);
            // A base backup whose start the archive never received: the wrong folder, or archiving failed since.
            var ahead = Assert.Throws<PlatformOpsException>(() => WalRetention.Plan(_archive, new[] { Backup("a", 0x40, 0x40, _now) }, null, _now));
            Assert.Equal("PlatformWalExpiryArchiveMismatch", ahead.ErrorId);

            // The archive's segments carry the system identifier; a base backup of another cluster does not count.
            var header = new byte[64];
            header[2] = 0x02; // XLP_LONG_HEADER
            BitConverter.GetBytes(42UL).CopyTo(header, 24);
            File.WriteAllBytes(Path.Combine(_archive, Seg(1, 0x12)), header);
            Assert.Equal("42", WalRetention.ArchiveSystemIdentifier(new DirectoryInfo(_archive).GetFiles()));
            var foreign = Assert.Throws<PlatformOpsException>(() => WalRetention.Plan(_archive, new[] { Backup("f", 0x10, 0x10, _now, systemId: "43") }, null, _now));
            Assert.Equal("PlatformWalExpiryNoBaseBackup", foreign.ErrorId);
            Assert.Contains("42", foreign.Message, StringComparison.Ordinal);
            Assert.Equal(8, WalRetention.Plan(_archive, new[] { Backup("f", 0x10, 0x10, _now, systemId: "43"), Backup("m", 0x10, 0x10, _now, systemId: "42") }, null, _now).Remove.Count);
            Assert.Equal(11, Files().Count);
        }

        [Fact]
        public void The_archive_is_measured_from_its_files_size_oldest_segment_and_growth_per_hour()
        {
            Put(Seg(1, 0x05), _now.AddHours(-3), 1 << 20);
            Put(Seg(1, 0x06), _now.AddHours(-3), 1 << 20);
            Put("00000002.history", _now.AddHours(-2), 100);
            Put(Seg(2, 0x07), _now.AddMinutes(-30), 2 << 20);
            Put(Seg(2, 0x08), _now.AddMinutes(-10), 2 << 20);
            var u = WalArchiveStats.Measure(_archive, _now);
            Assert.Equal((6 << 20) + 100, u.SizeBytes);
            Assert.Equal(4, u.Segments);
            Assert.Equal(5, u.Files);
            Assert.Equal(Seg(1, 0x05), u.OldestSegment);
            Assert.Equal(_now.AddHours(-3), u.OldestSegmentTime);
            Assert.Equal(Seg(2, 0x08), u.NewestSegment);
            Assert.Equal(TimeSpan.FromHours(1), u.GrowthMeasuredOver);
            Assert.Equal(4 << 20, u.GrowthBytesPerHour);
            Assert.NotNull(u.FreeBytes);

            // A young archive is measured over its age; with under a minute of history there is no rate.
            Assert.Equal(TimeSpan.FromMinutes(30), WalArchiveStats.Measure(_archive, _now.AddHours(-2.5)).GrowthMeasuredOver);
            Assert.Equal((2 << 20) * 2.0, WalArchiveStats.Measure(_archive, _now.AddHours(-2.5)).GrowthBytesPerHour);
            Assert.Null(WalArchiveStats.Measure(_archive, _now.AddHours(-3).AddSeconds(30)).GrowthBytesPerHour);
            Assert.Null(WalArchiveStats.TryMeasure(Path.Combine(_archive, "missing"), _now));
        }

        [Fact]
        public void The_readiness_item_judges_size_and_growth_against_the_budget_or_the_free_space()
        {
            var d = new ReadinessDefinition("data.wal-archive-size", ReadinessCategory.DataManagement, "x", "y");
            const long Gb = 1L << 30;
            WalArchiveUsage U(long size, double? growth, long? free = null) => new WalArchiveUsage
            {
                ArchivePath = "/a", SizeBytes = size, Segments = 3, GrowthBytesPerHour = growth, GrowthMeasuredOver = TimeSpan.FromHours(1), FreeBytes = free, MeasuredAt = _now,
            };
            Assert.Equal(ReadinessStatus.Fail, ReadinessChecklist.ArchiveSizeVerdict(d, U(11 * Gb, 0), 10).Status);
            Assert.Contains("over its budget of 10 GB", ReadinessChecklist.ArchiveSizeVerdict(d, U(11 * Gb, 0), 10).Evidence, StringComparison.Ordinal);
            Assert.Equal(ReadinessStatus.Warn, ReadinessChecklist.ArchiveSizeVerdict(d, U(9 * Gb, 0), 10).Status);
            var soon = ReadinessChecklist.ArchiveSizeVerdict(d, U(2 * Gb, Gb), 10);
            Assert.Equal(ReadinessStatus.Warn, soon.Status);
            Assert.Contains("reaches its budget of 10 GB in 8 h", soon.Evidence, StringComparison.Ordinal);
            var fine = ReadinessChecklist.ArchiveSizeVerdict(d, U(2 * Gb, Gb / 100), 10);
            Assert.Equal(ReadinessStatus.Pass, fine.Status);
            Assert.Equal(2 * Gb, fine.Value);
            // No budget: a disk that fills within a day fails, within a week warns, else passes; no growth never overflows.
            Assert.Equal(ReadinessStatus.Fail, ReadinessChecklist.ArchiveSizeVerdict(d, U(Gb, 21 * Gb, 100 * Gb), null).Status);
            Assert.Equal(ReadinessStatus.Warn, ReadinessChecklist.ArchiveSizeVerdict(d, U(Gb, Gb, 100 * Gb), null).Status);
            Assert.Equal(ReadinessStatus.Pass, ReadinessChecklist.ArchiveSizeVerdict(d, U(Gb, 1, 100 * Gb), null).Status);
            Assert.Equal(ReadinessStatus.Pass, ReadinessChecklist.ArchiveSizeVerdict(d, U(Gb, null, null), null).Status);
        }
    }
}

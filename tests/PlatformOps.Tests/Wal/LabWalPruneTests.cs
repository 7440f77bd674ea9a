using System;
using System.IO;
using System.Linq;
using PlatformOps.Postgres;
using PlatformOps.Tests.Infrastructure;
using PlatformOps.Wal;
using Xunit;

namespace PlatformOps.Tests.Wal
{
    /// <summary>
    /// The lab's own archive bound (tests/lab/exporters/prune-wal.sh, run by lab.sh up and the postgres exporter's
    /// loop), on a folder of its own: it keeps what the newest base backup needs and bounds the rest by age and size.
    /// </summary>
    public sealed class LabWalPruneTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "lab-prune-" + Guid.NewGuid().ToString("N")[..8]);
        private string Archive => Path.Combine(_root, "wal-archive");
        private string Backups => Path.Combine(_root, "backups");

        public LabWalPruneTests()
        {
            Directory.CreateDirectory(Archive);
            Directory.CreateDirectory(Backups);
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);

        private static string Seg(ulong n) => new WalSegment(1, n, WalSegment.DefaultSegmentSize).Name;

        private void Put(string name, TimeSpan age, int bytes = 1024)
        {
            var path = Path.Combine(Archive, name);
            File.WriteAllBytes(path, new byte[bytes]);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        }

        private void BaseBackup(string id, ulong start)
        {
            Directory.CreateDirectory(Path.Combine(Backups, id));
            File.WriteAllText(Path.Combine(Backups, id, "manifest.json"),
                $"{{\n  \"schema\": \"platformops.backup/1\",\n  \"id\": \"{id}\",\n  \"kind\": \"base\",\n  \"baseBackup\": {{\n    \"startWal\": \"{Seg(start)}\"\n  }}\n}}\n");
        }

        private string Prune(int keepMinutes, int maxMb)
            => TestProcess.Check("sh", Path.Combine(Lab.RepositoryRoot, "tests", "lab", "exporters", "prune-wal.sh"), Archive, Backups,
                keepMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture), maxMb.ToString(System.Globalization.CultureInfo.InvariantCulture));

        private string[] Left() => Directory.GetFiles(Archive).Select(f => Path.GetFileName(f)!).OrderBy(n => n, StringComparer.Ordinal).ToArray();

        [Fact]
        public void Old_wal_below_the_newest_base_backup_goes_what_it_needs_and_unknown_files_stay()
        {
            for (ulong n = 1; n <= 20; n++) Put(Seg(n), n >= 18 ? TimeSpan.FromMinutes(5) : TimeSpan.FromHours(3));
            Put(Seg(2) + ".partial", TimeSpan.FromHours(3));
            Put(Seg(4) + ".00000028.backup", TimeSpan.FromHours(3));
            Put("00000002.history", TimeSpan.FromHours(3));
            Put(Seg(3) + ".tmp", TimeSpan.FromHours(3));
            BaseBackup("20300101T000000Z-aaaa", 4);
            BaseBackup("20300102T000000Z-bbbb", 10);
            Directory.CreateDirectory(Path.Combine(Backups, "logical"));
            File.WriteAllText(Path.Combine(Backups, "logical", "manifest.json"), $"{{ \"kind\": \"logical\", \"startWal\": \"{Seg(15)}\" }}");

            var said = Prune(60, 2048);
            Assert.Contains("removed 11 file(s)", said, StringComparison.Ordinal);
            var expected = Enumerable.Range(10, 11).Select(n => Seg((ulong)n)).Concat(new[] { "00000002.history", Seg(3) + ".tmp" }).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, Left());
            Assert.True(WalArchiveCheck.TestArchive(Archive, Seg(10), null, null).Complete);
        }

        [Fact]
        public void Over_the_size_cap_the_oldest_go_first_but_never_the_newest_base_backups_wal_nor_the_newest_64()
        {
            // 100 young files of 64 KB (6.25 MB) and no base backup: age keeps them all, the 2 MB cap removes the oldest 36.
            for (ulong n = 1; n <= 100; n++) Put(Seg(n), TimeSpan.FromMinutes(1), 64 * 1024);
            Assert.Contains("removed 36 file(s)", Prune(60, 2), StringComparison.Ordinal);
            Assert.Equal(Enumerable.Range(37, 64).Select(n => Seg((ulong)n)).ToArray(), Left());

            // With a base backup starting at 0x50 nothing from there on goes, however big.
            BaseBackup("20300101T000000Z-cccc", 0x50);
            Prune(60, 1);
            Assert.All(Enumerable.Range(0x50, 101 - 0x50), n => Assert.Contains(Seg((ulong)n), Left()));
        }
    }
}

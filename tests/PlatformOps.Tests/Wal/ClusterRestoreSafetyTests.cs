using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Tests.Infrastructure;
using PlatformOps.Wal;
using Xunit;

namespace PlatformOps.Tests.Wal
{
    /// <summary>Restore-PlatformCluster on throwaway clusters: odd archive paths, the modes of the copy, a foreign target.</summary>
    [Collection(LabCollection.Name)]
    public sealed class ClusterRestoreSafetyTests
    {
        private readonly PowerShellFixture _ps;

        public ClusterRestoreSafetyTests(PowerShellFixture ps) => _ps = ps;

        [Fact]
        public void The_recovery_settings_escape_quotes_and_backslashes_as_postgresql_conf_reads_them()
        {
            var text = ClusterRestore.RecoverySettings("/srv/a'b\\c", null, 5432, "/x");
            var line = text.Split('\n').Single(l => l.StartsWith("restore_command = ", StringComparison.Ordinal));
            // The shell command is cp '/srv/a'\''b\c'/%f %p; in the file every ' is doubled and every \ is doubled.
            Assert.Equal("restore_command = 'cp ''/srv/a''\\\\''''b\\\\c''/%f %p'", line);
        }

        [Fact]
        public void A_point_in_time_restore_finds_the_wal_in_an_archive_whose_path_has_a_quote_a_backslash_and_a_percent()
        {
            using var pg = new ThrowawayCluster(archiving: true, "oddpath");
            pg.Exec("CREATE TABLE t (id int PRIMARY KEY, batch text NOT NULL)");
            var backup = _ps.Invoke("Invoke-PlatformBaseBackup -Profile $args[0]", pg.ProfilePath).Objects<PlatformBaseBackup>().Single();
            pg.Exec("INSERT INTO t SELECT g, 'before' FROM generate_series(1, 50) g");
            Thread.Sleep(300);
            var moment = pg.Scalar<DateTime>("SELECT clock_timestamp()");
            Thread.Sleep(300);
            pg.Exec("INSERT INTO t SELECT g, 'after' FROM generate_series(51, 60) g");
            _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0]", pg.ProfilePath).ShouldSucceed();

            // The same archive under a name that needs escaping twice: for the shell and for postgresql.conf.
            var odd = Path.Combine(pg.Root, "wal 'arch\\ive' 100%");
            Directory.CreateDirectory(odd);
            foreach (var f in Directory.GetFiles(pg.Archive)) File.Copy(f, Path.Combine(odd, Path.GetFileName(f)));
            TestProcess.Check("chown", "-R", "postgres:postgres", odd);

            // PowerShell turns a backslash of a -ArchivePath into a slash on Unix; the profile's path arrives as written.
            var profile = Path.Combine(pg.Root, "odd-profile.json");
            using (var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(pg.ProfilePath)))
            {
                var postgres = doc.RootElement.GetProperty("Postgres");
                File.WriteAllText(profile, System.Text.Json.JsonSerializer.Serialize(new
                {
                    Name = "oddpath",
                    Postgres = new
                    {
                        Host = "127.0.0.1", Port = pg.Port, Database = "postgres", Username = "postgres", PassFile = pg.PassFile,
                        WalArchive = odd, SslMode = "disable", DataDirectory = postgres.GetProperty("DataDirectory").GetString(),
                    },
                    Backup = new { Path = pg.Backups },
                }));
            }
            var target = Path.Combine(pg.Root, "restored");
            var restore = _ps.Invoke("Restore-PlatformCluster -Profile $args[0] -BackupPath $args[1] -PointInTime $args[2] -DataDirectory $args[3] -Confirm:$false",
                profile, backup.Path, moment, target);
            try
            {
                restore.ShouldSucceed();
                var restored = restore.Objects<PlatformClusterRestore>().Single();
                Assert.True(restored.SegmentsRestored >= 1, "no segment came from the archive");
                Assert.Equal(50L, pg.Scalar<long>("SELECT count(*) FROM t WHERE batch = 'before'", restored.Port));
                Assert.Equal(0L, pg.Scalar<long>("SELECT count(*) FROM t WHERE batch = 'after'", restored.Port));
                Assert.Equal($"cp '{odd.Replace("'", "'\\''").Replace("%", "%%")}'/%f %p", pg.Scalar<string>("SHOW restore_command", restored.Port));
            }
            finally
            {
                ThrowawayCluster.StopServer(target);
            }
        }

        [Fact]
        public async Task The_copy_is_private_from_its_first_byte_and_a_target_owned_by_someone_else_is_refused_untouched()
        {
            using var pg = new ThrowawayCluster(archiving: true, "modes");
            pg.Exec("CREATE ROLE app_secret LOGIN PASSWORD 'app-secret-password'");
            var backup = _ps.Invoke("Invoke-PlatformBaseBackup -Profile $args[0]", pg.ProfilePath).Objects<PlatformBaseBackup>().Single();
            _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0]", pg.ProfilePath).ShouldSucceed();

            // A folder owned by another user (nobody): refused with a clear error, nothing written, its mode unchanged.
            var foreign = Path.Combine(pg.Root, "foreign");
            Directory.CreateDirectory(foreign);
            TestProcess.Check("chown", "nobody:nogroup", foreign);
            TestProcess.Check("chmod", "0777", foreign);
            var refused = _ps.Invoke("Restore-PlatformCluster -Profile $args[0] -BackupPath $args[1] -DataDirectory $args[2] -Stop -Confirm:$false",
                pg.ProfilePath, backup.Path, foreign);
            Assert.Equal("PlatformRestoreTargetNotOwned", refused.ErrorId);
            Assert.Contains("belongs to user id", refused.ErrorMessage, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(foreign));
            Assert.Equal("777 65534", TestProcess.Check("stat", "-c", "%a %u", foreign).Trim());

            // A symbolic link to a folder is refused too.
            var link = Path.Combine(pg.Root, "link");
            Directory.CreateSymbolicLink(link, foreign);
            Assert.Equal("PlatformRestoreTargetInvalid",
                _ps.Invoke("Restore-PlatformCluster -Profile $args[0] -BackupPath $args[1] -DataDirectory $args[2] -Stop -Confirm:$false", pg.ProfilePath, backup.Path, link).ErrorId);
            Assert.Empty(Directory.EnumerateFileSystemEntries(foreign));

            // A new target: watched while the copy runs; no folder or file ever has a bit for group or others.
            var target = Path.Combine(pg.Root, "restored");
            var seen = new ConcurrentDictionary<string, string>();
            using var stop = new CancellationTokenSource();
            var watcher = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        if (Directory.Exists(target))
                        {
                            Record(target);
                            foreach (var entry in Directory.EnumerateFileSystemEntries(target, "*", SearchOption.AllDirectories)) Record(entry);
                        }
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
                }
            });
            void Record(string path)
            {
                try
                {
                    var mode = (int)File.GetUnixFileMode(path) & 0x3F; // group and other bits
                    if (mode != 0) seen.TryAdd(path, Convert.ToString((int)File.GetUnixFileMode(path), 8));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
            }
            var restore = _ps.Invoke("Restore-PlatformCluster -Profile $args[0] -BackupPath $args[1] -DataDirectory $args[2] -Stop -Confirm:$false",
                pg.ProfilePath, backup.Path, target);
            stop.Cancel();
            await watcher;
            try
            {
                restore.ShouldSucceed();
                Assert.True(seen.IsEmpty, "readable by others during the copy: " + string.Join(", ", seen.Take(5).Select(p => $"{p.Key} {p.Value}")));
                Assert.Equal("700 postgres", TestProcess.Check("stat", "-c", "%a %U", target).Trim());
                var modes = TestProcess.Check("find", target, "-perm", "/077", "-printf", "%m %p\\n").Trim();
                Assert.True(modes.Length == 0, "readable by others after the restore: " + modes);
                Assert.Equal("600", TestProcess.Check("stat", "-c", "%a", Path.Combine(target, "global", "1260")).Trim()); // pg_authid
            }
            finally
            {
                ThrowawayCluster.StopServer(target);
            }
        }
    }
}

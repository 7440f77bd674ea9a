using System;
using System.IO;
using System.Linq;
using PlatformOps.Backup;
using PlatformOps.Postgres;
using PlatformOps.Tests.Infrastructure;
using Xunit;
using static PlatformOps.Tests.Backup.BackupTestKit;

namespace PlatformOps.Tests.Backup
{
    /// <summary>The engine pieces behind trusted backup sets (issue 9): the seal, removal by folder, records bound to a manifest, the dump's TOC.</summary>
    [Collection(LabCollection.Name)]
    public sealed class BackupSetIntegrityTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly string _root = Path.Combine(Path.GetTempPath(), "bk-integrity-x-" + Guid.NewGuid().ToString("N")[..8]);

        public BackupSetIntegrityTests(PowerShellFixture ps)
        {
            _ps = ps;
            Directory.CreateDirectory(_root);
        }

        public void Dispose() => DeleteFolder(_root);

        private string MakeSet(string id, string folderName)
        {
            var path = Path.Combine(_root, folderName);
            Directory.CreateDirectory(path);
            File.WriteAllBytes(Path.Combine(path, "redis.rdb"), new byte[] { 1, 2, 3 });
            var manifest = new BackupManifest
            {
                Id = id,
                CompletedUtc = DateTime.UtcNow,
                Files = { new BackupFileEntry { Name = "redis.rdb", Kind = "Redis", Format = "Rdb", Size = 3, Sha256 = "x" } },
            };
            ManifestSeal.Write(path, manifest.ToJson(), null);
            return path;
        }

        [Fact]
        public void The_seal_is_checked_against_the_exact_bytes_and_the_key()
        {
            var path = MakeSet("20240101T000000Z-abcd", "20240101T000000Z-abcd");
            var bytes = File.ReadAllBytes(Path.Combine(path, BackupManifest.FileName));
            Assert.Equal(BackupManifestSeal.Sealed, ManifestSeal.Check(path, bytes, null).Seal);
            var key = System.Text.Encoding.UTF8.GetBytes(new string('k', 32));
            Assert.Equal(BackupManifestSeal.SealedWithoutKey, ManifestSeal.Check(path, bytes, key).Seal);
            ManifestSeal.Write(path, System.Text.Encoding.UTF8.GetString(bytes), key);
            Assert.Equal(BackupManifestSeal.SealedWithKey, ManifestSeal.Check(path, bytes, key).Seal);
            Assert.Equal(BackupManifestSeal.Mismatch, ManifestSeal.Check(path, bytes, System.Text.Encoding.UTF8.GetBytes(new string('z', 32))).Seal);
            var changed = (byte[])bytes.Clone();
            changed[^2] ^= 1;
            Assert.Equal(BackupManifestSeal.Mismatch, ManifestSeal.Check(path, changed, key).Seal);
            Assert.Equal(BackupManifestSeal.Mismatch, ManifestSeal.Check(path, changed, null).Seal);
            File.Delete(Path.Combine(path, ManifestSeal.FileName));
            Assert.Equal(BackupManifestSeal.Missing, ManifestSeal.Check(path, bytes, null).Seal);
            var ex = Assert.Throws<PlatformOps.Common.PlatformOpsException>(() => BackupStore.Open(path, null));
            Assert.Equal("PlatformBackupManifestUnsealed", ex.ErrorId);
        }

        [Fact]
        public void Delete_renames_and_removes_the_folder_it_was_given_whatever_the_manifest_id_says()
        {
            var path = MakeSet("20240101T000000Z-abcd", "20240101T000000Z-ffff");
            var set = BackupStore.Open(path, null);
            // A crafted id in a set made some other way than through the store: the removal must not build a path from it.
            set.Id = "/../../../../../../tmp/escape-" + Guid.NewGuid().ToString("N")[..6];
            var escape = "/tmp/" + set.Id.Split('/').Last() + ".removing.partial";
            Directory.CreateDirectory(escape);
            File.WriteAllText(Path.Combine(escape, "keep"), "x");
            try
            {
                BackupRetention.Delete(set);
                Assert.False(Directory.Exists(path));
                Assert.True(File.Exists(Path.Combine(escape, "keep")));
                Assert.Empty(Directory.GetFileSystemEntries(_root));
            }
            finally
            {
                DeleteFolder(escape);
            }
        }

        [Fact]
        public void A_verification_record_speaks_only_for_the_manifest_it_was_made_with()
        {
            var path = MakeSet("20240101T000000Z-abcd", "20240101T000000Z-abcd");
            var sha = BackupStore.Open(path, null).ManifestSha256;
            new BackupVerificationRecord { LastVerifyPassed = true, LastRestorePassed = true, ManifestSha256 = sha }.Save(path);
            Assert.True(BackupStore.Open(path, null).RestoreProven);
            Assert.Equal("600", PlatformOps.Common.AtomicFile.ModeOf(Path.Combine(path, BackupVerificationRecord.FileName)));
            new BackupVerificationRecord { LastVerifyPassed = true, LastRestorePassed = true, ManifestSha256 = new string('0', 64) }.Save(path);
            var other = BackupStore.Open(path, null);
            Assert.Null(other.LastRestorePassed);
            Assert.False(other.RestoreProven);
            new BackupVerificationRecord { LastVerifyPassed = false, LastRestorePassed = true, ManifestSha256 = sha }.Save(path);
            Assert.False(BackupStore.Open(path, null).RestoreProven);
        }

        /// <summary>
        /// On a throwaway cluster (not the shared lab): the TOC reader against pg_restore --list, the modes of a real set,
        /// an owner rewritten and re-sealed without a key caught against toc.dat, and Test-PlatformBackup -Restore -WhatIf.
        /// </summary>
        [Fact]
        public void A_real_set_is_0600_its_owner_is_checked_against_the_dump_and_WhatIf_restores_nothing()
        {
            using var pg = new PlatformOps.Tests.Wal.ThrowawayCluster(archiving: false, "bkset");
            const string db = "shop";
            const string owner = "shop_owner";
            pg.Exec($"CREATE ROLE {owner}");
            pg.Exec($"CREATE DATABASE {db} OWNER {owner}");
            using (var c = pg.Open(db))
            using (var cmd = new Npgsql.NpgsqlCommand("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 50)", c))
                cmd.ExecuteNonQuery();
            var r = _ps.Invoke("Invoke-PlatformBackup -Profile $args[0] -Database $args[1] -SkipRedis -ToolMode Host", pg.ProfilePath, db);
            r.ShouldSucceed();
            var set = Assert.Single(r.Objects<PlatformBackupSet>());
            Assert.Equal(BackupManifestSeal.Sealed, set.ManifestSeal);
            var entry = set.Manifest.Files.Single(f => f.Kind == "Database");
            var dir = Path.Combine(set.Path, entry.Name);

            // The reader against the outside judge.
            var toc = PgDumpToc.Read(Path.Combine(dir, "toc.dat"));
            Assert.NotNull(toc);
            var list = TestProcess.Check(Path.Combine(PlatformOps.Tests.Wal.ThrowawayCluster.Bin, "pg_restore"), "--list", dir);
            Assert.Contains($";     dbname: {db}", list);
            Assert.Contains($"Dump Version: {toc!.Version}", list);
            Assert.Equal((db, db, owner), (toc.DatabaseName, toc.DatabaseEntry, toc.DatabaseOwner));
            Assert.Equal(owner, entry.Owner);

            // Every file of the set is 0600 and every folder 0700, pg_dump's own files included.
            Assert.Equal("700", PlatformOps.Common.AtomicFile.ModeOf(set.Path));
            Assert.All(Directory.GetFiles(set.Path, "*", SearchOption.AllDirectories), f => Assert.Equal("600", PlatformOps.Common.AtomicFile.ModeOf(f)));
            Assert.All(Directory.GetDirectories(set.Path, "*", SearchOption.AllDirectories), d => Assert.Equal("700", PlatformOps.Common.AtomicFile.ModeOf(d)));

            var passed = Assert.Single(_ps.Invoke("Test-PlatformBackup -Path $args[0]", set.Path).Objects<BackupTestResult>());
            Assert.True(passed.Passed, string.Join("; ", passed.Failures));
            Assert.Contains(passed.Checks, c => c.Kind == "Manifest" && c.Passed && c.Expected == owner);

            // -Restore -WhatIf: no scratch database, no record.
            File.Delete(Path.Combine(set.Path, BackupVerificationRecord.FileName));
            var whatIf = _ps.Invoke("Test-PlatformBackup -Path $args[0] -Restore -Profile $args[1] -WhatIf", set.Path, pg.ProfilePath);
            whatIf.ShouldSucceed();
            Assert.Empty(whatIf.Objects<BackupTestResult>());
            Assert.Equal(0L, pg.Scalar<long>("SELECT count(*) FROM pg_database WHERE datname LIKE 'pgops_verify_%'"));
            Assert.False(File.Exists(Path.Combine(set.Path, BackupVerificationRecord.FileName)));

            // Someone without a manifest key gives the restored database another owner and writes a matching seal.
            var manifestPath = Path.Combine(set.Path, BackupManifest.FileName);
            ManifestSeal.Write(set.Path, File.ReadAllText(manifestPath).Replace($"\"owner\": \"{owner}\"", "\"owner\": \"postgres\""), null);
            var failed = Assert.Single(_ps.Invoke("Test-PlatformBackup -Path $args[0] -WarningAction SilentlyContinue", set.Path).Objects<BackupTestResult>());
            Assert.False(failed.Passed);
            var bad = Assert.Single(failed.Failures, c => c.Kind == "Manifest");
            Assert.Equal(("postgres", owner), (bad.Expected, bad.Actual));
            var restore = _ps.Invoke("Restore-PlatformDatabase -Path $args[0] -TargetDatabase shop_r -Profile $args[1] -ToolMode Host -Confirm:$false", set.Path, pg.ProfilePath);
            Assert.Equal("PlatformBackupManifestMismatch", restore.ErrorId);
            Assert.Equal(0L, pg.Scalar<long>("SELECT count(*) FROM pg_database WHERE datname LIKE 'shop_r%'"));
        }
    }
}

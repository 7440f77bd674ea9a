using System;
using System.IO;
using System.Linq;
using PlatformOps.Backup;
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

        [Fact]
        [Trait(Category.Name, Category.Docker)]
        public void The_toc_reader_agrees_with_pg_restore_on_the_database_and_its_owner()
        {
            Lab.RequireProfile(Lab.DockerProfile);
            var db = NewName("toc");
            var owner = db + "_owner";
            var root = NewBackupRoot();
            try
            {
                Execute("postgres", $"CREATE ROLE \"{owner}\"");
                Execute("postgres", $"CREATE DATABASE \"{db}\" OWNER \"{owner}\"");
                var r = _ps.Invoke("Invoke-PlatformBackup -Path $args[0] -Database $args[1] -SkipRedis -SkipGlobals -Profile $args[2]", root, db, Lab.DockerProfile);
                r.ShouldSucceed();
                var set = Assert.Single(r.Objects<PlatformBackupSet>());
                var dir = Path.Combine(set.Path, set.Manifest.Files.Single().Name);
                var toc = PgDumpToc.Read(Path.Combine(dir, "toc.dat"));
                Assert.NotNull(toc);
                var list = Run("pg_restore", "--list", dir);
                Assert.Contains($";     dbname: {db}", list);
                Assert.Contains($"Dump Version: {toc!.Version}", list);
                Assert.Equal(db, toc.DatabaseName);
                Assert.Equal(db, toc.DatabaseEntry);
                Assert.Equal(owner, toc.DatabaseOwner);
                Assert.Equal(owner, set.Manifest.Files.Single().Owner);
                // Every file of the set is 0600, every folder 0700 (pg_dump's own files included).
                Assert.Equal("700", PlatformOps.Common.AtomicFile.ModeOf(set.Path));
                Assert.All(Directory.GetFiles(set.Path, "*", SearchOption.AllDirectories), f => Assert.Equal("600", PlatformOps.Common.AtomicFile.ModeOf(f)));
                Assert.All(Directory.GetDirectories(set.Path, "*", SearchOption.AllDirectories), d => Assert.Equal("700", PlatformOps.Common.AtomicFile.ModeOf(d)));
            }
            finally
            {
                Drop(db);
                try { Execute("postgres", $"DROP ROLE IF EXISTS \"{owner}\""); } catch (Npgsql.NpgsqlException) { }
                DeleteFolder(root);
            }
        }
    }
}

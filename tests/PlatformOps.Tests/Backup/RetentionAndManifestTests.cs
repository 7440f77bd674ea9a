using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PlatformOps.Backup;
using PlatformOps.Postgres;
using PlatformOps.Redis;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Backup
{
    /// <summary>Retention decisions, Remove-PlatformBackup on sets made on disk, and the small pure pieces of the backup engine.</summary>
    [Collection(LabCollection.Name)]
    public sealed class RetentionAndManifestTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly string _root = Path.Combine(Path.GetTempPath(), "bk-retention-" + Guid.NewGuid().ToString("N")[..8]);

        public RetentionAndManifestTests(PowerShellFixture ps)
        {
            _ps = ps;
            Directory.CreateDirectory(_root);
        }

        public void Dispose() => BackupTestKit.DeleteFolder(_root);

        /// <summary>Writes a set with a manifest (and, if asked, a passed restore test) completed <paramref name="daysAgo"/> days ago.</summary>
        private string MakeSet(int daysAgo, bool restoreProven = false)
        {
            var completed = DateTime.UtcNow.AddDays(-daysAgo);
            var id = BackupSetFolder.NewId(completed);
            var path = Path.Combine(_root, id);
            Directory.CreateDirectory(path);
            File.WriteAllBytes(Path.Combine(path, "redis.rdb"), new byte[] { 1, 2, 3 });
            var manifest = new BackupManifest
            {
                Id = id,
                StartedUtc = completed.AddSeconds(-5),
                CompletedUtc = completed,
                DurationSeconds = 5,
                Files = { new BackupFileEntry { Name = "redis.rdb", Kind = "Redis", Format = "Rdb", Size = 3, Sha256 = "x" } },
            };
            ManifestSeal.Write(path, manifest.ToJson(), null);
            if (restoreProven) new BackupVerificationRecord { LastVerifiedUtc = completed, LastVerifyPassed = true, LastRestoreTestUtc = completed, LastRestorePassed = true, RestoreSeconds = 1.5 }.Save(path);
            return id;
        }

        private List<string> Ids() => BackupStore.List(_root, null).Select(s => s.Id).ToList();

        [Fact]
        public void Retention_keeps_the_last_N_or_the_young_and_never_the_newest_proven_set_unless_forced()
        {
            var sets = Enumerable.Range(0, 5).Select(i => new PlatformBackupSetBuilder(i, proven: i == 3).Build()).ToList();
            var keepTwo = BackupRetention.Decide(sets, 2, null, false, DateTime.UtcNow);
            Assert.Equal(new[] { "Kept", "Kept", "Remove", "Kept", "Remove" }, keepTwo.Select(d => d.Action).ToArray());
            Assert.Contains("restore was proven", keepTwo[3].Reason);

            var forced = BackupRetention.Decide(sets, 2, null, true, DateTime.UtcNow);
            Assert.Equal(new[] { "Kept", "Kept", "Remove", "Remove", "Remove" }, forced.Select(d => d.Action).ToArray());

            var young = BackupRetention.Decide(sets, null, TimeSpan.FromDays(2.5), false, DateTime.UtcNow);
            Assert.Equal(new[] { "Kept", "Kept", "Kept", "Kept", "Remove" }, young.Select(d => d.Action).ToArray());

            var either = BackupRetention.Decide(sets, 1, TimeSpan.FromDays(1.5), true, DateTime.UtcNow);
            Assert.Equal(new[] { "Kept", "Kept", "Remove", "Remove", "Remove" }, either.Select(d => d.Action).ToArray());
        }

        [Fact]
        public void Remove_PlatformBackup_honours_WhatIf_the_policy_and_the_proven_set()
        {
            var ids = new[] { MakeSet(0), MakeSet(1), MakeSet(2, restoreProven: true), MakeSet(3), MakeSet(4) };
            Directory.CreateDirectory(Path.Combine(_root, ".20000101T000000Z-dead.partial")); // left by a killed backup

            var whatIf = _ps.Invoke("Remove-PlatformBackup -Path $args[0] -KeepLast 1 -WhatIf", _root);
            whatIf.ShouldSucceed();
            Assert.Equal(5, Ids().Count);
            Assert.All(whatIf.Objects<BackupRetentionDecision>().Where(d => d.Action != "Kept"), d => Assert.Equal("Skipped", d.Action));

            var removed = _ps.Invoke("Remove-PlatformBackup -Path $args[0] -KeepLast 1 -Confirm:$false", _root);
            removed.ShouldSucceed();
            Assert.Equal(new[] { ids[0], ids[2] }, Ids().ToArray());
            Assert.Equal(3, removed.Objects<BackupRetentionDecision>().Count(d => d.Action == "Removed"));
            Assert.Empty(Directory.GetDirectories(_root, ".*"));

            var piped = _ps.Invoke("Get-PlatformBackup -Path $args[0] | Remove-PlatformBackup -Confirm:$false", _root);
            piped.ShouldSucceed();
            Assert.Equal(new[] { ids[2] }, Ids().ToArray());

            _ps.Invoke("Get-PlatformBackup -Path $args[0] | Remove-PlatformBackup -Force -Confirm:$false", _root).ShouldSucceed();
            Assert.Empty(Ids());

            var none = _ps.Invoke("Remove-PlatformBackup -Path $args[0] -Profile $args[1]", _root, Lab.DockerProfile);
            Assert.Equal("PlatformBackupRetentionMissing", none.ErrorId);
        }

        [Fact]
        public void Get_PlatformBackup_lists_newest_first_and_finds_by_id_and_latest()
        {
            var old = MakeSet(10);
            var mid = MakeSet(5);
            var newest = MakeSet(1);
            Directory.CreateDirectory(Path.Combine(_root, "not-a-set"));
            var all = _ps.Invoke("Get-PlatformBackup -Path $args[0]", _root);
            all.ShouldSucceed();
            Assert.Equal(new[] { newest, mid, old }, all.Objects<PlatformBackupSet>().Select(s => s.Id).ToArray());
            Assert.Equal(mid, Assert.Single(_ps.Invoke("Get-PlatformBackup -Path $args[0] -Id $args[1]", _root, mid).Objects<PlatformBackupSet>()).Id);
            Assert.Equal(newest, Assert.Single(_ps.Invoke("Get-PlatformBackup -Path $args[0] -Latest", _root).Objects<PlatformBackupSet>()).Id);
            var set = _ps.Invoke("Get-PlatformBackup -Path $args[0] -Latest", _root).Objects<PlatformBackupSet>().Single();
            Assert.True(set.Age > TimeSpan.FromHours(23));
            Assert.Equal(3, set.SizeBytes);
            var missing = _ps.Invoke("Get-PlatformBackup -Path $args[0] -Id nope", _root);
            Assert.Equal("PlatformBackupNotFound", missing.ErrorId);

        }

        [Fact]
        public void A_base_backup_set_in_the_same_folder_is_listed_as_Base_and_verified_through_its_backup_manifest()
        {
            var completed = DateTime.UtcNow.AddHours(-1);
            var id = BackupSetFolder.NewId(completed);
            var path = Path.Combine(_root, id);
            Directory.CreateDirectory(Path.Combine(path, "data"));
            var backupManifest = Path.Combine(path, "data", "backup_manifest");
            File.WriteAllText(backupManifest, "{ \"PostgreSQL-Backup-Manifest-Version\": 1, \"Files\": [] }\n");
            var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(backupManifest))).ToLowerInvariant();
            // What Invoke-PlatformBaseBackup writes (src/PlatformOps/Wal/BaseBackupEngine.cs): the same schema, kind "base".
            ManifestSeal.Write(path, $$"""
                { "schema": "platformops.backup/1", "id": "{{id}}", "kind": "base", "startedUtc": "{{completed:O}}", "completedUtc": "{{completed:O}}",
                  "durationSeconds": 3, "toolMode": "Host", "files": [ { "name": "data", "kind": "Base", "format": "Physical", "compression": "none", "size": 123, "sha256": "{{sha}}" } ],
                  "baseBackup": { "label": "x", "startLsn": "0/2000028" } }
                """, null);
            var set = Assert.Single(_ps.Invoke("Get-PlatformBackup -Path $args[0]", _root).Objects<PlatformBackupSet>());
            Assert.Equal("Base", set.Kind);
            Assert.Empty(set.Databases);
            Assert.True(Assert.Single(_ps.Invoke("Test-PlatformBackup -Path $args[0]", path).Objects<BackupTestResult>()).Passed);
            File.AppendAllText(backupManifest, "tampered");
            var failed = Assert.Single(_ps.Invoke("Test-PlatformBackup -Path $args[0] -WarningAction SilentlyContinue", path).Objects<BackupTestResult>());
            Assert.False(failed.Passed);
            Assert.Contains(failed.Failures, c => c.Name == "data/backup_manifest");
        }

        [Fact]
        public void A_base_manifest_is_written_byte_for_byte_as_before_the_two_manifest_classes_became_one()
        {
            // The JSON the former Wal.BaseBackupManifest wrote for these values: seals of existing sets are over these bytes.
            const string before = """
                {
                  "schema": "platformops.backup/1",
                  "id": "20250101T010203Z-abcd",
                  "kind": "base",
                  "platform": "lab",
                  "startedUtc": "2025-01-01T01:02:03Z",
                  "completedUtc": "2025-01-01T01:02:09Z",
                  "durationSeconds": 6.125,
                  "toolMode": "Host",
                  "toolVersion": "15.20",
                  "postgres": {
                    "endpoint": "127.0.0.1:55432",
                    "version": "15.20",
                    "container": "platform-postgres"
                  },
                  "files": [
                    {
                      "name": "data",
                      "kind": "Base",
                      "format": "Physical",
                      "compression": "none",
                      "size": 123456,
                      "sha256": "abababababababababababababababababababababababababababababababab"
                    }
                  ],
                  "baseBackup": {
                    "label": "platformops-x",
                    "startLsn": "0/2000028",
                    "endLsn": "0/2000100",
                    "startWal": "000000010000000000000002",
                    "endWal": "000000010000000000000002",
                    "timeline": 1,
                    "systemIdentifier": "7300000000000000001",
                    "walSegmentSize": 16777216,
                    "serverMajor": 15,
                    "walMethod": "stream",
                    "verified": true,
                    "verifiedWith": "pg_verifybackup 15.20",
                    "archiveMode": "on",
                    "walArchive": "/srv/wal"
                  }
                }
                """;
            var manifest = new BackupManifest
            {
                Id = "20250101T010203Z-abcd",
                Kind = BackupManifest.KindBase,
                Platform = "lab",
                StartedUtc = new DateTime(2025, 1, 1, 1, 2, 3, DateTimeKind.Utc),
                CompletedUtc = new DateTime(2025, 1, 1, 1, 2, 9, DateTimeKind.Utc),
                DurationSeconds = 6.125,
                ToolMode = "Host",
                ToolVersion = "15.20",
                Postgres = new BackupServerInfo { Endpoint = "127.0.0.1:55432", Version = "15.20", Container = "platform-postgres" },
                Files = { new BackupFileEntry { Name = "data", Kind = "Base", Format = "Physical", Compression = "none", Size = 123456, Sha256 = string.Concat(Enumerable.Repeat("ab", 32)) } },
                BaseBackup = new BaseBackupInfo
                {
                    Label = "platformops-x", StartLsn = "0/2000028", EndLsn = "0/2000100", StartWal = "000000010000000000000002", EndWal = "000000010000000000000002",
                    Timeline = 1, SystemIdentifier = "7300000000000000001", WalSegmentSize = 16777216, ServerMajor = 15, Verified = true,
                    VerifiedWith = "pg_verifybackup 15.20", ArchiveMode = "on", WalArchive = "/srv/wal",
                },
            };
            Assert.Equal(before.Replace("\r\n", "\n"), manifest.ToJson().Replace("\r\n", "\n"));
            // And it reads back as the base set it is, through the one reader.
            var path = Path.Combine(_root, manifest.Id);
            Directory.CreateDirectory(path);
            ManifestFile.Write(path, manifest, null);
            var read = ManifestFile.ReadBase(path, null);
            Assert.Equal("/srv/wal", read.BaseBackup!.WalArchive);
            Assert.Equal(BackupSetKinds.Base, read.SetKind);
        }

        [Fact]
        public void Pure_pieces_names_versions_paths_and_the_rdb_reader()
        {
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            Assert.Equal("app.dir", PostgresDumpStep.SafeName("app", used, ".dir"));
            Assert.Equal("APP-2.dir", PostgresDumpStep.SafeName("APP", used, ".dir"));
            Assert.Equal("my_db_x.dir", PostgresDumpStep.SafeName("my db/x", used, ".dir"));
            Assert.Equal("_hidden.dir", PostgresDumpStep.SafeName(".hidden", used, ".dir"));

            Assert.Equal(("15.20", 15), PgTools.ParseVersion("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"));
            Assert.Equal(("17", 17), PgTools.ParseVersion("pg_dump (PostgreSQL) 17devel"));
            Assert.Equal((string.Empty, 0), PgTools.ParseVersion("bash: pg_dump: not found"));
            Assert.Equal(63, PgRestore.Name(new string('d', 80), "_restoring_abcd").Length);
            Assert.Equal((102, 105), RedisRestore.ParseUser("102:105"));
            Assert.Equal((0, 0), RedisRestore.ParseUser("redis"));

            var rdb = Path.Combine(_root, "bad.rdb");
            File.WriteAllText(rdb, "REDIS0010\u00fa");
            Assert.Throws<InvalidDataException>(() => RdbKeyCounter.Count(rdb));
            File.WriteAllText(rdb, "NOTREDIS!");
            Assert.Throws<InvalidDataException>(() => RdbKeyCounter.Count(rdb));
        }
    }

    internal sealed class PlatformBackupSetBuilder
    {
        private readonly int _daysAgo;
        private readonly bool _proven;

        public PlatformBackupSetBuilder(int daysAgo, bool proven)
        {
            _daysAgo = daysAgo;
            _proven = proven;
        }

        public PlatformBackupSet Build()
        {
            var completed = DateTime.UtcNow.AddDays(-_daysAgo);
            var manifest = new BackupManifest { Id = BackupSetFolder.NewId(completed), StartedUtc = completed, CompletedUtc = completed };
            var record = _proven ? new BackupVerificationRecord { LastVerifyPassed = true, LastRestorePassed = true } : null;
            return PlatformBackupSet.From("/nowhere/" + manifest.Id, manifest, record, BackupManifestSeal.Sealed);
        }
    }
}

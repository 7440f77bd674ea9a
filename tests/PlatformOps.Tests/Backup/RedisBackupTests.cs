using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using PlatformOps.Backup;
using PlatformOps.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;
using static PlatformOps.Tests.Backup.BackupTestKit;

namespace PlatformOps.Tests.Backup
{
    /// <summary>
    /// Redis backups against a Redis container of the test's own (the lab's Redis is shared, and a restore replaces
    /// every key): keys of every type survive backup, verification in a scratch redis-server and a restore into the container.
    /// </summary>
    [Collection(LabCollection.Name)]
    [Trait(Category.Name, Category.Docker)]
    public sealed class RedisBackupTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly string _dir;
        private readonly string _container;
        private readonly int _port;
        private readonly string _password = TestProcess.KeepSecret(Guid.NewGuid().ToString("N"));
        private readonly string _profile;

        public RedisBackupTests(PowerShellFixture ps)
        {
            _ps = ps;
            _dir = Path.Combine(Path.GetTempPath(), "bk-redis-" + Guid.NewGuid().ToString("N")[..8]);
            _container = Path.GetFileName(_dir);
            _port = PlatformOps.Common.LoopbackPort.Free();
            Directory.CreateDirectory(Path.Combine(_dir, "data"));
            File.WriteAllText(Path.Combine(_dir, "redis.conf"),
                $"bind 127.0.0.1\nport {_port}\ndir {_dir}/data\ndbfilename dump.rdb\nsave \"\"\nappendonly no\nrequirepass {_password}\nrepl-diskless-sync-delay 0\n");
            File.WriteAllText(Path.Combine(_dir, "redis.password"), _password + "\n");
            TestProcess.Check("chmod", "600", Path.Combine(_dir, "redis.conf"), Path.Combine(_dir, "redis.password"));
            TestProcess.Check("chown", "-R", "redis:redis", _dir);
            TestProcess.Check("docker", "run", "-d", "--name", _container, "--network", "host", "--user", TestProcess.Check("id", "-u", "redis").Trim() + ":" + TestProcess.Check("id", "-g", "redis").Trim(),
                "-v", "/usr:/usr:ro", "-v", $"{_dir}:{_dir}", "platformops-lab/redis:7", "/usr/bin/redis-server", Path.Combine(_dir, "redis.conf"));
            _profile = Path.Combine(_dir, "profile.json");
            File.WriteAllText(_profile, $$"""
                { "Name": "bk-redis-test",
                  "Docker": { "Endpoint": "unix:///var/run/docker.sock" },
                  "Redis": { "Host": "127.0.0.1", "Port": {{_port}}, "PasswordFile": "{{_dir}}/redis.password", "Container": "{{_container}}" },
                  "Backup": { "Path": "{{_dir}}/backups" } }
                """);
            for (var i = 0; i < 100; i++)
            {
                try { using var m = Connect(); if (m.GetDatabase().Ping() > TimeSpan.Zero) break; }
                catch (RedisConnectionException) { Thread.Sleep(100); }
            }
        }

        public void Dispose()
        {
            try { TestProcess.Check("docker", "rm", "-f", _container); } catch (InvalidOperationException) { }
            DeleteFolder(_dir);
        }

        private ConnectionMultiplexer Connect()
        {
            var options = new ConfigurationOptions { Password = _password, AllowAdmin = true, ConnectTimeout = 2000, AbortOnConnectFail = true };
            options.EndPoints.Add("127.0.0.1", _port);
            return ConnectionMultiplexer.Connect(options);
        }

        private static void Populate(IDatabase db0, IDatabase db3)
        {
            db0.StringSet("str:binary", new byte[] { 0, 1, 2, 255, 0, (byte)'\r', (byte)'\n' });
            db0.StringSet("str:int", 12345);
            db0.StringSet("str:ttl", "expires later", TimeSpan.FromHours(1));
            db0.StringSet("str:unicode", "ü€😀 " + new string('z', 5000)); // long enough to be LZF-compressed in the RDB
            db0.ListRightPush("list:small", new RedisValue[] { "a", "b", "" });
            db0.ListRightPush("list:big", Enumerable.Range(0, 2000).Select(i => (RedisValue)("item-" + i)).ToArray());
            db0.SetAdd("set:ints", Enumerable.Range(0, 50).Select(i => (RedisValue)i).ToArray());
            db0.SetAdd("set:small", new RedisValue[] { "x", "y" });
            db0.SetAdd("set:big", Enumerable.Range(0, 700).Select(i => (RedisValue)("m" + i)).ToArray());
            db0.SortedSetAdd("zset:small", new[] { new SortedSetEntry("a", 1.5), new SortedSetEntry("b", -2) });
            db0.SortedSetAdd("zset:big", Enumerable.Range(0, 300).Select(i => new SortedSetEntry("z" + i, i / 3.0)).ToArray());
            db0.HashSet("hash:small", new[] { new HashEntry("f1", "v1"), new HashEntry("f2", 2) });
            db0.HashSet("hash:big", Enumerable.Range(0, 700).Select(i => new HashEntry("f" + i, "v" + i)).ToArray());
            db0.StreamAdd("stream:events", new[] { new NameValueEntry("kind", "created"), new NameValueEntry("n", 1) });
            db0.StreamAdd("stream:events", "kind", "updated");
            db0.StreamCreateConsumerGroup("stream:events", "workers", "0-0");
            db0.StreamReadGroup("stream:events", "workers", "w1", ">", 1);
            db3.StringSet("other:db", "three");
            db3.ListRightPush("other:list", "l");
        }

        /// <summary>Every key of a database as canonical text, by type.</summary>
        private static SortedDictionary<string, string> Snapshot(IDatabase db, IServer server)
        {
            var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var key in server.Keys(db.Database, pageSize: 1000))
            {
                var type = db.KeyType(key);
                string value = type switch
                {
                    RedisType.String => Convert.ToBase64String((byte[])db.StringGet(key)!),
                    RedisType.List => string.Join("|", db.ListRange(key)),
                    RedisType.Set => string.Join("|", db.SetMembers(key).Select(v => (string)v!).OrderBy(v => v, StringComparer.Ordinal)),
                    RedisType.SortedSet => string.Join("|", db.SortedSetRangeByRankWithScores(key).Select(e => $"{e.Element}={e.Score}")),
                    RedisType.Hash => string.Join("|", db.HashGetAll(key).Select(e => $"{e.Name}={e.Value}").OrderBy(v => v, StringComparer.Ordinal)),
                    RedisType.Stream => string.Join("|", db.StreamRange(key).Select(e => e.Id + ":" + string.Join(",", e.Values.Select(v => $"{v.Name}={v.Value}"))))
                                        + "#" + string.Join(",", db.StreamGroupInfo(key).Select(g => $"{g.Name}/{g.PendingMessageCount}")),
                    _ => "?",
                };
                result[$"{type}:{key}"] = value;
            }
            return result;
        }

        [Fact]
        public void Keys_of_every_type_survive_backup_scratch_verification_and_a_restore_into_the_container()
        {
            SortedDictionary<string, string> before0, before3;
            using (var m = Connect())
            {
                Populate(m.GetDatabase(0), m.GetDatabase(3));
                var server = m.GetServer("127.0.0.1", _port);
                before0 = Snapshot(m.GetDatabase(0), server);
                before3 = Snapshot(m.GetDatabase(3), server);
            }
            Assert.Equal(14, before0.Count);

            var backup = _ps.Invoke("Invoke-PlatformBackup -Profile $args[0] -SkipPostgres", _profile);
            backup.ShouldSucceed();
            var set = Assert.Single(backup.Objects<PlatformBackupSet>());
            var entry = Assert.Single(set.Manifest.Files);
            Assert.Equal("Redis", entry.Kind);
            Assert.Equal(14, entry.Keys!["0"]);
            Assert.Equal(2, entry.Keys!["3"]);
            Assert.Null(entry.KeysPartial);
            Assert.StartsWith("7.", set.RedisVersion);

            var test = _ps.Invoke("$args[1] | Test-PlatformBackup -Restore -Profile $args[0]", _profile, set);
            test.ShouldSucceed();
            var result = Assert.Single(test.Objects<BackupTestResult>());
            Assert.True(result.Passed, string.Join("; ", result.Failures));
            Assert.Equal(16, result.KeysCompared);

            var started = TestProcess.Check("docker", "inspect", "-f", "{{.State.StartedAt}}", _container).Trim();
            using (var m = Connect())
            {
                m.GetServer("127.0.0.1", _port).FlushAllDatabases();
                m.GetDatabase(0).StringSet("junk", "written after the backup");
            }

            var whatIf = _ps.Invoke("Get-PlatformBackup -Profile $args[0] -Latest | Restore-PlatformRedis -Profile $args[0] -WhatIf", _profile);
            whatIf.ShouldSucceed();
            Assert.Equal(started, TestProcess.Check("docker", "inspect", "-f", "{{.State.StartedAt}}", _container).Trim());
            using (var m = Connect()) Assert.Equal("written after the backup", (string?)m.GetDatabase(0).StringGet("junk"));

            var restore = _ps.Invoke("Get-PlatformBackup -Profile $args[0] -Latest | Restore-PlatformRedis -Profile $args[0] -Confirm:$false", _profile);
            restore.ShouldSucceed();
            var restored = Assert.Single(restore.Objects<RedisRestoreResult>());
            Assert.True(restored.Passed);
            Assert.Equal(16, restored.KeysLoaded);
            using (var m = Connect())
            {
                var server = m.GetServer("127.0.0.1", _port);
                Assert.Equal(before0, Snapshot(m.GetDatabase(0), server));
                Assert.Equal(before3, Snapshot(m.GetDatabase(3), server));
                var ttl = m.GetDatabase(0).KeyTimeToLive("str:ttl");
                Assert.True(ttl > TimeSpan.FromMinutes(50), $"TTL {ttl}");
                Assert.False(m.GetDatabase(0).KeyExists("junk"));

                // With the AOF on, Redis would load the AOF at startup and ignore the RDB: the restore refuses.
                server.ConfigSet("appendonly", "yes");
            }
            var aof = _ps.Invoke("Restore-PlatformRedis -Path $args[1] -Profile $args[0] -Confirm:$false", _profile, set.Path);
            Assert.Equal("RedisAofEnabled", aof.ErrorId);
            Assert.Contains("appendonly", aof.ErrorMessage);
        }

        [Fact]
        public void A_wrong_redis_password_gives_a_clear_error_and_no_set()
        {
            File.WriteAllText(Path.Combine(_dir, "redis.password"), "wrong-password-0815\n");
            var r = _ps.Invoke("Invoke-PlatformBackup -Profile $args[0] -SkipPostgres", _profile);
            Assert.Equal("RedisAuthenticationFailed", r.ErrorId);
            Assert.DoesNotContain("wrong-password-0815", r.Transcript);
            Assert.DoesNotContain(_password, r.Transcript);
            var backups = Path.Combine(_dir, "backups");
            Assert.True(!Directory.Exists(backups) || Directory.GetFileSystemEntries(backups).Length == 0);
        }
    }
}

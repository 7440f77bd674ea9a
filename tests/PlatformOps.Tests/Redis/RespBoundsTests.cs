using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Redis;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Redis
{
    /// <summary>
    /// A Redis server is untrusted input too: a `$2000000000` reply, a line without end, or silence ends each raw RESP
    /// exchange (the one-command client and the replication-stream snapshot) with a clean error within its timeout,
    /// without allocating what the server claims.
    /// </summary>
    public sealed class RespBoundsTests
    {
        private static FakeTcpServer Answering(params string[] replies)
        {
            return new FakeTcpServer(async (stream, ct) =>
            {
                foreach (var reply in replies)
                {
                    await FakeTcpServer.ReceiveAsync(stream, ct);
                    var bytes = Encoding.ASCII.GetBytes(reply);
                    await stream.WriteAsync(bytes.AsMemory(), ct);
                }
                await Task.Delay(Timeout.Infinite, ct);
            });
        }

        /// <summary>Answers the first command with '+' and then an endless line (64 MB without a newline, then silence).</summary>
        private static FakeTcpServer EndlessLine(int answerAfter)
        {
            return new FakeTcpServer(async (stream, ct) =>
            {
                for (var i = 0; i < answerAfter; i++)
                {
                    await FakeTcpServer.ReceiveAsync(stream, ct);
                    var ok = Encoding.ASCII.GetBytes("+OK\r\n");
                    if (i < answerAfter - 1) await stream.WriteAsync(ok.AsMemory(), ct);
                }
                var chunk = Encoding.ASCII.GetBytes(new string('a', 65536));
                await stream.WriteAsync(new[] { (byte)'+' }.AsMemory(), ct);
                for (var sent = 0L; sent < 64L << 20; sent += chunk.Length) await stream.WriteAsync(chunk.AsMemory(), ct);
                await Task.Delay(Timeout.Infinite, ct);
            });
        }

        private static async Task<(Exception? Error, TimeSpan Elapsed, long Allocated)> Run(Func<Task> work, TimeSpan guard)
        {
            var before = GC.GetTotalAllocatedBytes(true);
            var clock = Stopwatch.StartNew();
            var task = work();
            var finished = await Task.WhenAny(task, Task.Delay(guard));
            Assert.True(finished == task, $"still waiting after {clock.Elapsed.TotalSeconds:0.0} s");
            Exception? error = null;
            try { await task; }
            catch (Exception ex) { error = ex; }
            return (error, clock.Elapsed, GC.GetTotalAllocatedBytes(true) - before);
        }

        private static void AssertClean(Exception? error, string what, params string[] ids)
        {
            Assert.True(error is PlatformOpsException, $"{what}: expected a PlatformOpsException, got {error?.GetType().Name ?? "no error"}: {error?.Message}");
            Assert.Contains(((PlatformOpsException)error!).ErrorId, ids);
        }

        [Fact]
        public async Task The_one_command_client_refuses_a_2GB_bulk_reply_without_allocating_it()
        {
            using var server = Answering("$2000000000\r\n");
            var (error, elapsed, allocated) = await Run(() => RespClient.CommandAsync("127.0.0.1", server.Port, null, CancellationToken.None, "PING"), TimeSpan.FromSeconds(20));
            AssertClean(error, "$2000000000", "RedisReplyTooLarge");
            Assert.Contains("2000000000", error!.Message);
            Assert.True(elapsed < TimeSpan.FromSeconds(2), elapsed.ToString());
            Assert.True(allocated < 64L << 20, $"allocated {allocated} bytes");
        }

        [Fact]
        public async Task The_one_command_client_refuses_an_endless_line_and_a_malformed_length()
        {
            using var endless = EndlessLine(1);
            var (error, elapsed, allocated) = await Run(() => RespClient.CommandAsync("127.0.0.1", endless.Port, null, CancellationToken.None, "PING"), TimeSpan.FromSeconds(20));
            AssertClean(error, "an endless line", "RedisReplyTooLarge");
            Assert.True(elapsed < TimeSpan.FromSeconds(5.5), elapsed.ToString());
            Assert.True(allocated < 64L << 20, $"allocated {allocated} bytes");

            foreach (var reply in new[] { "$abc\r\n", "$99999999999999999999\r\n", "$-7\r\n" })
            {
                using var bad = Answering(reply);
                var (e, _, _) = await Run(() => RespClient.CommandAsync("127.0.0.1", bad.Port, null, CancellationToken.None, "PING"), TimeSpan.FromSeconds(20));
                AssertClean(e, reply.Trim(), "RedisProtocolError");
            }
        }

        [Fact]
        public async Task The_one_command_client_gives_up_on_silence_within_its_timeout()
        {
            using var silent = FakeTcpServer.Silent();
            var (error, elapsed, _) = await Run(() => RespClient.CommandAsync("127.0.0.1", silent.Port, null, CancellationToken.None, "PING"), TimeSpan.FromSeconds(20));
            AssertClean(error, "silence", "RedisTimeout");
            Assert.True(elapsed < TimeSpan.FromSeconds(7), elapsed.ToString()); // a 5 s deadline, with room for a loaded 2-core machine
            // A password-protected exchange: the AUTH reply is bounded by the same deadline.
            (error, elapsed, _) = await Run(() => RespClient.CommandAsync("127.0.0.1", silent.Port, "secret", CancellationToken.None, "PING"), TimeSpan.FromSeconds(20));
            AssertClean(error, "silence after AUTH", "RedisTimeout");
            Assert.True(elapsed < TimeSpan.FromSeconds(5.5), elapsed.ToString());
            Assert.DoesNotContain("secret", error!.Message);
        }

        [Fact]
        public async Task The_snapshot_stream_refuses_malformed_and_endless_headers_cleanly()
        {
            var target = new RedisTarget("127.0.0.1", 0, null, null);
            foreach (var header in new[] { "$abc\r\n", "$99999999999999999999\r\n", "$-5\r\n", "$\r\n" })
            {
                using var server = Answering("+OK\r\n", header);
                using var output = new MemoryStream();
                var t = new RedisTarget("127.0.0.1", server.Port, null, null);
                var (error, elapsed, _) = await Run(() => ReplicationSnapshot.CopyRdbAsync(t, output, CancellationToken.None, TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(20));
                AssertClean(error, header.Trim(), "RedisSnapshotFailed");
                Assert.True(elapsed < TimeSpan.FromSeconds(3.5), elapsed.ToString());
            }

            using var endless = EndlessLine(2);
            using var sink = new MemoryStream();
            var e2 = new RedisTarget("127.0.0.1", endless.Port, null, null);
            var (err, took, allocated) = await Run(() => ReplicationSnapshot.CopyRdbAsync(e2, sink, CancellationToken.None, TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(20));
            AssertClean(err, "an endless SYNC header", "RedisSnapshotFailed");
            Assert.True(took < TimeSpan.FromSeconds(3.5), took.ToString());
            Assert.True(allocated < 64L << 20, $"allocated {allocated} bytes");
            _ = target;
        }

        [Fact]
        public async Task The_snapshot_payload_is_streamed_not_allocated_and_silence_ends_at_the_timeout()
        {
            // The server announces 2 GB, sends 1 MB of it, then goes quiet: the bytes go to the output as they come,
            // and the dump ends at its timeout with a clean error.
            FakeTcpServer? server = null;
            server = new FakeTcpServer(async (stream, ct) =>
            {
                await FakeTcpServer.ReceiveAsync(stream, ct);
                await server!.SendAsync(stream, Encoding.ASCII.GetBytes("+OK\r\n"), ct);
                await FakeTcpServer.ReceiveAsync(stream, ct);
                await server.SendAsync(stream, Encoding.ASCII.GetBytes("$2000000000\r\n"), ct);
                await server.SendAsync(stream, new byte[1 << 20], ct);
                await Task.Delay(Timeout.Infinite, ct);
            });
            using (server)
            {
                var target = new RedisTarget("127.0.0.1", server.Port, null, null);
                var file = Path.GetTempFileName();
                try
                {
                    await using var output = File.Create(file);
                    var (error, elapsed, allocated) = await Run(() => ReplicationSnapshot.CopyRdbAsync(target, output, CancellationToken.None, TimeSpan.FromSeconds(2)), TimeSpan.FromSeconds(20));
                    AssertClean(error, "a silent 2 GB snapshot", "RedisTimeout");
                    Assert.True(elapsed < TimeSpan.FromSeconds(2.5), elapsed.ToString());
                    Assert.True(allocated < 64L << 20, $"allocated {allocated} bytes");
                    Assert.Equal(1 << 20, output.Length);
                }
                finally
                {
                    File.Delete(file);
                }
            }
        }

        [Fact]
        public async Task A_real_redis_server_still_answers_and_streams_its_snapshot_disk_and_diskless()
        {
            // A redis-server of this test's own on a free loopback port (the real judge of the bounded reader).
            var server = ScratchRedis.FindServer();
            Assert.True(server != null, "redis-server is not installed (apt-get install redis-server)");
            var dir = Path.Combine(Path.GetTempPath(), "po-resp-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            var port = PlatformOps.Common.LoopbackPort.Free();
            // The configuration, password included, goes in on standard input ("-"), never on the command line.
            var config = $"bind 127.0.0.1\nport {port}\ndir {dir}\nsave \"\"\nappendonly no\nrequirepass {TestProcess.KeepSecret("resp-test-pw")}\nrepl-diskless-sync-delay 0\n";
            using var process = TestProcess.Start(server!, new[] { "-" }, new ProcessOptions { StandardInput = config });
            try
            {
                Assert.True(await RespClient.WaitReadyAsync("127.0.0.1", port, "resp-test-pw", TimeSpan.FromSeconds(10), () => process.HasExited, CancellationToken.None));
                var value = new string('v', 100_000);
                Assert.Equal("+OK", await RespClient.CommandAsync("127.0.0.1", port, "resp-test-pw", CancellationToken.None, "SET", "big", value));
                Assert.Equal(value, await RespClient.CommandAsync("127.0.0.1", port, "resp-test-pw", CancellationToken.None, "GET", "big"));
                Assert.Equal(string.Empty, await RespClient.CommandAsync("127.0.0.1", port, "resp-test-pw", CancellationToken.None, "GET", "missing"));
                Assert.StartsWith("-WRONGPASS", await RespClient.CommandAsync("127.0.0.1", port, "wrong", CancellationToken.None, "PING"));
                var keys = RespClient.ParseKeyspace(await RespClient.CommandAsync("127.0.0.1", port, "resp-test-pw", CancellationToken.None, "INFO", "keyspace"), "127.0.0.1:" + port);
                Assert.Equal(1, keys["0"]);

                var target = new RedisTarget("127.0.0.1", port, "resp-test-pw", null);
                foreach (var diskless in new[] { "no", "yes" })
                {
                    Assert.Equal("+OK", await RespClient.CommandAsync("127.0.0.1", port, "resp-test-pw", CancellationToken.None, "CONFIG", "SET", "repl-diskless-sync", diskless));
                    var file = Path.Combine(dir, $"snap-{diskless}.rdb");
                    long length;
                    await using (var output = File.Create(file)) length = await ReplicationSnapshot.CopyRdbAsync(target, output, CancellationToken.None, TimeSpan.FromSeconds(30));
                    Assert.Equal(length, new FileInfo(file).Length);
                    var (counted, partial) = RdbKeyCounter.Count(file);
                    Assert.False(partial);
                    Assert.Equal(1, counted["0"]);
                }
            }
            finally
            {
                process.Dispose();
                Directory.Delete(dir, true);
            }
        }
    }
}

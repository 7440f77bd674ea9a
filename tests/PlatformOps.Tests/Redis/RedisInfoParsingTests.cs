using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Redis;
using Xunit;

namespace PlatformOps.Tests.Redis
{
    /// <summary>
    /// The key count after a Redis restore (and in a scratch server) comes from INFO keyspace. Whatever text answers
    /// there, the result is a clean count or a clear PlatformOps error, never a FormatException. The answers come
    /// from a small fake server on a loopback port that speaks just enough RESP.
    /// </summary>
    public sealed class RedisInfoParsingTests
    {
        [Fact]
        public async Task A_well_formed_keyspace_is_counted_per_database_whatever_the_field_order()
        {
            using var fake = new FakeRedis(Bulk("# Keyspace\r\ndb0:keys=12,expires=0,avg_ttl=0\r\ndb3:expires=1,keys=4\r\n"));
            var keys = await RespClient.KeyspaceAsync("127.0.0.1", fake.Port, "secret-pw", CancellationToken.None);
            Assert.Equal(new Dictionary<string, long> { ["0"] = 12, ["3"] = 4 }, keys);
            Assert.Equal(new[] { "AUTH secret-pw", "INFO keyspace" }, fake.Commands);

            using var empty = new FakeRedis(Bulk("# Keyspace\r\n"));
            Assert.Empty(await RespClient.KeyspaceAsync("127.0.0.1", empty.Port, null, CancellationToken.None));
        }

        [Theory]
        [InlineData("# Keyspace\r\ndb0:keys=abc,expires=0\r\n", "db0:keys=abc")]
        [InlineData("# Keyspace\r\ndb0:keys=99999999999999999999999,expires=0\r\n", "db0:keys=99999999999999999999999")]
        [InlineData("# Keyspace\r\ndb1:keys=\r\n", "db1:keys=")]
        [InlineData("# Keyspace\r\ndb2:keys=-5,expires=0\r\n", "db2:keys=-5")]
        [InlineData("# Keyspace\r\ndb0:expires=3\r\n", "db0:expires=3")]
        public async Task A_keyspace_line_without_a_whole_key_count_is_a_clear_error(string info, string quoted)
        {
            using var fake = new FakeRedis(Bulk(info));
            var error = await Assert.ThrowsAsync<PlatformOpsException>(() => RespClient.KeyspaceAsync("127.0.0.1", fake.Port, null, CancellationToken.None));
            Assert.Equal("RedisInfoInvalid", error.ErrorId);
            Assert.Contains(quoted, error.Message, StringComparison.Ordinal);
            Assert.Contains($"127.0.0.1:{fake.Port}", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task An_error_reply_or_a_garbled_reply_header_is_a_clear_error_not_zero_keys()
        {
            using (var refusing = new FakeRedis("-NOPERM this user has no permissions to run the 'info' command\r\n"))
            {
                var error = await Assert.ThrowsAsync<PlatformOpsException>(() => RespClient.KeyspaceAsync("127.0.0.1", refusing.Port, null, CancellationToken.None));
                Assert.Equal("RedisCommandFailed", error.ErrorId);
                Assert.Contains("NOPERM", error.Message, StringComparison.Ordinal);
            }
            using (var garbled = new FakeRedis("$12x\r\nhello\r\n"))
            {
                var error = await Assert.ThrowsAsync<PlatformOpsException>(() => RespClient.KeyspaceAsync("127.0.0.1", garbled.Port, null, CancellationToken.None));
                Assert.Equal("RedisProtocolError", error.ErrorId); // the bounded RESP reader refuses the header
                Assert.Contains("$12x", error.Message, StringComparison.Ordinal);
            }
            using (var huge = new FakeRedis("$2147483647\r\n"))
            {
                var error = await Assert.ThrowsAsync<PlatformOpsException>(() => RespClient.KeyspaceAsync("127.0.0.1", huge.Port, null, CancellationToken.None));
                Assert.Equal("RedisReplyTooLarge", error.ErrorId); // refused, never allocated
            }
        }

        private static string Bulk(string text) => $"${Encoding.UTF8.GetByteCount(text)}\r\n{text}\r\n";

        /// <summary>Accepts connections on 127.0.0.1; answers AUTH with +OK and every other command with the crafted reply.</summary>
        private sealed class FakeRedis : IDisposable
        {
            private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
            private readonly string _reply;
            private readonly CancellationTokenSource _stop = new CancellationTokenSource();
            private readonly List<string> _commands = new List<string>();

            public FakeRedis(string reply)
            {
                _reply = reply;
                _listener.Start();
                Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
                _ = Task.Run(ServeAsync);
            }

            public int Port { get; }

            public IReadOnlyList<string> Commands
            {
                get { lock (_commands) return _commands.ToArray(); }
            }

            private async Task ServeAsync()
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try { client = await _listener.AcceptTcpClientAsync(); }
                    catch (Exception ex) when (ex is ObjectDisposedException || ex is SocketException) { return; }
                    using (client)
                    {
                        try
                        {
                            var stream = client.GetStream();
                            while (true)
                            {
                                var command = ReadCommand(stream);
                                if (command == null) break;
                                lock (_commands) _commands.Add(command);
                                var answer = Encoding.UTF8.GetBytes(command.StartsWith("AUTH ", StringComparison.Ordinal) ? "+OK\r\n" : _reply);
                                stream.Write(answer, 0, answer.Length);
                            }
                        }
                        catch (IOException) { }
                    }
                }
            }

            private static string? ReadCommand(Stream stream)
            {
                var header = ReadLine(stream);
                if (header == null || !header.StartsWith('*')) return null;
                var parts = new List<string>();
                for (var i = int.Parse(header.Substring(1)); i > 0; i--)
                {
                    ReadLine(stream);
                    parts.Add(ReadLine(stream) ?? string.Empty);
                }
                return string.Join(" ", parts);
            }

            private static string? ReadLine(Stream stream)
            {
                var bytes = new List<byte>();
                while (true)
                {
                    var b = stream.ReadByte();
                    if (b < 0) return null;
                    if (b == '\n') return Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\r');
                    bytes.Add((byte)b);
                }
            }

            public void Dispose()
            {
                _stop.Cancel();
                _listener.Stop();
                _stop.Dispose();
            }
        }
    }
}

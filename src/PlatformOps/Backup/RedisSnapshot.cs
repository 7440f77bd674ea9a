using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>
    /// Captures a Redis snapshot without stopping the server, the way `redis-cli --rdb` does: it asks for the
    /// replication stream (SYNC), receives the RDB the server forks for it (disk or diskless), and closes the link.
    /// The password goes over the socket (AUTH), never to a process.
    /// </summary>
    internal static class RedisSnapshot
    {
        /// <summary>Streams the server's RDB into <paramref name="output"/>; returns its length.</summary>
        public static async Task<long> DumpAsync(RedisTarget target, Stream output, CancellationToken cancellationToken, TimeSpan? timeout = null)
        {
            using var tcp = new TcpClient { NoDelay = true, ReceiveBufferSize = 1 << 20 };
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout ?? TimeSpan.FromMinutes(30));
            using var close = deadline.Token.Register(() => tcp.Close());
            try
            {
                await tcp.ConnectAsync(target.Host, target.Port).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw target.Explain(ex);
            }
            var stream = tcp.GetStream();
            var reader = new RespReader(stream);
            try
            {
                if (target.HasPassword)
                {
                    await RawRedis.SendAsync(stream, deadline.Token, "AUTH", target.Password!).ConfigureAwait(false);
                    var reply = await reader.ReadLineAsync().ConfigureAwait(false);
                    if (!reply.StartsWith("+", StringComparison.Ordinal))
                        throw new PlatformOpsException("RedisAuthenticationFailed", System.Management.Automation.ErrorCategory.AuthenticationError, target,
                            $"Redis at {target.Endpoint} refused the password. Check -Credential or the profile's PasswordFile.");
                }
                // Redis 7 sends only the RDB to an rdb-only replica; older servers answer an error, which is fine.
                await RawRedis.SendAsync(stream, deadline.Token, "REPLCONF", "rdb-only", "1").ConfigureAwait(false);
                await reader.ReadLineAsync().ConfigureAwait(false);
                await RawRedis.SendAsync(stream, deadline.Token, "SYNC").ConfigureAwait(false);

                string header;
                do
                {
                    header = await reader.ReadLineAsync().ConfigureAwait(false); // empty lines are keep-alives while the fork writes
                }
                while (header.Length == 0);
                if (header.StartsWith("-", StringComparison.Ordinal))
                {
                    var reason = header.Substring(1);
                    if (reason.StartsWith("NOAUTH", StringComparison.Ordinal) || reason.StartsWith("WRONGPASS", StringComparison.Ordinal))
                        throw new PlatformOpsException("RedisAuthenticationFailed", System.Management.Automation.ErrorCategory.AuthenticationError, target,
                            $"Redis at {target.Endpoint} needs a password. Check -Credential or the profile's PasswordFile.");
                    throw new PlatformOpsException("RedisSnapshotFailed", System.Management.Automation.ErrorCategory.InvalidOperation, target,
                        $"Redis at {target.Endpoint} refused to send a snapshot: {reason}");
                }
                if (!header.StartsWith("$", StringComparison.Ordinal))
                    throw new PlatformOpsException("RedisSnapshotFailed", System.Management.Automation.ErrorCategory.InvalidData, target,
                        $"Redis at {target.Endpoint} answered SYNC with '{header}'.");
                if (header.StartsWith("$EOF:", StringComparison.Ordinal))
                    return await reader.CopyUntilMarkAsync(Encoding.ASCII.GetBytes(header.Substring(5)), output, deadline.Token).ConfigureAwait(false);
                if (!long.TryParse(header.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                    throw new PlatformOpsException("RedisSnapshotFailed", System.Management.Automation.ErrorCategory.InvalidData, target,
                        $"Redis at {target.Endpoint} answered SYNC with a malformed length '{(header.Length > 40 ? header.Substring(0, 40) + "..." : header)}'.");
                await reader.CopyExactlyAsync(length, output, deadline.Token).ConfigureAwait(false);
                return length;
            }
            catch (Exception ex) when ((ex is IOException || ex is ObjectDisposedException || ex is SocketException) && !cancellationToken.IsCancellationRequested)
            {
                if (deadline.IsCancellationRequested)
                    throw new PlatformOpsException("RedisTimeout", System.Management.Automation.ErrorCategory.OperationTimeout, target,
                        $"Redis at {target.Endpoint} did not finish sending its snapshot in time.", ex);
                if (ex is IOException io && IsDiskFull(io)) throw;
                throw new PlatformOpsException("RedisSnapshotFailed", System.Management.Automation.ErrorCategory.ReadError, target,
                    $"The snapshot stream from Redis at {target.Endpoint} broke: {PlatformErrors.Reason(ex)}", ex);
            }
            catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (IOException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        internal static bool IsDiskFull(IOException ex)
            => ex.Message.IndexOf("No space left", StringComparison.OrdinalIgnoreCase) >= 0 || (ex.HResult & 0xFFFF) == 28 || (ex.HResult & 0xFFFF) == 112;

        /// <summary>A small buffered reader for the replication link: lines, then raw bytes.</summary>
        private sealed class RespReader
        {
            private readonly Stream _stream;
            private readonly byte[] _buffer = new byte[1 << 20];
            private int _start;
            private int _end;

            public RespReader(Stream stream) => _stream = stream;

            private async Task<bool> FillAsync()
            {
                if (_start == _end) { _start = 0; _end = 0; }
                var n = await _stream.ReadAsync(_buffer, _end, _buffer.Length - _end).ConfigureAwait(false);
                if (n == 0) return false;
                _end += n;
                return true;
            }

            public async Task<string> ReadLineAsync()
            {
                var line = new StringBuilder();
                while (true)
                {
                    for (var i = _start; i < _end; i++)
                    {
                        if (_buffer[i] != (byte)'\n') continue;
                        line.Append(Encoding.UTF8.GetString(_buffer, _start, i - _start));
                        _start = i + 1;
                        return line.ToString().TrimEnd('\r');
                    }
                    line.Append(Encoding.UTF8.GetString(_buffer, _start, _end - _start));
                    _start = _end;
                    if (line.Length > 4096) throw new IOException("the server sent an over-long line");
                    if (!await FillAsync().ConfigureAwait(false)) throw new IOException("the server closed the connection");
                }
            }

            public async Task CopyExactlyAsync(long length, Stream output, CancellationToken cancellationToken)
            {
                var left = length;
                while (left > 0)
                {
                    if (_start == _end && !await FillAsync().ConfigureAwait(false))
                        throw new IOException($"the server closed the connection with {left} bytes of the snapshot still to come");
                    var n = (int)Math.Min(left, _end - _start);
                    await output.WriteAsync(_buffer, _start, n, cancellationToken).ConfigureAwait(false);
                    _start += n;
                    left -= n;
                }
            }

            /// <summary>Diskless transfer: the payload ends with the 40-byte mark the header announced.</summary>
            public async Task<long> CopyUntilMarkAsync(byte[] mark, Stream output, CancellationToken cancellationToken)
            {
                var carry = Array.Empty<byte>();
                long written = 0;
                while (true)
                {
                    if (_start == _end && !await FillAsync().ConfigureAwait(false))
                        throw new IOException("the server closed the connection before the end of the snapshot");
                    var combined = new byte[carry.Length + (_end - _start)];
                    Buffer.BlockCopy(carry, 0, combined, 0, carry.Length);
                    Buffer.BlockCopy(_buffer, _start, combined, carry.Length, _end - _start);
                    _start = _end;
                    if (EndsWith(combined, mark))
                    {
                        await output.WriteAsync(combined, 0, combined.Length - mark.Length, cancellationToken).ConfigureAwait(false);
                        return written + combined.Length - mark.Length;
                    }
                    var keep = Math.Min(mark.Length, combined.Length);
                    var flush = combined.Length - keep;
                    if (flush > 0) await output.WriteAsync(combined, 0, flush, cancellationToken).ConfigureAwait(false);
                    written += flush;
                    carry = new byte[keep];
                    Buffer.BlockCopy(combined, flush, carry, 0, keep);
                }
            }

            private static bool EndsWith(byte[] data, byte[] suffix)
            {
                if (data.Length < suffix.Length) return false;
                for (var i = 0; i < suffix.Length; i++)
                    if (data[data.Length - suffix.Length + i] != suffix[i]) return false;
                return true;
            }
        }
    }

    /// <summary>
    /// Reads an RDB file far enough to count its keys per database: the RESIZEDB size that follows each SELECTDB,
    /// else the keys walked. Values are skipped, not decoded. Types it cannot skip (modules of unknown layout,
    /// newer types) end the walk and mark the result partial.
    /// </summary>
    internal static class RdbKeyCounter
    {
        public static (Dictionary<string, long> Keys, bool Partial) Count(string path)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new BinaryReader(new BufferedStream(file, 1 << 16));
            var magic = Encoding.ASCII.GetString(reader.ReadBytes(9));
            if (!magic.StartsWith("REDIS", StringComparison.Ordinal))
                throw new InvalidDataException("not an RDB file (no REDIS header)");
            var resized = new Dictionary<long, long>();
            var walked = new Dictionary<long, long>();
            long db = 0;
            var partial = false;
            try
            {
                while (true)
                {
                    var op = reader.ReadByte();
                    switch (op)
                    {
                        case 0xFF: goto done;
                        case 0xFE: db = Len(reader); continue;
                        case 0xFB: resized[db] = Len(reader); Len(reader); continue;
                        case 0xFA: SkipString(reader); SkipString(reader); continue;
                        case 0xFD: reader.ReadBytes(4); continue;
                        case 0xFC: reader.ReadBytes(8); continue;
                        case 0xF9: reader.ReadByte(); continue;
                        case 0xF8: Len(reader); continue;
                        case 0xF7: Len(reader); Len(reader); Len(reader); SkipModuleValue(reader); continue;
                        case 0xF5: SkipString(reader); continue;
                        case 0xF4: Len(reader); Len(reader); Len(reader); continue;
                    }
                    SkipString(reader); // the key
                    if (!SkipValue(reader, op)) { partial = true; goto done; }
                    walked[db] = (walked.TryGetValue(db, out var n) ? n : 0) + 1;
                }
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException("the RDB file ends early (truncated)");
            }
        done:
            var keys = new Dictionary<string, long>();
            foreach (var d in new HashSet<long>(resized.Keys).Union(walked.Keys))
                keys[d.ToString(CultureInfo.InvariantCulture)] = resized.TryGetValue(d, out var r) ? r : walked[d];
            return (keys, partial);
        }

        private static long Len(BinaryReader r) => Len(r, out _);

        private static long Len(BinaryReader r, out int special)
        {
            special = -1;
            var b = r.ReadByte();
            switch (b >> 6)
            {
                case 0: return b & 0x3F;
                case 1: return ((b & 0x3F) << 8) | r.ReadByte();
                case 2:
                    if (b == 0x80) return BigEndian(r, 4);
                    if (b == 0x81) return BigEndian(r, 8);
                    throw new InvalidDataException("bad length encoding");
                default:
                    special = b & 0x3F;
                    return 0;
            }
        }

        private static long BigEndian(BinaryReader r, int bytes)
        {
            long v = 0;
            for (var i = 0; i < bytes; i++) v = (v << 8) | r.ReadByte();
            return v;
        }

        private static void Skip(BinaryReader r, long count)
        {
            var stream = r.BaseStream;
            while (count > 0)
            {
                var chunk = (int)Math.Min(count, 1 << 16);
                if (r.ReadBytes(chunk).Length < chunk) throw new EndOfStreamException();
                count -= chunk;
            }
            _ = stream;
        }

        private static void SkipString(BinaryReader r)
        {
            var len = Len(r, out var special);
            switch (special)
            {
                case -1: Skip(r, len); return;
                case 0: Skip(r, 1); return;
                case 1: Skip(r, 2); return;
                case 2: Skip(r, 4); return;
                case 3:
                    var compressed = Len(r);
                    Len(r);
                    Skip(r, compressed);
                    return;
                default: throw new InvalidDataException("bad string encoding");
            }
        }

        private static void SkipModuleValue(BinaryReader r)
        {
            while (true)
            {
                var opcode = Len(r);
                switch (opcode)
                {
                    case 0: return;
                    case 1:
                    case 2: Len(r); break;
                    case 3: Skip(r, 4); break;
                    case 4: Skip(r, 8); break;
                    case 5: SkipString(r); break;
                    default: throw new InvalidDataException("bad module value");
                }
            }
        }

        /// <summary>Skips one value of the given type; false when the type is not known.</summary>
        private static bool SkipValue(BinaryReader r, byte type)
        {
            long n;
            switch (type)
            {
                case 0: SkipString(r); return true;
                case 1:
                case 2:
                case 14:
                    n = Len(r);
                    for (long i = 0; i < n; i++) SkipString(r);
                    return true;
                case 3:
                    n = Len(r);
                    for (long i = 0; i < n; i++)
                    {
                        SkipString(r);
                        var dl = r.ReadByte();
                        if (dl < 253) Skip(r, dl);
                    }
                    return true;
                case 4:
                    n = Len(r);
                    for (long i = 0; i < 2 * n; i++) SkipString(r);
                    return true;
                case 5:
                    n = Len(r);
                    for (long i = 0; i < n; i++) { SkipString(r); Skip(r, 8); }
                    return true;
                case 7: Len(r); SkipModuleValue(r); return true;
                case 9:
                case 10:
                case 11:
                case 12:
                case 13:
                case 16:
                case 17:
                case 20:
                    SkipString(r);
                    return true;
                case 18:
                    n = Len(r);
                    for (long i = 0; i < n; i++) { Len(r); SkipString(r); }
                    return true;
                case 15:
                case 19:
                case 21:
                    SkipStream(r, type);
                    return true;
                default:
                    return false;
            }
        }

        private static void SkipStream(BinaryReader r, byte type)
        {
            var listpacks = Len(r);
            for (long i = 0; i < listpacks; i++) { SkipString(r); SkipString(r); }
            Len(r); Len(r); Len(r);                                   // length, last id
            if (type >= 19) { Len(r); Len(r); Len(r); Len(r); Len(r); } // first id, max deleted id, entries added
            var groups = Len(r);
            for (long g = 0; g < groups; g++)
            {
                SkipString(r);
                Len(r); Len(r);
                if (type >= 19) Len(r);
                var pel = Len(r);
                for (long p = 0; p < pel; p++) { Skip(r, 16); Skip(r, 8); Len(r); }
                var consumers = Len(r);
                for (long c = 0; c < consumers; c++)
                {
                    SkipString(r);
                    Skip(r, 8);
                    if (type >= 21) Skip(r, 8);
                    var cpel = Len(r);
                    Skip(r, 16 * cpel);
                }
            }
        }
    }
}

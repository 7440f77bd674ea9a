using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PlatformOps.Redis
{
    /// <summary>A RESP reply (a line or a bulk string) larger than the reader allows.</summary>
    [Serializable]
    public sealed class RespTooLargeException : Exception
    {
        public RespTooLargeException() : base("The reply is larger than allowed.") { }
        public RespTooLargeException(string message) : base(message) { }
        public RespTooLargeException(string message, Exception inner) : base(message, inner) { }

        internal RespTooLargeException(string message, long claimed, long limit) : base(message)
        {
            Claimed = claimed;
            Limit = limit;
        }

        /// <summary>What the server announced or sent, in bytes (a lower bound for an endless line).</summary>
        public long Claimed { get; }
        public long Limit { get; }
    }

    /// <summary>
    /// A bounded, buffered reader of the Redis protocol (RESP) for the raw clients (one-command exchanges, the replication
    /// stream). A server is untrusted input: a line is at most <see cref="MaxLine"/> bytes, a bulk reply at most what the
    /// caller allows (checked before a byte of it is allocated), lengths must be well-formed, and every read takes the
    /// caller's token. Throws <see cref="RespTooLargeException"/> for too much, <see cref="InvalidDataException"/> for
    /// malformed replies, <see cref="IOException"/> when the server closes the connection, and
    /// <see cref="OperationCanceledException"/> when the token is cancelled.
    /// </summary>
    internal sealed class RespReader
    {
        public const int DefaultMaxLine = 64 * 1024;

        private readonly Stream _stream;
        private readonly byte[] _buffer;
        private int _start;
        private int _end;

        public RespReader(Stream stream, int maxLine = DefaultMaxLine, int bufferSize = 1 << 16)
        {
            _stream = stream;
            MaxLine = maxLine;
            _buffer = new byte[Math.Max(bufferSize, 1024)];
        }

        public int MaxLine { get; }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            if (_start == _end) { _start = 0; _end = 0; }
            else if (_end == _buffer.Length)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var n = await _stream.ReadAsync(_buffer, _end, _buffer.Length - _end, cancellationToken).ConfigureAwait(false);
            if (n == 0) return false;
            _end += n;
            return true;
        }

        /// <summary>One line without its CR LF; at most <see cref="MaxLine"/> bytes.</summary>
        public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            using var line = new MemoryStream();
            while (true)
            {
                for (var i = _start; i < _end; i++)
                {
                    if (_buffer[i] != (byte)'\n') continue;
                    if (line.Length + (i - _start) > MaxLine) throw TooLongLine(line.Length + (i - _start));
                    line.Write(_buffer, _start, i - _start);
                    _start = i + 1;
                    var bytes = line.ToArray();
                    var length = bytes.Length > 0 && bytes[bytes.Length - 1] == (byte)'\r' ? bytes.Length - 1 : bytes.Length;
                    return Encoding.UTF8.GetString(bytes, 0, length);
                }
                line.Write(_buffer, _start, _end - _start);
                _start = _end;
                if (line.Length > MaxLine) throw TooLongLine(line.Length);
                if (!await FillAsync(cancellationToken).ConfigureAwait(false)) throw new IOException("the server closed the connection in the middle of a reply");
            }
        }

        private RespTooLargeException TooLongLine(long seen)
            => new RespTooLargeException($"the server sent a line of more than {MaxLine} bytes without an end ({seen} bytes so far)", seen, MaxLine);

        /// <summary>
        /// One reply as text: a status, error or integer line as sent ('+OK', '-ERR ...', ':1'), or a bulk string's content
        /// (empty for a null bulk). A bulk length above <paramref name="maxBulk"/> is refused before it is read.
        /// </summary>
        public async Task<string> ReadReplyAsync(int maxBulk, CancellationToken cancellationToken)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.Length == 0) throw new InvalidDataException("the server sent an empty line where a reply belongs");
            if (line[0] != '$') return line;
            var length = ParseLength(line);
            if (length == -1) return string.Empty;
            if (length > maxBulk)
                throw new RespTooLargeException($"the server announced a reply of {length} bytes, more than the {maxBulk} this exchange allows", length, maxBulk);
            var data = new byte[length + 2];
            await ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
            if (data[length] != (byte)'\r' || data[length + 1] != (byte)'\n') throw new InvalidDataException("a bulk reply does not end with CR LF");
            return Encoding.UTF8.GetString(data, 0, (int)length);
        }

        /// <summary>The length of a '$N' (bulk) or '*N' (array) header: -1 (null) or 0 and up; anything else is malformed.</summary>
        public static long ParseLength(string header)
        {
            var digits = header.Substring(1);
            if (digits == "-1") return -1;
            if (digits.Length == 0 || digits.Length > 18 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                throw new InvalidDataException($"the server sent a malformed length '{Shorten(header)}'");
            return length;
        }

        private static string Shorten(string s) => s.Length <= 40 ? s : s.Substring(0, 40) + "...";

        private async Task ReadExactlyAsync(byte[] data, CancellationToken cancellationToken)
        {
            var read = 0;
            while (read < data.Length)
            {
                if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
                    throw new IOException("the server closed the connection in the middle of a reply");
                var n = Math.Min(data.Length - read, _end - _start);
                Buffer.BlockCopy(_buffer, _start, data, read, n);
                _start += n;
                read += n;
            }
        }

        /// <summary>Streams exactly <paramref name="length"/> bytes to <paramref name="output"/> as they arrive (nothing of that size is allocated).</summary>
        public async Task CopyExactlyAsync(long length, Stream output, CancellationToken cancellationToken)
        {
            var left = length;
            while (left > 0)
            {
                if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
                    throw new IOException($"the server closed the connection with {left} bytes still to come");
                var n = (int)Math.Min(left, _end - _start);
                await output.WriteAsync(_buffer, _start, n, cancellationToken).ConfigureAwait(false);
                _start += n;
                left -= n;
            }
        }

        /// <summary>Streams bytes to <paramref name="output"/> until <paramref name="mark"/> (which is not written); returns the bytes written.</summary>
        public async Task<long> CopyUntilMarkAsync(byte[] mark, Stream output, CancellationToken cancellationToken)
        {
            if (mark.Length == 0 || mark.Length > 1024) throw new InvalidDataException("an end mark must be between 1 and 1024 bytes");
            var carry = Array.Empty<byte>();
            long written = 0;
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
                    throw new IOException("the server closed the connection before the end mark");
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

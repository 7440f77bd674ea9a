using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PlatformOps.Backup
{
    /// <summary>A write-only stream that computes SHA-256 and counts bytes on their way to the inner stream: nothing is read twice.</summary>
    internal sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly Action<long>? _onWrite;
        private long _length;
        private string? _digest;

        public HashingStream(Stream inner, Action<long>? onWrite = null)
        {
            _inner = inner;
            _onWrite = onWrite;
        }

        public long BytesWritten => Interlocked.Read(ref _length);

        /// <summary>The hex SHA-256 of everything written. Call once, after the last write.</summary>
        public string Finish() => _digest ??= Hex(_hash.GetHashAndReset());

        public override void Write(byte[] buffer, int offset, int count)
        {
            _hash.AppendData(buffer, offset, count);
            _inner.Write(buffer, offset, count);
            Interlocked.Add(ref _length, count);
            _onWrite?.Invoke(count);
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            _hash.AppendData(buffer, offset, count);
            await _inner.WriteAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _length, count);
            _onWrite?.Invoke(count);
        }

        public override void Flush() => _inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => BytesWritten;
        public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }

        internal static string Hex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        /// <summary>SHA-256 and length of a file, read once in 1 MB blocks.</summary>
        internal static async Task<(string Sha256, long Size)> HashFileAsync(string path, CancellationToken cancellationToken, Action<long>? onRead = null)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            var buffer = new byte[1 << 20];
            long size = 0;
            int n;
            while ((n = await file.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                size += n;
                onRead?.Invoke(n);
            }
            return (Hex(hash.GetHashAndReset()), size);
        }

        /// <summary>The SHA-256 of a folder: over its sorted "sha256  name\n" listing.</summary>
        internal static string HashListing(System.Collections.Generic.IEnumerable<BackupFilePart> parts)
        {
            var sb = new StringBuilder();
            foreach (var part in System.Linq.Enumerable.OrderBy(parts, p => p.Name, StringComparer.Ordinal))
                sb.Append(part.Sha256).Append("  ").Append(part.Name).Append('\n');
            using var sha = SHA256.Create();
            return Hex(sha.ComputeHash(Encoding.UTF8.GetBytes(sb.ToString())));
        }
    }
}

namespace PlatformOps.Backup
{
    /// <summary>A read-only stream that computes SHA-256 and counts what is read through it (verify in one pass while decompressing).</summary>
    internal sealed class HashingReadStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly Action<long>? _onRead;
        private long _read;

        public HashingReadStream(Stream inner, Action<long>? onRead = null)
        {
            _inner = inner;
            _onRead = onRead;
        }

        public long BytesRead => Interlocked.Read(ref _read);

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = _inner.Read(buffer, offset, count);
            Account(buffer, offset, n);
            return n;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            var n = await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            Account(buffer, offset, n);
            return n;
        }

        private void Account(byte[] buffer, int offset, int n)
        {
            if (n <= 0) return;
            _hash.AppendData(buffer, offset, n);
            Interlocked.Add(ref _read, n);
            _onRead?.Invoke(n);
        }

        /// <summary>Reads whatever the consumer left unread, then returns the hex SHA-256 of the whole stream.</summary>
        public async Task<string> DrainAndFinishAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[1 << 20];
            while (await ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false) > 0) { }
            return HashingStream.Hex(_hash.GetHashAndReset());
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _inner.Length;
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
                _inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

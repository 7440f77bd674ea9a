using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace PlatformOps.Common
{
    /// <summary>
    /// A one-file ustar archive, streamed (header, the file, the padding) rather than built in memory: what the Docker
    /// engine takes to put a file into a container (PUT /containers/{id}/archive).
    /// </summary>
    internal static class SingleFileTar
    {
        /// <summary>A one-file ustar archive of <paramref name="path"/>, named <paramref name="name"/>, owned by uid:gid, mode 0600.</summary>
        public static Stream Open(string path, string name, int uid, int gid)
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var size = file.Length;
            var header = new byte[512];
            void Put(int offset, int length, string value)
            {
                var bytes = Encoding.ASCII.GetBytes(value);
                Array.Copy(bytes, 0, header, offset, Math.Min(bytes.Length, length));
            }
            string Octal(long value, int width) => Convert.ToString(value, 8).PadLeft(width - 1, '0') + "\0";
            Put(0, 100, name);
            Put(100, 8, Octal(0x180, 8));
            Put(108, 8, Octal(uid, 8));
            Put(116, 8, Octal(gid, 8));
            Put(124, 12, Octal(size, 12));
            Put(136, 12, Octal(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 12));
            Put(148, 8, "        ");
            header[156] = (byte)'0';
            Put(257, 6, "ustar\0");
            Put(263, 2, "00");
            var sum = header.Sum(b => (long)b);
            Put(148, 8, Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
            var padding = (int)((512 - size % 512) % 512) + 1024;
            return new ConcatReadStream(new MemoryStream(header), file, new MemoryStream(new byte[padding]));
        }

        /// <summary>A stream that reads several streams one after another (a tar header, the file, the padding).</summary>
        private sealed class ConcatReadStream : Stream
        {
            private readonly Queue<Stream> _streams;

            public ConcatReadStream(params Stream[] streams) => _streams = new Queue<Stream>(streams);

            public override int Read(byte[] buffer, int offset, int count)
            {
                while (_streams.Count > 0)
                {
                    var n = _streams.Peek().Read(buffer, offset, count);
                    if (n > 0) return n;
                    _streams.Dequeue().Dispose();
                }
                return 0;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing) while (_streams.Count > 0) _streams.Dequeue().Dispose();
                base.Dispose(disposing);
            }
        }
    }
}

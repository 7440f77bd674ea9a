using System;
using System.IO;
using System.Text;

namespace PlatformOps.Common
{
    /// <summary>
    /// Writes a file under a temporary name in the same folder and renames it into place on <see cref="Commit"/>.
    /// Disposing without committing deletes the temporary file, so a failed or cancelled write leaves nothing behind.
    /// </summary>
    public sealed class AtomicFile : IDisposable
    {
        private FileStream? _stream;
        private bool _committed;

        /// <param name="path">The final path.</param>
        /// <param name="secret">Create the file with mode 0600 from its first moment (keys, pass files, secrets).</param>
        public AtomicFile(string path, bool secret = false)
        {
            Path = System.IO.Path.GetFullPath(path);
            var folder = System.IO.Path.GetDirectoryName(Path) ?? ".";
            TempPath = System.IO.Path.Combine(folder, "." + System.IO.Path.GetFileName(Path) + ".partial-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            _stream = UnixFile.CreateNew(TempPath, secret ? 0x180 /* 0600 */ : 0x1A4 /* 0644 */);
        }

        public string Path { get; }
        public string TempPath { get; }
        public Stream Stream => _stream ?? throw new ObjectDisposedException(nameof(AtomicFile));

        /// <summary>Flushes to disk and renames the temporary file to its final name.</summary>
        public void Commit()
        {
            if (_stream == null) throw new ObjectDisposedException(nameof(AtomicFile));
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            _stream = null;
            UnixFile.ReplaceOrMove(TempPath, Path);
            _committed = true;
        }

        public void Dispose()
        {
            try
            {
                // Closing flushes what is still buffered; on a full disk that throws again, and the temporary file
                // must go all the same (a failed write leaves nothing behind).
                _stream?.Dispose();
            }
            catch (IOException) when (!_committed)
            {
            }
            finally
            {
                _stream = null;
                if (!_committed)
                {
                    try { File.Delete(TempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }
        }

        /// <summary>Writes a whole text file atomically (UTF-8, no BOM).</summary>
        public static void WriteAllText(string path, string content, bool secret = false)
        {
            using var file = new AtomicFile(path, secret);
            var bytes = new UTF8Encoding(false).GetBytes(content);
            file.Stream.Write(bytes, 0, bytes.Length);
            file.Commit();
        }

        /// <summary>The permission bits of a file as octal text (e.g. "600"), or null where the platform has none.</summary>
        public static string? ModeOf(string path)
        {
            var mode = UnixFile.GetMode(path);
            return mode == null ? null : Convert.ToString(mode.Value & 0xFFF, 8);
        }

        public static void SetMode(string path, int mode) => UnixFile.SetMode(path, mode);
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>Small SQL helpers for the backup engines.</summary>
    internal static class Pg
    {
        public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
        {
            using var command = new NpgsqlCommand(sql, connection);
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is DBNull ? null : value;
        }

        public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
        {
            using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Closes a connection for good (not back to the pool): a pooled idle session would keep a database "being accessed".</summary>
        public static void Release(NpgsqlConnection connection)
        {
            try
            {
                NpgsqlConnection.ClearPool(connection);
            }
            finally
            {
                connection.Dispose();
            }
        }

        /// <summary>An identifier quoted for SQL ("a""b").</summary>
        public static string Ident(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

        /// <summary>The ordinary tables pg_dump dumps the data of (no system schemas, no extension members).</summary>
        public static async Task<List<(string Schema, string Name)>> ListTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            const string sql = @"SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2";
            var tables = new List<(string, string)>();
            using var command = new NpgsqlCommand(sql, connection);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) tables.Add((reader.GetString(0), reader.GetString(1)));
            return tables;
        }
    }

    /// <summary>
    /// A file written through a compressor (gzip in-process; zstd or lz4 as a child process) and a SHA-256 hasher into
    /// a temporary name, renamed into place by <see cref="Commit"/>; disposing without committing deletes it.
    /// </summary>
    internal sealed class CompressedFileWriter : IDisposable
    {
        private readonly AtomicFile _file;
        private readonly HashingStream _hashing;
        private readonly Stream _input;
        private readonly Pipe? _pipe;
        private readonly Task<ProcessResult>? _compressor;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly string _tool = string.Empty;
        private bool _inputClosed;

        public CompressedFileWriter(string path, BackupCompression compression, int? level, BackupProgress? progress)
        {
            _file = new AtomicFile(path, secret: true);
            _hashing = new HashingStream(_file.Stream, n => progress?.AddBytes(n));
            switch (compression)
            {
                case BackupCompression.Gzip:
                    Level = level ?? 6;
                    _input = new GZipStream(_hashing, GzipLevel(Level.Value), leaveOpen: true);
                    break;
                case BackupCompression.None:
                    _input = _hashing;
                    break;
                default:
                    _tool = compression == BackupCompression.Zstd ? "zstd" : "lz4";
                    Level = level ?? (compression == BackupCompression.Zstd ? 3 : 1);
                    _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 8 << 20, resumeWriterThreshold: 4 << 20));
                    _input = _pipe.Writer.AsStream();
                    var spec = compression == BackupCompression.Zstd
                        ? new ProcessSpec("zstd", "-q", "-c", "-T0", "-" + Level.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
                        : new ProcessSpec("lz4", "-q", "-c", "-" + Level.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    var reader = _pipe.Reader.AsStream();
                    _compressor = Task.Run(() => ProcessRunner.RunAsync(spec, _stop.Token, reader, _hashing));
                    break;
            }
        }

        public int? Level { get; }
        public Stream Input => _input;

        internal static CompressionLevel GzipLevel(int level)
            => level <= 0 ? CompressionLevel.NoCompression : level <= 3 ? CompressionLevel.Fastest : level <= 6 ? CompressionLevel.Optimal : (CompressionLevel)3 /* SmallestSize on .NET 6+ */;

        /// <summary>Ends the input (writes the gzip trailer, or closes the compressor's stdin).</summary>
        public void CloseInput()
        {
            if (_inputClosed) return;
            _inputClosed = true;
            if (_pipe != null) _pipe.Writer.Complete();
            else if (!ReferenceEquals(_input, _hashing)) _input.Dispose();
        }

        public async Task CompletionAsync()
        {
            CloseInput();
            if (_compressor == null) return;
            ProcessResult result;
            try
            {
                result = await _compressor.ConfigureAwait(false);
            }
            catch (PlatformOpsException ex) when (ex.ErrorId == "ProcessNotFound")
            {
                throw new PlatformOpsException("PlatformBackupCompressorNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, _tool,
                    $"'{_tool}' is needed for {_tool} compression and is not installed (apt-get install {_tool}). Or use -Compression Gzip.", ex);
            }
            if (!result.Succeeded)
            {
                if (result.StandardError.IndexOf("No space left", StringComparison.OrdinalIgnoreCase) >= 0)
                    throw new IOException("No space left on device");
                throw new PlatformOpsException("PlatformBackupCompressorFailed", System.Management.Automation.ErrorCategory.InvalidOperation, _tool,
                    $"{_tool} failed (exit code {result.ExitCode}): {PgTools.FirstLine(result.StandardError)}");
            }
        }

        /// <summary>Flushes, renames the file into place and returns its SHA-256 and size.</summary>
        public (string Sha256, long Size) Commit()
        {
            CloseInput();
            _hashing.Flush();
            var sha = _hashing.Finish();
            var size = _hashing.BytesWritten;
            _file.Commit();
            return (sha, size);
        }

        public void Dispose()
        {
            _stop.Cancel();
            try { CloseInput(); } catch (IOException) { } catch (ObjectDisposedException) { }
            try { _compressor?.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
            _hashing.Dispose();
            _file.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>Opens a backup file for reading, decompressed.</summary>
    internal sealed class DecompressedReader : IDisposable
    {
        private readonly FileStream _file;
        private readonly Pipe? _pipe;
        private readonly Task<ProcessResult>? _decompressor;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly string _tool = string.Empty;

        public DecompressedReader(string path, string compression, Action<long>? onRead = null)
        {
            _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            Raw = new HashingReadStream(_file, onRead);
            Stream raw = Raw;
            switch ((compression ?? "none").ToLowerInvariant())
            {
                case "gzip":
                    Stream = new GZipStream(raw, CompressionMode.Decompress);
                    break;
                case "zstd":
                case "lz4":
                    _tool = compression!.ToLowerInvariant();
                    _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 8 << 20, resumeWriterThreshold: 4 << 20));
                    var writer = _pipe.Writer.AsStream();
                    var spec = new ProcessSpec(_tool, "-d", "-q", "-c");
                    _decompressor = Task.Run(async () =>
                    {
                        try
                        {
                            return await ProcessRunner.RunAsync(spec, _stop.Token, raw, writer).ConfigureAwait(false);
                        }
                        finally
                        {
                            await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
                        }
                    });
                    Stream = _pipe.Reader.AsStream();
                    break;
                default:
                    Stream = raw;
                    break;
            }
        }

        public Stream Stream { get; }

        /// <summary>The compressed bytes as read from disk, hashed on the way.</summary>
        public HashingReadStream Raw { get; }

        /// <summary>Throws when the external decompressor failed (a corrupt file).</summary>
        public async Task CompletionAsync()
        {
            if (_decompressor == null) return;
            var result = await _decompressor.ConfigureAwait(false);
            if (!result.Succeeded)
                throw new InvalidDataException($"{_tool} could not decompress the file: {PgTools.FirstLine(result.StandardError)}");
        }

        public void Dispose()
        {
            _stop.Cancel();
            try { _decompressor?.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
            Stream.Dispose();
            _file.Dispose();
            _stop.Dispose();
        }
    }
}

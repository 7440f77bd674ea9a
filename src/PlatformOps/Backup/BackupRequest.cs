using System;
using System.Collections.Generic;
using PlatformOps.Common;
using PlatformOps.Postgres;
using PlatformOps.Redis;

namespace PlatformOps.Backup
{
    /// <summary>Directory: pg_dump -Fd (restores in parallel with pg_restore -j). Plain: SQL, what the usual scripts make (.sql.gz).</summary>
    public enum BackupFormat
    {
        Directory,
        Plain,
    }

    public enum BackupCompression
    {
        Gzip,
        Zstd,
        Lz4,
        None,
    }

    /// <summary>What to back up and how. Null targets are skipped.</summary>
    public sealed class BackupRequest
    {
        public string Root { get; set; } = string.Empty;
        public string? Platform { get; set; }
        public PostgresTarget? Postgres { get; set; }
        /// <summary>Databases to back up; null or empty for every database that accepts connections.</summary>
        public IReadOnlyList<string>? Databases { get; set; }
        public bool IncludeGlobals { get; set; } = true;
        public RedisTarget? Redis { get; set; }
        public DockerTarget? Docker { get; set; }
        public PgToolMode ToolMode { get; set; } = PgToolMode.Auto;
        public BackupFormat Format { get; set; } = BackupFormat.Directory;
        public BackupCompression Compression { get; set; } = BackupCompression.Gzip;
        public int? CompressionLevel { get; set; }
        public int Jobs { get; set; } = Math.Max(1, Environment.ProcessorCount);
        /// <summary>The manifest key (see <see cref="ManifestSeal.ResolveKey"/>); null to seal with SHA-256 only.</summary>
        public byte[]? ManifestKey { get; set; }
    }
}

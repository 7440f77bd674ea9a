using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PlatformOps.Backup
{
    /// <summary>
    /// The one model of a backup set's manifest (manifest.json, written last): schema "platformops.backup/1",
    /// documented in docs/about_PlatformBackup.md. A set is of one of two kinds: logical (dumps and an RDB made by
    /// Invoke-PlatformBackup; no "kind" in the JSON) or base (a physical copy of the cluster made by
    /// Invoke-PlatformBaseBackup; kind "base", one file entry of kind Base and a baseBackup section with the WAL
    /// positions point-in-time recovery needs). A folder without a manifest is not a backup set. Read and written only
    /// through <see cref="ManifestFile"/>; the JSON is byte for byte what earlier versions wrote (the seals depend on it).
    /// </summary>
    public sealed class BackupManifest
    {
        public const string FileName = "manifest.json";
        public const string CurrentSchema = "platformops.backup/1";
        /// <summary>The <see cref="Kind"/> of a base backup set.</summary>
        public const string KindBase = "base";
        /// <summary>The folder of a base backup set that holds the copy of the cluster.</summary>
        public const string DataFolder = "data";

        public string Schema { get; set; } = CurrentSchema;
        public string Id { get; set; } = string.Empty;
        /// <summary>Absent for logical sets (Invoke-PlatformBackup's); "base" for physical base backups (Invoke-PlatformBaseBackup).</summary>
        public string? Kind { get; set; }
        public string? Platform { get; set; }
        public DateTime StartedUtc { get; set; }
        public DateTime CompletedUtc { get; set; }
        public double DurationSeconds { get; set; }
        /// <summary>Host or Container: where the PostgreSQL tools ran.</summary>
        public string? ToolMode { get; set; }
        public string? ToolVersion { get; set; }
        public BackupServerInfo? Postgres { get; set; }
        public BackupServerInfo? Redis { get; set; }
        public List<BackupFileEntry> Files { get; set; } = new List<BackupFileEntry>();
        /// <summary>Base sets only: where the copy sits in the WAL stream, and how it was checked.</summary>
        public BaseBackupInfo? BaseBackup { get; set; }

        /// <summary>Whether this is a base backup set (else a logical one).</summary>
        [JsonIgnore]
        public bool IsBase => string.Equals(Kind, KindBase, StringComparison.OrdinalIgnoreCase);

        /// <summary>The set's kind as <see cref="PlatformBackupSet.Kind"/> shows it: Logical or Base.</summary>
        [JsonIgnore]
        public string SetKind => IsBase ? BackupSetKinds.Base : BackupSetKinds.Logical;

        internal static readonly JsonSerializerOptions JsonOptions = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = true,
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };

        public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
    }

    /// <summary>The kinds of backup set, as <see cref="PlatformBackupSet.Kind"/> names them.</summary>
    public static class BackupSetKinds
    {
        /// <summary>Dumps (pg_dump, pg_dumpall) and an RDB snapshot, made by Invoke-PlatformBackup.</summary>
        public const string Logical = "Logical";
        /// <summary>A physical copy of the cluster (pg_basebackup), made by Invoke-PlatformBaseBackup.</summary>
        public const string Base = "Base";
    }

    /// <summary>The kinds of file entry in a manifest.</summary>
    internal static class BackupKinds
    {
        public const string Database = "Database";
        public const string Globals = "Globals";
        public const string Redis = "Redis";
        /// <summary>The data folder of a base set (format Physical).</summary>
        public const string Base = "Base";
    }

    /// <summary>A server as it was when the set was made.</summary>
    public sealed class BackupServerInfo
    {
        public string Endpoint { get; set; } = string.Empty;
        public string Version { get; set; } = string.Empty;
        public string? Container { get; set; }
        /// <summary>Redis only: whether the append-only file was on (it wins over the RDB at startup).</summary>
        public bool? AofEnabled { get; set; }
    }

    /// <summary>One file (or directory-format folder) of a set.</summary>
    public sealed class BackupFileEntry
    {
        /// <summary>The name inside the set folder (a folder for the Directory format).</summary>
        public string Name { get; set; } = string.Empty;
        /// <summary>Database, Globals or Redis; Base for a base set's data folder.</summary>
        public string Kind { get; set; } = string.Empty;
        public string? Database { get; set; }
        /// <summary>Directory (pg_dump -Fd), Plain (SQL), Rdb; Physical for a base set's data folder.</summary>
        public string Format { get; set; } = string.Empty;
        /// <summary>gzip, zstd, lz4 or none.</summary>
        public string Compression { get; set; } = "none";
        public int? CompressionLevel { get; set; }
        public long Size { get; set; }
        /// <summary>SHA-256 (hex) of the file; for a folder, of its sorted "sha256  name" listing of parts; for a base set's data folder, of its backup_manifest (which holds a checksum of every file).</summary>
        public string Sha256 { get; set; } = string.Empty;
        /// <summary>The files of a Directory-format dump, each with its size and SHA-256.</summary>
        public List<BackupFilePart>? Parts { get; set; }
        /// <summary>Database only: encoding and locale to create the database with on restore.</summary>
        public string? Owner { get; set; }
        public string? Encoding { get; set; }
        public string? Collate { get; set; }
        public string? Ctype { get; set; }
        /// <summary>Database only: exact row count of every table, taken in the dump's snapshot.</summary>
        public List<TableRowCount>? Tables { get; set; }
        public long? LargeObjects { get; set; }
        /// <summary>Database only: the database's own privileges, settings, connection limit and comment (pg_dump keeps them only with --create). Absent in sets made before 0.2.0.</summary>
        public DatabaseProperties? Properties { get; set; }
        /// <summary>Redis only: keys per database number, read from the RDB file itself.</summary>
        public Dictionary<string, long>? Keys { get; set; }
        /// <summary>Redis only: true when the RDB holds types whose keys cannot be counted without loading it.</summary>
        public bool? KeysPartial { get; set; }
    }

    public sealed class BackupFilePart
    {
        public string Name { get; set; } = string.Empty;
        public long Size { get; set; }
        public string Sha256 { get; set; } = string.Empty;
    }

    public sealed class TableRowCount
    {
        public string Schema { get; set; } = string.Empty;
        public string Name { get; set; } = string.Empty;
        public long Rows { get; set; }
    }

    /// <summary>Where a base backup sits in the WAL stream, and how it was checked (the baseBackup section of a base set).</summary>
    public sealed class BaseBackupInfo
    {
        public string Label { get; set; } = string.Empty;
        public string StartLsn { get; set; } = string.Empty;
        public string EndLsn { get; set; } = string.Empty;
        /// <summary>The first segment recovery needs: Test-PlatformWalArchive checks the archive from here.</summary>
        public string StartWal { get; set; } = string.Empty;
        public string EndWal { get; set; } = string.Empty;
        public uint Timeline { get; set; }
        public string SystemIdentifier { get; set; } = string.Empty;
        public long WalSegmentSize { get; set; }
        public int ServerMajor { get; set; }
        /// <summary>stream: the WAL for a consistent copy is inside the backup.</summary>
        public string WalMethod { get; set; } = "stream";
        public bool Verified { get; set; }
        public string? VerifiedWith { get; set; }
        /// <summary>The server's archive_mode and archive folder when the backup was taken.</summary>
        public string? ArchiveMode { get; set; }
        public string? WalArchive { get; set; }
    }
}

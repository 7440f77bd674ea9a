using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>
    /// The JSON manifest of a backup set (manifest.json, written last). Schema "platformops.backup/1", documented in
    /// docs/about_PlatformBackup.md. A folder without a manifest is not a backup set.
    /// </summary>
    public sealed class BackupManifest
    {
        public const string FileName = "manifest.json";
        public const string CurrentSchema = "platformops.backup/1";

        public string Schema { get; set; } = CurrentSchema;
        public string Id { get; set; } = string.Empty;
        /// <summary>Absent for logical sets (this cmdlet family's); "base" for physical base backups (Invoke-PlatformBaseBackup).</summary>
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

        internal static readonly JsonSerializerOptions JsonOptions = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = true,
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };

        public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

        /// <summary>Reads a set's manifest; throws PlatformBackupManifestInvalid when it is not one.</summary>
        public static BackupManifest Load(string setPath)
        {
            var path = System.IO.Path.Combine(setPath, FileName);
            try
            {
                var manifest = JsonSerializer.Deserialize<BackupManifest>(File.ReadAllText(path), JsonOptions);
                if (manifest == null || string.IsNullOrEmpty(manifest.Id) || !manifest.Schema.StartsWith("platformops.backup/", StringComparison.Ordinal))
                    throw new JsonException("not a PlatformOps backup manifest");
                return manifest;
            }
            catch (Exception ex) when (ex is JsonException || ex is NotSupportedException)
            {
                throw new PlatformOpsException("PlatformBackupManifestInvalid", System.Management.Automation.ErrorCategory.InvalidData, setPath,
                    $"The manifest of the backup set '{setPath}' is not valid: {ex.Message}. The set cannot be trusted.", ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PlatformOpsException("PlatformBackupNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, setPath,
                    $"'{setPath}' is not a backup set (no readable {FileName}): {ex.Message}", ex);
            }
        }
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
        /// <summary>Database, Globals or Redis.</summary>
        public string Kind { get; set; } = string.Empty;
        public string? Database { get; set; }
        /// <summary>Directory (pg_dump -Fd), Plain (SQL), Rdb.</summary>
        public string Format { get; set; } = string.Empty;
        /// <summary>gzip, zstd, lz4 or none.</summary>
        public string Compression { get; set; } = "none";
        public int? CompressionLevel { get; set; }
        public long Size { get; set; }
        /// <summary>SHA-256 (hex) of the file; for a folder, of its sorted "sha256  name" listing of parts.</summary>
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

    /// <summary>What Test-PlatformBackup last found (verification.json beside the manifest, rewritten atomically).</summary>
    public sealed class BackupVerificationRecord
    {
        public const string FileName = "verification.json";

        public DateTime? LastVerifiedUtc { get; set; }
        public bool? LastVerifyPassed { get; set; }
        public DateTime? LastRestoreTestUtc { get; set; }
        public bool? LastRestorePassed { get; set; }
        public double? RestoreSeconds { get; set; }
        public string? RestoredOn { get; set; }

        public static BackupVerificationRecord? Load(string setPath)
        {
            var path = System.IO.Path.Combine(setPath, FileName);
            if (!File.Exists(path)) return null;
            try
            {
                return JsonSerializer.Deserialize<BackupVerificationRecord>(File.ReadAllText(path), BackupManifest.JsonOptions);
            }
            catch (Exception ex) when (ex is JsonException || ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        public void Save(string setPath)
            => AtomicFile.WriteAllText(System.IO.Path.Combine(setPath, FileName), JsonSerializer.Serialize(this, BackupManifest.JsonOptions));
    }
}

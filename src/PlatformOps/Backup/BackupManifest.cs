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

        /// <summary>
        /// Reads a set's manifest once and checks those exact bytes against the seal beside it (manifest.json.sha256)
        /// before they are parsed. Throws PlatformBackupManifestMismatch when the seal disagrees and the bytes are not
        /// even a manifest any more, PlatformBackupManifestInvalid when a sealed manifest is not one PlatformOps can use
        /// (a name that is not a plain name inside the set, an unknown kind); the caller decides what an untrusted seal means.
        /// </summary>
        internal static LoadedManifest Read(string setPath, byte[]? key)
        {
            var path = System.IO.Path.Combine(setPath, FileName);
            byte[] bytes;
            try
            {
                if (ManifestSeal.IsLink(path))
                    throw Invalid(setPath, $"{FileName} is a symbolic link; a set's files must be inside it", null);
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PlatformOpsException("PlatformBackupNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, setPath,
                    $"'{setPath}' is not a backup set (no readable {FileName}): {ex.Message}", ex);
            }
            var (seal, detail) = ManifestSeal.Check(setPath, bytes, key);
            BackupManifest manifest;
            try
            {
                manifest = JsonSerializer.Deserialize<BackupManifest>(bytes, JsonOptions)
                    ?? throw new JsonException("not a PlatformOps backup manifest");
                Validate(manifest);
            }
            catch (Exception ex) when (ex is JsonException || ex is NotSupportedException || ex is InvalidDataException)
            {
                if (seal == BackupManifestSeal.Mismatch) throw ManifestSeal.Untrusted(setPath, seal, detail);
                throw Invalid(setPath, ex.Message, ex);
            }
            return new LoadedManifest(manifest, bytes, ManifestSeal.Sha256(bytes), seal, detail);
        }

        private static PlatformOpsException Invalid(string setPath, string reason, Exception? inner)
            => new PlatformOpsException("PlatformBackupManifestInvalid", System.Management.Automation.ErrorCategory.InvalidData, setPath,
                $"The manifest of the backup set '{setPath}' is not valid: {reason}. The set cannot be trusted.", inner);

        private static readonly string[] Compressions = { "gzip", "zstd", "lz4", "none" };

        private static readonly HashSet<string> ReservedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            FileName, ManifestSeal.FileName, BackupVerificationRecord.FileName, BackupEngine.OwnerFile,
        };

        /// <summary>
        /// A plain name inside the set: ASCII letters, digits, '_', '-' and '.', not starting with '.', no separator, so
        /// joined to the set's folder it can only name a file of that folder (what the backup engine itself writes).
        /// </summary>
        internal static bool IsPlainName(string? name)
        {
            if (string.IsNullOrEmpty(name) || name!.Length > 255 || name[0] == '.' || ReservedNames.Contains(name)) return false;
            foreach (var c in name)
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.')) return false;
            return true;
        }

        /// <summary>The checks a manifest must pass before any of its values is used (names, kinds and formats that agree).</summary>
        internal static void Validate(BackupManifest manifest)
        {
            if (!manifest.Schema.StartsWith("platformops.backup/", StringComparison.Ordinal)) throw new InvalidDataException("not a PlatformOps backup manifest");
            if (string.IsNullOrEmpty(manifest.Id) || manifest.Id.Length < 5 || manifest.Id.Length > 100 || manifest.Id.IndexOf('.') >= 0 || !IsPlainName(manifest.Id))
                throw new InvalidDataException($"its id '{manifest.Id}' is not a backup set id");
            var isBase = string.Equals(manifest.Kind, "base", StringComparison.OrdinalIgnoreCase);
            if (manifest.Kind != null && !isBase) throw new InvalidDataException($"its kind '{manifest.Kind}' is not one PlatformOps makes");
            if (manifest.Files == null) throw new InvalidDataException("it lists no files");
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in manifest.Files)
            {
                if (entry == null) throw new InvalidDataException("it has an empty file entry");
                if (!IsPlainName(entry.Name))
                    throw new InvalidDataException($"the file name '{entry.Name}' is not a plain name inside the set (no '/', '..' or leading '.')");
                if (!names.Add(entry.Name)) throw new InvalidDataException($"the file '{entry.Name}' is listed twice");
                string[] formats;
                switch (entry.Kind)
                {
                    case BackupKinds.Database: formats = new[] { "Directory", "Plain" }; break;
                    case BackupKinds.Globals: formats = new[] { "Plain" }; break;
                    case BackupKinds.Redis: formats = new[] { "Rdb" }; break;
                    case "Base": formats = new[] { "Physical" }; break;
                    default: throw new InvalidDataException($"the file '{entry.Name}' has the unknown kind '{entry.Kind}'");
                }
                if ((entry.Kind == "Base") != isBase) throw new InvalidDataException($"the file '{entry.Name}' of kind {entry.Kind} does not belong in a {(isBase ? "base" : "logical")} set");
                if (Array.IndexOf(formats, entry.Format) < 0)
                    throw new InvalidDataException($"the {entry.Kind} file '{entry.Name}' has the format '{entry.Format}' (expected {string.Join(" or ", formats)})");
                if (Array.IndexOf(Compressions, entry.Compression) < 0)
                    throw new InvalidDataException($"the file '{entry.Name}' has the unknown compression '{entry.Compression}'");
                if (entry.Kind == BackupKinds.Database && string.IsNullOrEmpty(entry.Database))
                    throw new InvalidDataException($"the database file '{entry.Name}' names no database");
                if ((entry.Format == "Directory") != (entry.Parts != null))
                    throw new InvalidDataException($"the file '{entry.Name}' ({entry.Format}) {(entry.Parts == null ? "lists no parts" : "lists parts, which only a Directory dump has")}");
                if (entry.Parts != null)
                {
                    var parts = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var part in entry.Parts)
                    {
                        if (part == null || !IsPlainName(part.Name)) throw new InvalidDataException($"the part '{part?.Name}' of '{entry.Name}' is not a plain name inside it");
                        if (!parts.Add(part.Name)) throw new InvalidDataException($"the part '{part.Name}' of '{entry.Name}' is listed twice");
                    }
                    if (!parts.Contains("toc.dat")) throw new InvalidDataException($"the Directory dump '{entry.Name}' lists no toc.dat");
                }
            }
        }
    }

    /// <summary>A manifest as read from disk: its exact bytes, their SHA-256 and what the seal says about them.</summary>
    internal sealed class LoadedManifest
    {
        public LoadedManifest(BackupManifest manifest, byte[] bytes, string sha256, BackupManifestSeal seal, string sealDetail)
        {
            Manifest = manifest;
            Bytes = bytes;
            Sha256 = sha256;
            Seal = seal;
            SealDetail = sealDetail;
        }

        public BackupManifest Manifest { get; }
        public byte[] Bytes { get; }
        public string Sha256 { get; }
        public BackupManifestSeal Seal { get; }
        public string SealDetail { get; }
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
        /// <summary>The SHA-256 of the manifest this record speaks for: a record is ignored once the manifest changed.</summary>
        public string? ManifestSha256 { get; set; }

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
            => AtomicFile.WriteAllText(System.IO.Path.Combine(setPath, FileName), JsonSerializer.Serialize(this, BackupManifest.JsonOptions), secret: true);
    }
}

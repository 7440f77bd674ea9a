using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>
    /// The one reader and writer of backup set manifests, of either kind. Reading takes the manifest's bytes once,
    /// checks them against the seal beside them (manifest.json.sha256, see <see cref="ManifestSeal"/>), then parses and
    /// validates them; writing seals, then writes, into the set's unfinished folder.
    /// </summary>
    internal static class ManifestFile
    {
        /// <summary>
        /// Reads a set's manifest once and checks those exact bytes against the seal beside it (manifest.json.sha256)
        /// before they are parsed. Throws PlatformBackupManifestMismatch when the seal disagrees and the bytes are not
        /// even a manifest any more, PlatformBackupManifestInvalid when a sealed manifest is not one PlatformOps can use
        /// (a name that is not a plain name inside the set, an unknown kind); the caller decides what an untrusted seal means.
        /// </summary>
        public static LoadedManifest Read(string setPath, byte[]? key) => Read(setPath, key, requireTrusted: false);

        /// <summary>
        /// A base backup set to use (restore it, check or expire its WAL): its manifest must pass its seal before it is
        /// even parsed (the WAL positions in it decide what a restore replays), and be of kind base.
        /// </summary>
        public static BackupManifest ReadBase(string setPath, byte[]? key)
        {
            var manifest = Read(setPath, key, requireTrusted: true).Manifest;
            if (!manifest.IsBase || manifest.BaseBackup == null)
                throw new PlatformOpsException("PlatformBackupNotBase", System.Management.Automation.ErrorCategory.InvalidArgument, setPath,
                    $"'{setPath}' is not a base backup (kind '{manifest.Kind}'). Point-in-time recovery needs a set made by Invoke-PlatformBaseBackup.");
            return manifest;
        }

        /// <summary>Writes a set's manifest into its unfinished folder: the seal, then the manifest (see <see cref="ManifestSeal.Write"/>). Returns the manifest's SHA-256.</summary>
        public static string Write(string folder, BackupManifest manifest, byte[]? key) => ManifestSeal.Write(folder, manifest.ToJson(), key);

        private static LoadedManifest Read(string setPath, byte[]? key, bool requireTrusted)
        {
            var path = System.IO.Path.Combine(setPath, BackupManifest.FileName);
            byte[] bytes;
            try
            {
                if (ManifestSeal.IsLink(path))
                    throw Invalid(setPath, $"{BackupManifest.FileName} is a symbolic link; a set's files must be inside it", null);
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PlatformOpsException("PlatformBackupNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, setPath,
                    $"'{setPath}' is not a backup set (no readable {BackupManifest.FileName}): {ex.Message}", ex);
            }
            var (seal, detail) = ManifestSeal.Check(setPath, bytes, key);
            if (requireTrusted && !ManifestSeal.Trusted(seal)) throw ManifestSeal.Untrusted(setPath, seal, detail);
            BackupManifest manifest;
            try
            {
                manifest = JsonSerializer.Deserialize<BackupManifest>(bytes, BackupManifest.JsonOptions)
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
            BackupManifest.FileName, ManifestSeal.FileName, BackupVerificationRecord.FileName, BackupSetFolder.OwnerFile,
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
            var isBase = manifest.IsBase;
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
                    case BackupKinds.Base: formats = new[] { "Physical" }; break;
                    default: throw new InvalidDataException($"the file '{entry.Name}' has the unknown kind '{entry.Kind}'");
                }
                if ((entry.Kind == BackupKinds.Base) != isBase) throw new InvalidDataException($"the file '{entry.Name}' of kind {entry.Kind} does not belong in a {(isBase ? "base" : "logical")} set");
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
}

using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>What the seal beside a manifest says about it.</summary>
    public enum BackupManifestSeal
    {
        /// <summary>The SHA-256 in manifest.json.sha256 matches the manifest, and its HMAC matches the configured key.</summary>
        SealedWithKey,
        /// <summary>The SHA-256 in manifest.json.sha256 matches the manifest (no manifest key is configured).</summary>
        Sealed,
        /// <summary>A manifest key is configured but the seal has no HMAC (the set was sealed without the key).</summary>
        SealedWithoutKey,
        /// <summary>No manifest.json.sha256: a set made by PlatformOps 0.1.0, or its seal was removed.</summary>
        Missing,
        /// <summary>The manifest does not match its seal: it was changed or damaged after the backup.</summary>
        Mismatch,
    }

    /// <summary>
    /// The seal of a backup set's manifest: manifest.json.sha256 beside it holds the SHA-256 of the manifest's exact bytes
    /// (in the format of sha256sum, so <c>sha256sum -c manifest.json.sha256</c> checks it too) and, when a manifest key is
    /// configured, an HMAC-SHA256 of the same bytes with that key. The seal is written into the unfinished set folder
    /// just before the manifest, and the folder only becomes a set when it is renamed afterwards, so a crash never
    /// leaves a set whose manifest has no seal.
    /// </summary>
    public static class ManifestSeal
    {
        public const string FileName = "manifest.json.sha256";
        /// <summary>Names the manifest key file when the profile does not (Backup.ManifestKeyFile).</summary>
        public const string KeyFileVariable = "PLATFORMOPS_BACKUP_KEY_FILE";
        private const string HmacPrefix = "hmac-sha256 ";
        private static readonly char[] NewLine = { '\n' };

        /// <summary>Writes the seal, then the manifest, both 0600 and atomically. Returns the manifest's SHA-256.</summary>
        public static string Write(string folder, string manifestJson, byte[]? key)
        {
            var bytes = new UTF8Encoding(false).GetBytes(manifestJson);
            var sha = Sha256(bytes);
            AtomicFile.WriteAllText(Path.Combine(folder, FileName), SealText(bytes, sha, key), secret: true);
            using (var file = new AtomicFile(Path.Combine(folder, BackupManifest.FileName), secret: true))
            {
                file.Stream.Write(bytes, 0, bytes.Length);
                file.Commit();
            }
            return sha;
        }

        /// <summary>Writes the seal of a manifest already on disk (Test-PlatformBackup -Seal). Returns the manifest's SHA-256.</summary>
        internal static string Reseal(string folder, byte[] manifestBytes, byte[]? key)
        {
            var sha = Sha256(manifestBytes);
            AtomicFile.WriteAllText(Path.Combine(folder, FileName), SealText(manifestBytes, sha, key), secret: true);
            return sha;
        }

        private static string SealText(byte[] bytes, string sha, byte[]? key)
            => sha + "  " + BackupManifest.FileName + "\n" + (key != null ? HmacPrefix + Hmac(bytes, key) + "\n" : string.Empty);

        /// <summary>Checks manifest bytes against the seal in <paramref name="folder"/>.</summary>
        public static (BackupManifestSeal Seal, string Detail) Check(string folder, byte[] manifestBytes, byte[]? key)
        {
            var path = Path.Combine(folder, FileName);
            if (!File.Exists(path) && !IsLink(path))
                return (BackupManifestSeal.Missing, $"the set has no {FileName}: it was made by PlatformOps 0.1.0 or its seal was removed, so its manifest cannot be checked");
            if (IsLink(path)) return (BackupManifestSeal.Mismatch, $"{FileName} is a symbolic link");
            string[] lines;
            try
            {
                var info = new FileInfo(path);
                if (info.Length > 4096) return (BackupManifestSeal.Mismatch, $"{FileName} is not a seal ({info.Length} bytes)");
                lines = File.ReadAllText(path).Replace("\r", string.Empty).Split(NewLine, StringSplitOptions.RemoveEmptyEntries);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return (BackupManifestSeal.Mismatch, $"{FileName} cannot be read: {ex.Message}");
            }
            var sha = Sha256(manifestBytes);
            var recorded = lines.Length > 0 ? lines[0].Split(' ')[0].Trim().ToLowerInvariant() : string.Empty;
            if (!FixedEquals(recorded, sha))
                return (BackupManifestSeal.Mismatch, $"the SHA-256 of {BackupManifest.FileName} ({sha}) is not the one its seal recorded ({(recorded.Length == 0 ? "none" : recorded)}): the manifest was changed or damaged after the backup");
            string? hmac = null;
            foreach (var line in lines)
                if (line.StartsWith(HmacPrefix, StringComparison.Ordinal)) hmac = line.Substring(HmacPrefix.Length).Trim().ToLowerInvariant();
            if (key == null)
                return (BackupManifestSeal.Sealed, hmac == null ? "SHA-256 matches the seal" : "SHA-256 matches the seal; the set is signed but no manifest key is configured here to check its HMAC");
            if (hmac == null)
                return (BackupManifestSeal.SealedWithoutKey, "SHA-256 matches the seal, but a manifest key is configured and the seal has no HMAC: the set was sealed without the key, or its HMAC was removed");
            if (!FixedEquals(hmac, Hmac(manifestBytes, key)))
                return (BackupManifestSeal.Mismatch, "the HMAC of the manifest does not match the configured manifest key: the manifest was re-sealed without the key, or the key is not the one the set was made with");
            return (BackupManifestSeal.SealedWithKey, "SHA-256 and HMAC (manifest key) match the seal");
        }

        /// <summary>True when the seal vouches for the manifest under the configuration in force.</summary>
        public static bool Trusted(BackupManifestSeal seal) => seal == BackupManifestSeal.SealedWithKey || seal == BackupManifestSeal.Sealed;

        /// <summary>The error a restore (or any use that trusts the manifest) raises for a seal that does not vouch for it.</summary>
        internal static PlatformOpsException Untrusted(string setPath, BackupManifestSeal seal, string detail)
        {
            switch (seal)
            {
                case BackupManifestSeal.Missing:
                    return new PlatformOpsException("PlatformBackupManifestUnsealed", System.Management.Automation.ErrorCategory.SecurityError, setPath,
                        $"The backup set '{setPath}' cannot be trusted: {detail}. If you trust this set, verify and seal it with 'Test-PlatformBackup -Path {setPath} -Seal', then try again.");
                case BackupManifestSeal.SealedWithoutKey:
                    return new PlatformOpsException("PlatformBackupManifestUnsigned", System.Management.Automation.ErrorCategory.SecurityError, setPath,
                        $"The backup set '{setPath}' cannot be trusted: {detail}. If you trust this set, sign it with 'Test-PlatformBackup -Path {setPath} -Seal', then try again.");
                default:
                    return new PlatformOpsException("PlatformBackupManifestMismatch", System.Management.Automation.ErrorCategory.SecurityError, setPath,
                        $"The manifest of the backup set '{setPath}' failed its integrity check: {detail}. Nothing was restored; do not use this set.");
            }
        }

        public static string Sha256(byte[] bytes)
        {
            using var sha = SHA256.Create();
            return Hex(sha.ComputeHash(bytes));
        }

        private static string Hmac(byte[] bytes, byte[] key)
        {
            using var hmac = new HMACSHA256(key);
            return Hex(hmac.ComputeHash(bytes));
        }

        private static string Hex(byte[] hash)
        {
            var text = new StringBuilder(hash.Length * 2);
            foreach (var b in hash) text.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return text.ToString();
        }

        /// <summary>Compares without an early exit, so timing does not tell how much of an HMAC matched.</summary>
        private static bool FixedEquals(string a, string b)
        {
            if (a.Length != b.Length) return false;
            var diff = 0;
            for (var i = 0; i < a.Length; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }

        internal static bool IsLink(string path)
        {
            try
            {
                return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>
        /// The manifest key: the file named by the profile's Backup.ManifestKeyFile, else by $env:PLATFORMOPS_BACKUP_KEY_FILE;
        /// null when neither is set. The file holds at least 32 bytes (e.g. <c>openssl rand -hex 32</c>), is readable by its
        /// owner only, and lives outside the backup folder. Its content is never shown.
        /// </summary>
        public static byte[]? ResolveKey(PlatformProfile? profile)
        {
            var path = ConnectionSettings.FirstOf(profile?.Backup?.ManifestKeyFile, Environment.GetEnvironmentVariable(KeyFileVariable));
            if (path == null) return null;
            path = Path.GetFullPath(path);
            if (!File.Exists(path))
                throw new PlatformOpsException("PlatformBackupKeyFileNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, path,
                    $"The manifest key file '{path}' (Backup.ManifestKeyFile or ${KeyFileVariable}) does not exist. Create it with 'openssl rand -hex 32 > {path}; chmod 600 {path}', or unset it.");
            var mode = UnixFile.GetMode(path);
            if (mode != null && (mode.Value & 0x3F) != 0)
                throw new PlatformOpsException("PlatformBackupKeyFileInsecure", System.Management.Automation.ErrorCategory.SecurityError, path,
                    $"The manifest key file '{path}' can be read by others (mode {Convert.ToString(mode.Value & 0xFFF, 8)}): run 'chmod 600 {path}'.");
            byte[] key;
            try
            {
                key = new UTF8Encoding(false).GetBytes(File.ReadAllText(path).Trim());
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PlatformOpsException("PlatformBackupKeyFileUnreadable", System.Management.Automation.ErrorCategory.PermissionDenied, path,
                    $"The manifest key file '{path}' cannot be read: {ex.Message}", ex);
            }
            if (key.Length < 32)
                throw new PlatformOpsException("PlatformBackupKeyFileInvalid", System.Management.Automation.ErrorCategory.InvalidData, path,
                    $"The manifest key file '{path}' holds fewer than 32 bytes: make a longer key ('openssl rand -hex 32').");
            return key;
        }

        /// <summary>Refuses a key file inside the backup folder: a key kept with the sets protects nothing.</summary>
        internal static void RequireKeyOutside(PlatformProfile? profile, string root)
        {
            var path = ConnectionSettings.FirstOf(profile?.Backup?.ManifestKeyFile, Environment.GetEnvironmentVariable(KeyFileVariable));
            if (path == null) return;
            var full = Path.GetFullPath(path);
            var folder = Path.GetFullPath(root).TrimEnd('/') + "/";
            if (full.StartsWith(folder, StringComparison.Ordinal))
                throw new PlatformOpsException("PlatformBackupKeyInsideBackupFolder", System.Management.Automation.ErrorCategory.SecurityError, full,
                    $"The manifest key file '{full}' is inside the backup folder '{root}': anyone who can change the sets could re-sign them. Keep the key elsewhere.");
        }
    }
}

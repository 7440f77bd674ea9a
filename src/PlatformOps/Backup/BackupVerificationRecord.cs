using System;
using System.IO;
using System.Text.Json;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
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

using System;
using System.Collections.Generic;
using System.Linq;

namespace PlatformOps.Backup
{
    /// <summary>A backup set: one folder with a manifest. Pipes into Test-, Restore- and Remove- by its Path.</summary>
    public sealed class PlatformBackupSet
    {
        public string Id { get; internal set; } = string.Empty;
        /// <summary>Logical (dumps made by Invoke-PlatformBackup) or Base (a physical base backup made by Invoke-PlatformBaseBackup).</summary>
        public string Kind => Manifest.SetKind;
        /// <summary>The set's folder.</summary>
        public string Path { get; internal set; } = string.Empty;
        public string? Platform { get; internal set; }
        public DateTime StartedUtc { get; internal set; }
        public DateTime CompletedUtc { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        public TimeSpan Age => DateTime.UtcNow - CompletedUtc;
        public long SizeBytes { get; internal set; }
        public IReadOnlyList<string> Databases { get; internal set; } = Array.Empty<string>();
        public bool HasGlobals { get; internal set; }
        public bool HasRedis { get; internal set; }
        public string? ToolMode { get; internal set; }
        public string? PostgresVersion { get; internal set; }
        public string? RedisVersion { get; internal set; }
        /// <summary>When Test-PlatformBackup last checked the set, and whether it passed.</summary>
        public DateTime? LastVerifiedUtc { get; internal set; }
        public bool? LastVerifyPassed { get; internal set; }
        /// <summary>When Test-PlatformBackup -Restore last restored the set, whether it passed, and how long the restore took (the measured RTO).</summary>
        public DateTime? LastRestoreTestUtc { get; internal set; }
        public bool? LastRestorePassed { get; internal set; }
        public TimeSpan? MeasuredRto { get; internal set; }
        /// <summary>Where the last restore test ran: Platform or Local (see Test-PlatformBackup -ScratchServer).</summary>
        public string? RestoredOn { get; internal set; }
        /// <summary>The manifest as read from disk.</summary>
        public BackupManifest Manifest { get; internal set; } = new BackupManifest();
        /// <summary>What the seal beside the manifest (manifest.json.sha256) says: SealedWithKey, Sealed, SealedWithoutKey, Missing or Mismatch.</summary>
        public BackupManifestSeal ManifestSeal { get; internal set; } = BackupManifestSeal.Missing;
        /// <summary>Why the seal says so.</summary>
        public string ManifestSealDetail { get; internal set; } = string.Empty;
        /// <summary>True when the seal vouches for the manifest (SealedWithKey or Sealed); restores refuse a set otherwise.</summary>
        public bool ManifestTrusted => Backup.ManifestSeal.Trusted(ManifestSeal);
        /// <summary>The SHA-256 of the manifest's bytes.</summary>
        public string? ManifestSha256 { get; internal set; }

        /// <summary>
        /// The set's latest verification passed and a restore test proved it, and its manifest is not known to be
        /// changed: what Remove-PlatformBackup protects.
        /// </summary>
        public bool RestoreProven => LastRestorePassed == true && LastVerifyPassed == true && ManifestSeal != BackupManifestSeal.Mismatch;

        public override string ToString() => Path;

        internal static PlatformBackupSet From(string path, BackupManifest manifest, BackupVerificationRecord? record,
            BackupManifestSeal seal = BackupManifestSeal.Missing, string? manifestSha256 = null, string sealDetail = "")
        {
            var set = new PlatformBackupSet
            {
                Id = manifest.Id,
                Path = path,
                Platform = manifest.Platform,
                StartedUtc = DateTime.SpecifyKind(manifest.StartedUtc, DateTimeKind.Utc),
                CompletedUtc = DateTime.SpecifyKind(manifest.CompletedUtc, DateTimeKind.Utc),
                Duration = TimeSpan.FromSeconds(manifest.DurationSeconds),
                SizeBytes = manifest.Files.Sum(f => f.Size),
                Databases = manifest.Files.Where(f => f.Kind == BackupKinds.Database && f.Database != null).Select(f => f.Database!).ToList(),
                HasGlobals = manifest.Files.Any(f => f.Kind == BackupKinds.Globals),
                HasRedis = manifest.Files.Any(f => f.Kind == BackupKinds.Redis),
                ToolMode = manifest.ToolMode,
                PostgresVersion = manifest.Postgres?.Version,
                RedisVersion = manifest.Redis?.Version,
                Manifest = manifest,
                ManifestSeal = seal,
                ManifestSealDetail = sealDetail,
                ManifestSha256 = manifestSha256,
            };
            // A record speaks for the manifest it was made with; once the manifest changed, it says nothing.
            if (record != null && (record.ManifestSha256 == null || manifestSha256 == null
                                   || string.Equals(record.ManifestSha256, manifestSha256, StringComparison.OrdinalIgnoreCase)))
            {
                set.LastVerifiedUtc = record.LastVerifiedUtc;
                set.LastVerifyPassed = record.LastVerifyPassed;
                set.LastRestoreTestUtc = record.LastRestoreTestUtc;
                set.LastRestorePassed = record.LastRestorePassed;
                set.MeasuredRto = record.RestoreSeconds.HasValue ? TimeSpan.FromSeconds(record.RestoreSeconds.Value) : (TimeSpan?)null;
                set.RestoredOn = record.RestoredOn;
            }
            return set;
        }
    }

    /// <summary>One check made by Test-PlatformBackup.</summary>
    public sealed class BackupCheck
    {
        /// <summary>File, Archive, Restore, RowCount, KeyCount or Properties (the database-level privileges and settings apply).</summary>
        public string Kind { get; internal set; } = string.Empty;
        public string Name { get; internal set; } = string.Empty;
        public bool Passed { get; internal set; }
        public string? Expected { get; internal set; }
        public string? Actual { get; internal set; }
        public string? Detail { get; internal set; }

        public override string ToString() => $"{Kind} {Name}: {(Passed ? "ok" : "FAILED")} {Detail}";
    }

    /// <summary>The result of Test-PlatformBackup for one set.</summary>
    public sealed class BackupTestResult
    {
        public string Id { get; internal set; } = string.Empty;
        public string Path { get; internal set; } = string.Empty;
        public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed);
        public int FilesChecked { get; internal set; }
        public long BytesChecked { get; internal set; }
        public bool Restored { get; internal set; }
        /// <summary>Wall time of the scratch restore of every database and Redis: the measured RTO.</summary>
        public TimeSpan? RestoreDuration { get; internal set; }
        /// <summary>Where the databases were restored: Platform (the platform's server) or Local (a throwaway cluster on this machine).</summary>
        public string? RestoredOn { get; internal set; }
        public int TablesCompared { get; internal set; }
        public long RowsCompared { get; internal set; }
        public long KeysCompared { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        public IReadOnlyList<BackupCheck> Checks { get; internal set; } = new List<BackupCheck>();
        public IEnumerable<BackupCheck> Failures => Checks.Where(c => !c.Passed);

        public override string ToString() => $"{Id}: {(Passed ? "Passed" : "Failed")}";
    }

    /// <summary>The result of Restore-PlatformDatabase.</summary>
    public sealed class DatabaseRestoreResult
    {
        public string BackupId { get; internal set; } = string.Empty;
        public string SourceDatabase { get; internal set; } = string.Empty;
        public string TargetDatabase { get; internal set; } = string.Empty;
        /// <summary>True when an existing database was replaced.</summary>
        public bool Replaced { get; internal set; }
        public bool GlobalsRestored { get; internal set; }
        /// <summary>Statements of the globals script that failed, typically roles that already exist.</summary>
        public int GlobalsErrors { get; internal set; }
        /// <summary>-IncludeGlobals: the roles the restore created.</summary>
        public IReadOnlyList<string> RolesCreated { get; internal set; } = Array.Empty<string>();
        /// <summary>-IncludeGlobals: the roles that existed and were left as they are.</summary>
        public IReadOnlyList<string> RolesSkipped { get; internal set; } = Array.Empty<string>();
        /// <summary>-IncludeGlobals -OverwriteRoles: the roles that existed and were set back to the backup's attributes, passwords and memberships.</summary>
        public IReadOnlyList<string> RolesOverwritten { get; internal set; } = Array.Empty<string>();
        /// <summary>The database-level privileges, settings and connection limit given to the restored database (from the manifest).</summary>
        public IReadOnlyList<string> PropertiesRestored { get; internal set; } = Array.Empty<string>();
        public int TablesVerified { get; internal set; }
        public long RowsVerified { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        public string Server { get; internal set; } = string.Empty;

        public override string ToString() => $"{SourceDatabase} -> {TargetDatabase}";
    }

    /// <summary>The result of Restore-PlatformRedis.</summary>
    public sealed class RedisRestoreResult
    {
        public string BackupId { get; internal set; } = string.Empty;
        public string Container { get; internal set; } = string.Empty;
        public string RdbPath { get; internal set; } = string.Empty;
        public long KeysExpected { get; internal set; }
        public long KeysLoaded { get; internal set; }
        public bool Passed => KeysLoaded == KeysExpected;
        public TimeSpan Duration { get; internal set; }

        public override string ToString() => $"{BackupId} -> {Container}";
    }

    /// <summary>What Remove-PlatformBackup decided for one set.</summary>
    public sealed class BackupRetentionDecision
    {
        public string Id { get; internal set; } = string.Empty;
        public string Path { get; internal set; } = string.Empty;
        public TimeSpan Age { get; internal set; }
        public long SizeBytes { get; internal set; }
        /// <summary>Removed, Kept, or Skipped (-WhatIf or declined).</summary>
        public string Action { get; internal set; } = string.Empty;
        public string Reason { get; internal set; } = string.Empty;

        public override string ToString() => $"{Id}: {Action} ({Reason})";
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PlatformOps.Common
{
    /// <summary>
    /// One platform described in one JSON file: where its Docker engine, PostgreSQL, Redis and service health endpoints
    /// are, and where its backups go. Paths inside the file are relative to the file's own folder.
    /// Credentials are never stored here, only the paths of pass files.
    /// </summary>
    public sealed class PlatformProfile
    {
        public string Name { get; set; } = "platform";
        public DockerSettings? Docker { get; set; }
        public PostgresSettings? Postgres { get; set; }
        public RedisSettings? Redis { get; set; }
        public List<EndpointSettings> Services { get; set; } = new List<EndpointSettings>();
        public List<EndpointSettings> Monitoring { get; set; } = new List<EndpointSettings>();
        /// <summary>Readiness targets, weights and the paths the checklist reads. Null: every default.</summary>
        public ReadinessSettings? Readiness { get; set; }
        public BackupSettings? Backup { get; set; }
        /// <summary>How much WAL archive the platform may keep and how far back point-in-time recovery must reach. Null: no budget, no window.</summary>
        public WalSettings? Wal { get; set; }
        /// <summary>The database role model (groups, service logins, owner roles). Null: the reference platform's model.</summary>
        public RoleSettings? Roles { get; set; }
        /// <summary>Scheduled maintenance (Install-PlatformMaintenance): jobs, schedules, run log, failure webhook. Null: every default.</summary>
        public MaintenanceSettings? Maintenance { get; set; }

        /// <summary>The file this profile was read from, if any.</summary>
        [JsonIgnore]
        public string? Path { get; set; }

        public override string ToString() => Path == null ? Name : $"{Name} ({Path})";

        internal static readonly JsonSerializerOptions JsonOptions = new JsonSerializerOptions
        {
            PropertyNameCaseInsensitive = true,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };

        /// <summary>Reads and validates a profile file.</summary>
        public static PlatformProfile Load(string path)
        {
            var full = System.IO.Path.GetFullPath(path);
            if (!File.Exists(full))
                throw new PlatformOpsException("PlatformProfileNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, path,
                    $"The platform profile '{full}' does not exist. Check the path, or run 'build.ps1 -Task LabUp' to create the lab's profile.");
            PlatformProfile? profile;
            try
            {
                profile = JsonSerializer.Deserialize<PlatformProfile>(File.ReadAllText(full), JsonOptions);
            }
            catch (JsonException ex)
            {
                throw new PlatformOpsException("PlatformProfileInvalid", System.Management.Automation.ErrorCategory.InvalidData, path,
                    $"The platform profile '{full}' is not valid JSON: {ex.Message}", ex);
            }
            if (profile == null)
                throw new PlatformOpsException("PlatformProfileInvalid", System.Management.Automation.ErrorCategory.InvalidData, path,
                    $"The platform profile '{full}' is empty.");
            profile.Path = full;
            profile.ResolvePaths(System.IO.Path.GetDirectoryName(full) ?? ".");
            return profile;
        }

        private void ResolvePaths(string baseDirectory)
        {
            string? Rooted(string? p) => string.IsNullOrEmpty(p) ? p : System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, p));
            if (Postgres != null)
            {
                Postgres.PassFile = Rooted(Postgres.PassFile);
                Postgres.WalArchive = Rooted(Postgres.WalArchive);
            }
            if (Redis != null) Redis.PasswordFile = Rooted(Redis.PasswordFile);
            if (Backup != null)
            {
                Backup.Path = Rooted(Backup.Path);
                Backup.ManifestKeyFile = Rooted(Backup.ManifestKeyFile);
            }
            Readiness?.ResolvePaths(Rooted);
            Maintenance?.ResolvePaths(Rooted);
        }
    }

    public sealed class DockerSettings
    {
        /// <summary>The engine endpoint, as DOCKER_HOST spells it (unix:///var/run/docker.sock, tcp://127.0.0.1:2375).</summary>
        public string? Endpoint { get; set; }
        /// <summary>The Docker Compose project whose containers make up the platform.</summary>
        public string? ComposeProject { get; set; }
    }

    public sealed class PostgresSettings
    {
        /// <summary>Host name or address. "Server" (the cmdlets' parameter name) is accepted as the same key.</summary>
        public string? Host { get; set; }

        [JsonInclude]
        [JsonPropertyName("Server")]
        internal string? ServerAlias { get => null; set { if (!string.IsNullOrEmpty(value)) Host = value; } }

        /// <summary>Accepted as the same key as PassFile, the name the Redis section and the cmdlets' -PasswordFile use.</summary>
        [JsonInclude]
        [JsonPropertyName("PasswordFile")]
        internal string? PasswordFileAlias { get => null; set { if (!string.IsNullOrEmpty(value)) PassFile = value; } }

        public int? Port { get; set; }
        public string? Database { get; set; }
        public string? Username { get; set; }
        /// <summary>A libpq pass file (host:port:database:user:password lines).</summary>
        public string? PassFile { get; set; }
        /// <summary>The container PostgreSQL runs in, when it runs in one.</summary>
        public string? Container { get; set; }
        public string? DataDirectory { get; set; }
        public string? WalArchive { get; set; }
        /// <summary>libpq sslmode: disable, prefer (default), require, verify-ca, verify-full.</summary>
        public string? SslMode { get; set; }
    }

    public sealed class RedisSettings
    {
        /// <summary>Host name or address. "Server" (the cmdlets' parameter name) is accepted as the same key.</summary>
        public string? Host { get; set; }

        [JsonInclude]
        [JsonPropertyName("Server")]
        internal string? ServerAlias { get => null; set { if (!string.IsNullOrEmpty(value)) Host = value; } }

        public int? Port { get; set; }
        /// <summary>A file holding only the Redis password (requirepass).</summary>
        public string? PasswordFile { get; set; }
        public string? Container { get; set; }
        public string? DataDirectory { get; set; }
    }

    /// <summary>An HTTP endpoint that answers a health probe.</summary>
    public sealed class EndpointSettings
    {
        public string Name { get; set; } = string.Empty;
        public string Url { get; set; } = string.Empty;
        public string? Container { get; set; }
        /// <summary>Latency in milliseconds above which a 2xx answer counts as Degraded.</summary>
        public int? DegradedAfterMs { get; set; }
    }

    public sealed class BackupSettings
    {
        public string? Path { get; set; }
        /// <summary>The default policy of Remove-PlatformBackup.</summary>
        public BackupRetentionSettings? Retention { get; set; }
        /// <summary>A key file outside the backup folder: manifests are signed (HMAC-SHA256) with it and checked against it.</summary>
        public string? ManifestKeyFile { get; set; }
    }

    /// <summary>The WAL archive's budget and the point-in-time window that expiring it must respect.</summary>
    public sealed class WalSettings
    {
        /// <summary>The most the WAL archive may hold, in GB (1024^3 bytes); the readiness item data.wal-archive-size judges against it. Null: judged against the disk's free space.</summary>
        public double? ArchiveBudgetGB { get; set; }
        /// <summary>Point-in-time recovery must reach this many hours back; Remove-PlatformWalArchive and Remove-PlatformBackup keep the WAL it needs. Null: every kept base backup keeps full point-in-time recovery.</summary>
        public double? PitrWindowHours { get; set; }

        /// <summary>The window as a span, or null.</summary>
        [JsonIgnore]
        public TimeSpan? PitrWindow => PitrWindowHours is double h && h > 0 ? TimeSpan.FromHours(h) : (TimeSpan?)null;
    }

    /// <summary>Keep the last KeepLast sets, and/or those newer than KeepDays days.</summary>
    public sealed class BackupRetentionSettings
    {
        public int? KeepLast { get; set; }
        public int? KeepDays { get; set; }
    }

    /// <summary>
    /// What Test-PlatformReadiness measures against: targets (RPO, RTO, backup age, certificate expiry), the weights
    /// of Get-PlatformHealthScore, and the paths the checklist reads. Every property has a default; relative paths
    /// are relative to the profile's folder.
    /// </summary>
    public sealed class ReadinessSettings
    {
        /// <summary>Recovery point objective in minutes: the most data the platform may lose. Default 15.</summary>
        public double RpoTargetMinutes { get; set; } = 15;
        /// <summary>Recovery time objective in minutes: the longest a measured restore may take. Default 60.</summary>
        public double RtoTargetMinutes { get; set; } = 60;
        /// <summary>The newest backup must be younger than this many hours. Default 26 (daily, with slack).</summary>
        public double BackupMaxAgeHours { get; set; } = 26;
        /// <summary>The restore that verified a backup must be younger than this many days. Default 7.</summary>
        public double VerificationMaxAgeDays { get; set; } = 7;
        /// <summary>A certificate that expires within this many days is Warn. Default 30.</summary>
        public double CertificateWarningDays { get; set; } = 30;
        /// <summary>A certificate that expires within this many days is Fail. Default 7.</summary>
        public double CertificateCriticalDays { get; set; } = 7;
        /// <summary>The newest run of Invoke-PlatformTest must be younger than this many hours. Default 24.</summary>
        public double TestRunMaxAgeHours { get; set; } = 24;
        /// <summary>Without an earlier run to compare with, a restart within this many minutes counts as recent. Default 60.</summary>
        public double RestartWindowMinutes { get; set; } = 60;
        /// <summary>The overall score below which the platform is not ready (verdict, -MinimumScore default). Default 90.</summary>
        public double MinimumScore { get; set; } = 90;

        /// <summary>Weight of each category in the overall score (Infrastructure, Security, DataManagement, Quality, Documentation).</summary>
        public Dictionary<string, double> Weights { get; set; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        /// <summary>Weight of single checks by id (default 1); 0 leaves a check out of the checklist.</summary>
        public Dictionary<string, double> CheckWeights { get; set; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The folder of the runbooks the checklist names. Default: 'runbooks' beside the profile.</summary>
        public string? RunbooksPath { get; set; }
        /// <summary>Runbook file names by topic. Default: Recovery=recovery.md, Tls=tls.md, Secrets=secrets.md, Roles=roles.md.</summary>
        public Dictionary<string, string>? Runbooks { get; set; }
        /// <summary>Certificate files (PEM or DER) to check. Default: none besides the served endpoints.</summary>
        public List<string> CertificatePaths { get; set; } = new List<string>();
        /// <summary>TLS endpoints (host:port) whose served certificate to check. Default: the PostgreSQL server when its ssl is on.</summary>
        public List<string> TlsEndpoints { get; set; } = new List<string>();
        /// <summary>The CA certificate files the certificates' issuer chains are judged against. Default: none, the system trust store.</summary>
        public List<string> CertificateAuthorityPaths { get; set; } = new List<string>();
        /// <summary>The repository to scan for committed secrets. Default: none (the check is skipped).</summary>
        public string? RepositoryPath { get; set; }
        /// <summary>The user's own Pester test files or folders that Invoke-PlatformTest runs after the acceptance suite.</summary>
        public List<string> TestPaths { get; set; } = new List<string>();
        /// <summary>Application names whose superuser sessions are maintenance, not services (prefix match).</summary>
        public List<string>? AdminApplications { get; set; }
        /// <summary>Where readiness keeps state between runs (restart counts, the last test run). Default: the user's state folder.</summary>
        public string? StatePath { get; set; }

        internal void ResolvePaths(Func<string?, string?> rooted)
        {
            RunbooksPath = rooted(RunbooksPath);
            RepositoryPath = rooted(RepositoryPath);
            StatePath = rooted(StatePath);
            CertificatePaths = CertificatePaths.Select(p => rooted(p) ?? p).ToList();
            CertificateAuthorityPaths = CertificateAuthorityPaths.Select(p => rooted(p) ?? p).ToList();
            TestPaths = TestPaths.Select(p => rooted(p) ?? p).ToList();
        }
    }

    /// <summary>
    /// The platform's database role model: three NOLOGIN groups, one LOGIN role per service mapped to exactly one
    /// group, the schemas they cover and the owner roles whose later tables the default privileges must cover.
    /// </summary>
    public sealed class RoleSettings
    {
        public string ReadRole { get; set; } = "app_read";
        public string WriteRole { get; set; } = "app_write";
        public string AdminRole { get; set; } = "app_admin";
        /// <summary>The application schemas. Null or empty: every non-system schema of the database.</summary>
        public List<string>? Schemas { get; set; }
        /// <summary>Roles that create tables later (migrations). Null: the admin role and the connecting user.</summary>
        public List<string>? Owners { get; set; }
        /// <summary>Service login name to group: a group role name, or read / write / admin.</summary>
        public Dictionary<string, string> Services { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>The reference platform's twelve service logins (see docs/Set-DbRole.md).</summary>
        public static RoleSettings Reference() => new RoleSettings
        {
            Services = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["l01_data_layer"] = "admin",
                ["l02_runtime"] = "write",
                ["l03_tool_execution"] = "write",
                ["l04_model_gateway"] = "read",
                ["l05_planning"] = "write",
                ["l06_evaluation"] = "read",
                ["l07_learning"] = "write",
                ["l09_api_gateway"] = "read",
                ["l10_human_interface"] = "read",
                ["l11_integration"] = "write",
                ["l12_service_hub"] = "write",
                ["platform_ui"] = "read",
            },
        };
    }
}

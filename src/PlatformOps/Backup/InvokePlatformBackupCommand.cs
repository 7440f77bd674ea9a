using System.Management.Automation;
using PlatformOps.Common;
using PlatformOps.Postgres;
using PlatformOps.Redis;

namespace PlatformOps.Backup
{
    /// <summary>Backs up the platform's PostgreSQL databases, the cluster's globals and Redis into a new backup set.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "PlatformBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(PlatformBackupSet))]
    public sealed class InvokePlatformBackupCommand : PostgresServerCmdlet
    {
        /// <summary>The backup folder; each set becomes a sub-folder. Default: the profile's Backup.Path.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Databases to back up. Default: every database that accepts connections.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PlatformOps.Postgres.DatabaseCompleter))]
        public string[]? Database { get; set; }

        [Parameter]
        public BackupFormat Format { get; set; } = BackupFormat.Directory;

        [Parameter]
        public BackupCompression Compression { get; set; } = BackupCompression.Gzip;

        [Parameter]
        [ValidateRange(0, 22)]
        public int? CompressionLevel { get; set; }

        /// <summary>Parallel pg_dump jobs for the Directory format. Default: the number of processors.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int Jobs { get; set; } = System.Math.Max(1, System.Environment.ProcessorCount);

        [Parameter]
        public PgToolMode ToolMode { get; set; } = PgToolMode.Auto;

        [Parameter]
        public SwitchParameter SkipGlobals { get; set; }

        [Parameter]
        public SwitchParameter SkipRedis { get; set; }

        [Parameter]
        public SwitchParameter SkipPostgres { get; set; }

        protected override string CancelledMessage
            => "Invoke-PlatformBackup was cancelled (Ctrl+C or a stopped pipeline) before the set was complete: no backup set was kept and its partial folder was removed. Run the backup again.";

        protected override void EndProcessing()
        {
            try
            {
                var profile = EffectiveProfile;
                var root = BackupStore.ResolveRoot(Path == null ? null : GetUnresolvedProviderPathFromPSPath(Path), profile);
                var request = new BackupRequest
                {
                    Root = root,
                    Platform = profile?.Name,
                    Databases = Database,
                    IncludeGlobals = !SkipGlobals.IsPresent,
                    Format = Format,
                    Compression = Compression,
                    CompressionLevel = CompressionLevel,
                    Jobs = Jobs,
                    ToolMode = ToolMode,
                    Docker = DockerTarget.Resolve(null, null, profile),
                    ManifestKey = ManifestSeal.ResolveKey(profile),
                };
                ManifestSeal.RequireKeyOutside(profile, root);
                if (!SkipPostgres.IsPresent)
                    request.Postgres = ResolvePostgresTarget();
                if (!SkipRedis.IsPresent)
                {
                    if (profile?.Redis != null) request.Redis = RedisTarget.Resolve(null, null, null, null, profile);
                    else WriteVerbose("No Redis in the platform profile: Redis is not backed up.");
                }
                var what = (request.Postgres != null ? $"PostgreSQL {request.Postgres.Endpoint}" : string.Empty)
                           + (request.Redis != null ? $"{(request.Postgres != null ? " and " : string.Empty)}Redis {request.Redis.Endpoint}" : string.Empty);
                if (!ShouldProcess(root, $"Back up {what} into a new set")) return;
                var progress = new BackupProgress("Invoke-PlatformBackup");
                WriteObject(BackupCmdletSupport.Run(this, progress, ct => BackupEngine.RunAsync(request, progress, ct), CancellationToken));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Wal
{
    /// <summary>The WAL cmdlets' base: PostgreSQL connection plus the Docker engine (container restarts, container logs).</summary>
    public abstract class WalCmdlet : PostgresCmdlet
    {
        /// <summary>The Docker engine endpoint, for a PostgreSQL that runs in a container. Default: profile, then DOCKER_HOST.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DockerEndpoint { get; set; }

        /// <summary>A DockerTarget when the server runs in a container (profile Postgres.Container), else null.</summary>
        protected DockerTarget? DockerFor(PostgresTarget target)
            => string.IsNullOrEmpty(target.Container) ? null : DockerTarget.Resolve(DockerEndpoint, null, EffectiveProfile);

        /// <summary>Runs long engine work, showing Write-Progress from the pipeline thread until it ends; completes the bar in finally.</summary>
        protected T RunWithProgress<T>(string activity, OperationProgress progress, Func<CancellationToken, Task<T>> work)
        {
            var task = work(CancellationToken);
            var record = new ProgressRecord(Math.Abs(activity.GetHashCode()) % 100000, activity, "Starting");
            try
            {
                while (!task.Wait(250))
                {
                    var total = progress.BytesTotal;
                    var done = progress.BytesDone;
                    record.StatusDescription = total > 0
                        ? string.Format(CultureInfo.InvariantCulture, "{0}: {1:0.0} of {2:0.0} MB", progress.Phase, done / 1048576.0, total / 1048576.0)
                        : string.Format(CultureInfo.InvariantCulture, "{0}: {1:0.0} MB", progress.Phase, done / 1048576.0);
                    record.PercentComplete = total > 0 ? (int)Math.Min(99, 100.0 * done / total) : -1;
                    WriteProgress(record);
                }
            }
            catch (AggregateException)
            {
                // surfaced below with its original type
            }
            finally
            {
                record.RecordType = ProgressRecordType.Completed;
                WriteProgress(record);
            }
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>The profile's WAL archive folder, or null.</summary>
        protected string? ProfileArchive => EffectiveProfile?.Postgres?.WalArchive;

        /// <summary>The profile's backup folder, or a clear error.</summary>
        protected string BackupRoot(string? path)
        {
            var root = path != null ? GetUnresolvedProviderPathFromPSPath(path) : EffectiveProfile?.Backup?.Path;
            if (string.IsNullOrEmpty(root))
                Fail("PlatformBackupPathMissing", ErrorCategory.InvalidArgument, null, "No backup folder: pass -Path or set Backup.Path in the platform profile.");
            return Path.GetFullPath(root!);
        }
    }
}

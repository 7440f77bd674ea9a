using System;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Wal
{
    /// <summary>Archive settings, pg_stat_archiver, the .ready backlog, the current WAL file and an RPO estimate that does not cry wolf on an idle server.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformWalStatus")]
    [OutputType(typeof(PlatformWalStatus))]
    public sealed class GetPlatformWalStatusCommand : WalCmdlet
    {
        /// <summary>Seconds between the two samples whose deltas judge the archiver (0: one sample).</summary>
        [Parameter]
        [ValidateRange(0, 300)]
        public double SampleSec { get; set; } = 1;

        /// <summary>The RPO the platform promises; RpoOk says whether the estimate is within it.</summary>
        [Parameter]
        public TimeSpan RpoTarget { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>The archive folder to measure (size, oldest segment, growth per hour). Default: the profile's Postgres.WalArchive, else the built-in archive command's folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ArchivePath { get; set; }

        protected override void EndProcessing()
        {
            var target = ResolvePostgres();
            try
            {
                var status = Await(ct => WalStatusReader.GetStatusAsync(target, TimeSpan.FromSeconds(SampleSec), RpoTarget, DockerFor(target), ct));
                var archive = WalArchiveStats.ArchivePathOf(status, ArchivePath != null ? GetUnresolvedProviderPathFromPSPath(ArchivePath) : ProfileArchive);
                status.ArchiveUsage = WalArchiveStats.TryMeasure(archive, DateTime.UtcNow);
                if (ArchivePath != null && status.ArchiveUsage == null)
                    Report("PlatformWalArchiveNotFound", ErrorCategory.ObjectNotFound, ArchivePath, $"The WAL archive folder '{archive}' does not exist or cannot be read from this machine.");
                if (status.ArchiveFailing) WriteWarning($"WAL archiving fails at {target.Endpoint}: {status.FailureReason}");
                WriteObject(status);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

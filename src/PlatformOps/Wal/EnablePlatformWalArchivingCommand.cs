using System;
using System.IO;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Wal
{
    /// <summary>Sets wal_level, archive_mode and the archive command (or library) and says whether a restart is needed; can restart the container.</summary>
    [Cmdlet(VerbsLifecycle.Enable, "PlatformWalArchiving", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = DirectorySet)]
    [OutputType(typeof(WalArchivingResult))]
    public sealed class EnablePlatformWalArchivingCommand : WalCmdlet
    {
        private const string DirectorySet = "Directory";
        private const string CommandSet = "Command";
        private const string LibrarySet = "Library";

        /// <summary>The folder, as the server sees it, to archive into. Default: the profile's Postgres.WalArchive.</summary>
        [Parameter(Position = 0, ParameterSetName = DirectorySet)]
        [Parameter(ParameterSetName = LibrarySet)]
        [ValidateNotNullOrEmpty]
        public string? ArchiveDirectory { get; set; }

        /// <summary>An archive command of your own (%p: the segment's path, %f: its name).</summary>
        [Parameter(Mandatory = true, ParameterSetName = CommandSet)]
        [ValidateNotNullOrEmpty]
        public string ArchiveCommand { get; set; } = string.Empty;

        /// <summary>An archive module (PostgreSQL 15+), e.g. basic_archive with -ArchiveDirectory.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LibrarySet)]
        [ValidateNotNullOrEmpty]
        public string ArchiveLibrary { get; set; } = string.Empty;

        /// <summary>replica (default) or logical. A server at logical stays there.</summary>
        [Parameter]
        [ValidateSet("replica", "logical")]
        public string WalLevel { get; set; } = "replica";

        /// <summary>Seconds after which a segment with writes is switched and archived even if not full (bounds the RPO); 0 turns it off.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int ArchiveTimeoutSec { get; set; } = 60;

        /// <summary>Restart the PostgreSQL container when wal_level or archive_mode need it.</summary>
        [Parameter]
        public SwitchParameter Restart { get; set; }

        /// <summary>The container to restart. Default: the profile's Postgres.Container.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PlatformOps.Common.Completers.ContainerNameCompleter))]
        public string? Container { get; set; }

        /// <summary>Seconds to wait for PostgreSQL to answer again after a restart.</summary>
        [Parameter]
        [ValidateRange(5, 3600)]
        public int TimeoutSec { get; set; } = 120;

        protected override void EndProcessing()
        {
            var target = ResolvePostgres();
            var request = new WalArchivingRequest { WalLevel = WalLevel, ArchiveTimeoutSec = ArchiveTimeoutSec };
            switch (ParameterSetName)
            {
                case CommandSet: request.ArchiveCommand = ArchiveCommand; break;
                case LibrarySet: request.ArchiveLibrary = ArchiveLibrary; request.ArchiveDirectory = ArchiveDirectory; break;
                default: request.ArchiveDirectory = ArchiveDirectory ?? ProfileArchive; break;
            }
            try
            {
                var plan = Await(ct => WalArchivingSetup.PlanEnableAsync(target, request, ct));
                WalArchivingResult result;
                if (plan.Statements.Count == 0)
                {
                    WriteVerbose($"The archive settings at {target.Endpoint} already match.");
                    result = Await(ct => WalArchivingSetup.ReadResultAsync(target, plan, ct));
                }
                else
                {
                    if (!ShouldProcess($"PostgreSQL at {target.Endpoint}: {string.Join(", ", plan.Changes)}{Environment.NewLine}{plan.Script}",
                            $"Change the archive settings of PostgreSQL at {target.Endpoint}?{Environment.NewLine}{plan.Script}", "Enable-PlatformWalArchiving"))
                        return;
                    result = Await(ct => WalArchivingSetup.ApplyEnableAsync(target, plan, ct));
                }
                if (result.RestartRequired)
                {
                    var container = Container ?? target.Container;
                    result.Container = container;
                    if (Restart && container != null)
                    {
                        if (!ShouldProcess($"container '{container}' (PostgreSQL at {target.Endpoint})", "Restart")) { WriteObject(result); return; }
                        var docker = DockerTarget.Resolve(DockerEndpoint, null, EffectiveProfile);
                        WriteVerbose($"Restarting container '{container}' through {docker.Endpoint}.");
                        Await(ct => WalArchivingSetup.RestartContainerAsync(docker, container, target, TimeoutSec, ct));
                        var after = Await(ct => WalArchivingSetup.ReadResultAsync(target, plan, ct));
                        after.Restarted = true;
                        after.Container = container;
                        result = after;
                    }
                    else if (Restart)
                    {
                        Report("PlatformWalRestartUnsupported", ErrorCategory.NotImplemented, target,
                            $"PostgreSQL at {target.Endpoint} has no container in the profile, so it cannot be restarted from here. Restart it yourself (pg_ctl restart -D <data directory>, or your service manager).");
                    }
                    else
                    {
                        WriteWarning($"wal_level/archive_mode take effect after a restart of PostgreSQL at {target.Endpoint}" +
                                     (container != null ? $": run again with -Restart to restart container '{container}'." : ": restart the server (pg_ctl restart, or your service manager)."));
                    }
                }
                WriteObject(result);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

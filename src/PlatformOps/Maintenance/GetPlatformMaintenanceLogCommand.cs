using System;
using System.Linq;
using System.Management.Automation;

namespace PlatformOps.Maintenance
{
    /// <summary>Reads the maintenance run log (and its rotated files) as objects, oldest first.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformMaintenanceLog")]
    [OutputType(typeof(MaintenanceRun))]
    public sealed class GetPlatformMaintenanceLogCommand : MaintenanceCmdlet
    {
        /// <summary>Only these jobs.</summary>
        [Parameter(Position = 0)]
        public MaintenanceJobName[]? Job { get; set; }

        /// <summary>Only the newest N runs (after the other filters).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? Last { get; set; }

        /// <summary>Only runs that exited non-zero (failed, timed out, cancelled, busy, interrupted, or not logged cleanly).</summary>
        [Parameter]
        public SwitchParameter Failed { get; set; }

        /// <summary>Only runs that started at or after this time.</summary>
        [Parameter]
        public DateTime? Since { get; set; }

        /// <summary>The log file to read. Default: the profile's run log.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        protected override void EndProcessing()
        {
            var path = Path != null ? GetUnresolvedProviderPathFromPSPath(Path) : RequirePlan().LogPath;
            var runs = MaintenanceLog.Read(path, out var damaged).AsEnumerable();
            if (damaged > 0) WriteWarning($"{damaged} line(s) of {path} are not runs (a line cut short by a crash, or written by hand) and were passed over.");
            if (Job != null && Job.Length > 0) runs = runs.Where(r => Job.Contains(r.Job));
            if (Failed) runs = runs.Where(r => r.ExitCode != 0);
            if (Since is DateTime since) runs = runs.Where(r => r.StartedAt >= since.ToUniversalTime());
            var list = runs.ToList();
            if (Last is int last) list = list.Skip(Math.Max(0, list.Count - last)).ToList();
            foreach (var run in list) WriteObject(run);
        }
    }
}

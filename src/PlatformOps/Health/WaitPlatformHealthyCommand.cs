using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Health
{
    /// <summary>The outcome of Wait-PlatformHealthy.</summary>
    public sealed class PlatformWaitResult
    {
        public bool Healthy { get; internal set; }
        public TimeSpan Elapsed { get; internal set; }
        public int Attempts { get; internal set; }
        /// <summary>The items that were still not healthy when the wait ended (empty on success).</summary>
        public IReadOnlyList<HealthItem> NotHealthy { get; internal set; } = Array.Empty<HealthItem>();
        public override string ToString() => Healthy ? $"Healthy after {Elapsed.TotalSeconds:0.0} s" : $"{NotHealthy.Count} item(s) not healthy after {Elapsed.TotalSeconds:0.0} s";
    }

    /// <summary>Waits until every checked item is Healthy or the timeout passes, then says what is still not.</summary>
    [Cmdlet(VerbsLifecycle.Wait, "PlatformHealthy")]
    [OutputType(typeof(PlatformWaitResult))]
    public sealed class WaitPlatformHealthyCommand : HealthCmdlet
    {
        /// <summary>How long to wait in all, in seconds.</summary>
        [Parameter(Position = 0)]
        [ValidateRange(1, 86400)]
        public int WaitSec { get; set; } = 120;

        /// <summary>Seconds between two rounds of probes.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int IntervalSec { get; set; } = 2;

        /// <summary>Count Degraded items as good enough.</summary>
        [Parameter]
        public SwitchParameter AllowDegraded { get; set; }

        protected override void EndProcessing()
        {
            var plan = BuildPlan();
            var clock = Stopwatch.StartNew();
            var progress = new ProgressRecord(1, "Waiting for the platform to be healthy", "Probing");
            var attempts = 0;
            IReadOnlyList<HealthItem> bad = Array.Empty<HealthItem>();
            try
            {
                while (true)
                {
                    attempts++;
                    var items = Await(ct => HealthChecker.CheckAsync(plan, ct));
                    bad = items.Where(i => !(i.Status == HealthStatus.Healthy || (AllowDegraded && i.Status == HealthStatus.Degraded))).ToList();
                    if (bad.Count == 0 || clock.Elapsed.TotalSeconds >= WaitSec) break;
                    progress.StatusDescription = $"{items.Count - bad.Count} of {items.Count} healthy; waiting for {string.Join(", ", bad.Take(5).Select(b => b.Name))}{(bad.Count > 5 ? ", …" : string.Empty)}";
                    progress.PercentComplete = Math.Min(99, (int)(100 * clock.Elapsed.TotalSeconds / WaitSec));
                    progress.SecondsRemaining = Math.Max(0, WaitSec - (int)clock.Elapsed.TotalSeconds);
                    WriteProgress(progress);
                    var pause = TimeSpan.FromSeconds(Math.Min(IntervalSec, Math.Max(0, WaitSec - clock.Elapsed.TotalSeconds)));
                    Await(ct => Task.Delay(pause, ct));
                }
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
            var result = new PlatformWaitResult { Healthy = bad.Count == 0, Elapsed = clock.Elapsed, Attempts = attempts, NotHealthy = bad };
            if (!result.Healthy)
            {
                Report("PlatformNotHealthyInTime", ErrorCategory.OperationTimeout, result,
                    $"After {WaitSec} s, {bad.Count} item(s) are still not healthy: " + string.Join("; ", bad.Select(b => $"{b.Component}/{b.Name} {b.Status}: {b.Detail}")));
            }
            WriteObject(result);
        }
    }
}

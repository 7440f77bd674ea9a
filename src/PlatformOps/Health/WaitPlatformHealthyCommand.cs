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

    /// <summary>
    /// Waits until every checked item is Healthy or the timeout passes, then says what is still not. -WaitSec bounds the
    /// whole wait: a round of probes that would run past it is cut short at the deadline.
    /// </summary>
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
                var limit = TimeSpan.FromSeconds(WaitSec);
                var probeTimeout = plan.Timeout;
                while (true)
                {
                    attempts++;
                    var left = limit - clock.Elapsed;
                    // Each probe gets its own timeout, but never more than what is left of the wait (less a margin, so that a
                    // slow probe still reports itself before the round is cut).
                    var share = left - ProbeMargin;
                    plan.Timeout = share < probeTimeout ? (share > MinimumRound ? share : MinimumRound) : probeTimeout;
                    var items = Await(ct => RoundAsync(plan, left, ct));
                    if (items == null)
                    {
                        // The deadline cut the round: what is known is the last complete round, or that nothing answered in time.
                        if (bad.Count == 0) bad = new[] { new HealthItem("Platform", "probes", HealthStatus.Unknown, null, $"no probe round finished within {WaitSec} s") };
                        break;
                    }
                    bad = items.Where(i => !(i.Status == HealthStatus.Healthy || (AllowDegraded && i.Status == HealthStatus.Degraded))).ToList();
                    if (bad.Count == 0 || clock.Elapsed >= limit) break;
                    progress.StatusDescription = $"{items.Count - bad.Count} of {items.Count} healthy; waiting for {string.Join(", ", bad.Take(5).Select(b => b.Name))}{(bad.Count > 5 ? ", …" : string.Empty)}";
                    progress.PercentComplete = Math.Min(99, (int)(100 * clock.Elapsed.TotalSeconds / WaitSec));
                    progress.SecondsRemaining = Math.Max(0, WaitSec - (int)clock.Elapsed.TotalSeconds);
                    WriteProgress(progress);
                    var pause = TimeSpan.FromSeconds(Math.Min(IntervalSec, Math.Max(0, WaitSec - clock.Elapsed.TotalSeconds)));
                    Await(ct => Task.Delay(pause, ct));
                    if (clock.Elapsed >= limit) break;
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

        /// <summary>The shortest round worth starting: below it a probe cannot even connect.</summary>
        private static readonly TimeSpan MinimumRound = TimeSpan.FromMilliseconds(200);
        private static readonly TimeSpan ProbeMargin = TimeSpan.FromMilliseconds(150);

        /// <summary>One round of probes, cancelled at <paramref name="left"/>; null when the deadline cut it.</summary>
        private static async Task<IReadOnlyList<HealthItem>?> RoundAsync(HealthPlan plan, TimeSpan left, System.Threading.CancellationToken cancellationToken)
        {
            var deadline = System.Threading.CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var cut = left > MinimumRound ? left : MinimumRound;
            deadline.CancelAfter(cut);
            var round = HealthChecker.CheckAsync(plan, deadline.Token);
            _ = round.ContinueWith(_ => deadline.Dispose(), System.Threading.CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            // A probe that ignores its token must not stretch the wait: the round is raced against the deadline, and a
            // round left behind is observed so that its late failure goes nowhere.
            var first = await Task.WhenAny(round, Task.Delay(cut, cancellationToken)).ConfigureAwait(false);
            if (first != round)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try { deadline.Cancel(); } catch (ObjectDisposedException) { }
                _ = round.ContinueWith(t => t.Exception, System.Threading.CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                return null;
            }
            try
            {
                return await round.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }
}

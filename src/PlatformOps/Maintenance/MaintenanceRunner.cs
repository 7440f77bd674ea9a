using System;
using System.Collections.Generic;
using System.Threading;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>What a job's work reports back to the runner.</summary>
    public sealed class JobOutcome
    {
        public bool Failed { get; set; }
        public string? Message { get; set; }
        public string? ErrorId { get; set; }
        public Dictionary<string, object?> Figures { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    /// <summary>One run to make: the plan, the job and how it was started.</summary>
    public sealed class MaintenanceRunRequest
    {
        public MaintenanceRunRequest(MaintenancePlan plan, PlannedJob job)
        {
            Plan = plan ?? throw new ArgumentNullException(nameof(plan));
            Job = job ?? throw new ArgumentNullException(nameof(job));
            TimeLimit = job.TimeLimit;
            LockWait = job.LockWait;
        }

        public MaintenancePlan Plan { get; }
        public PlannedJob Job { get; }
        public TimeSpan TimeLimit { get; set; }
        public TimeSpan LockWait { get; set; }
        /// <summary>Manual, Systemd, Cron or TaskScheduler.</summary>
        public string Trigger { get; set; } = "Manual";
        /// <summary>Where a failure is posted; null: nowhere.</summary>
        public string? WebhookUrl { get; set; }
        /// <summary>How long the work may go on after the time limit cancelled it before the run is given up as hung.</summary>
        public TimeSpan HangGrace { get; set; } = TimeSpan.FromSeconds(30);
        public string? Version { get; set; }
    }

    /// <summary>What the runner did: the run (as logged), an interrupted earlier run it found, and what could not be done.</summary>
    public sealed class MaintenanceRunResult
    {
        internal MaintenanceRunResult(MaintenanceRun run) { Run = run; }

        public MaintenanceRun Run { get; }
        /// <summary>An earlier run whose process died holding the lock; its line was written by this run.</summary>
        public MaintenanceRun? Interrupted { get; internal set; }
        /// <summary>The run log could not be written (the run's exit code says so too).</summary>
        public MaintenanceException? LogError { get; internal set; }
        /// <summary>Why the failure webhook was not told, when it was not.</summary>
        public string? WebhookError { get; internal set; }
        /// <summary>True when the webhook took the notification.</summary>
        public bool Notified { get; internal set; }
    }

    /// <summary>
    /// Runs one maintenance job the way a scheduler needs it run: under the platform's lock (waiting up to the lock
    /// wait, else Busy), within the time limit (cancelled after it: TimedOut), with one line in the run log and a
    /// webhook call when it did not succeed. The work itself is a delegate that honours its token; it runs on the
    /// calling thread.
    /// </summary>
    public static class MaintenanceRunner
    {
        public static MaintenanceRunResult Run(MaintenanceRunRequest request, Func<CancellationToken, JobOutcome> work,
            CancellationToken cancellationToken, Action<MaintenanceRun>? onHang = null)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (work == null) throw new ArgumentNullException(nameof(work));
            var plan = request.Plan;
            var run = NewRun(request);
            var result = new MaintenanceRunResult(run);

            MaintenanceLock? held;
            try
            {
                held = MaintenanceLock.Acquire(plan.LockPath, request.LockWait, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Finish(run, MaintenanceOutcome.Cancelled, "cancelled while waiting for the platform's lock; nothing was done");
                Log(request, result, rotate: false);
                return result;
            }
            if (held == null)
            {
                var holder = MaintenanceLock.ReadMarker(plan.MarkerPath);
                var who = holder == null ? "another run" : $"the {holder.Job} run {holder.RunId} (process {holder.ProcessId} on {holder.Host}, started {holder.StartedAt:u})";
                Finish(run, MaintenanceOutcome.Busy,
                    $"{who} holds the maintenance lock of '{plan.Platform}' ({plan.LockPath}); waited {Words(request.LockWait)} and did nothing. It runs again at its next scheduled time.");
                Log(request, result, rotate: false);
                return result;
            }

            using (held)
            {
                // The run starts when it holds the lock; the wait before is a figure of its own.
                var waited = DateTime.UtcNow - run.StartedAt;
                if (waited >= TimeSpan.FromSeconds(1)) run.Figures["lockWaitSeconds"] = Math.Round(waited.TotalSeconds, 1);
                run.StartedAt = DateTime.UtcNow;
                result.Interrupted = RecoverInterrupted(request, result);
                MaintenanceLock.WriteMarker(plan.MarkerPath, new RunMarker
                {
                    RunId = run.RunId, Job = run.Job.ToString(), ProcessId = run.ProcessId, Host = run.Host, Trigger = run.Trigger, StartedAt = run.StartedAt,
                });
                var finished = 0;
                using var limit = new CancellationTokenSource(request.TimeLimit);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
                using var watchdog = new Timer(_ =>
                {
                    if (Interlocked.Exchange(ref finished, 1) != 0) return;
                    Finish(run, MaintenanceOutcome.TimedOut,
                        $"passed its time limit of {Words(request.TimeLimit)} and did not stop within {Words(request.HangGrace)} of being cancelled; the process was ended");
                    Log(request, result, rotate: true);
                    MaintenanceLock.RemoveMarker(plan.MarkerPath);
                    Notify(request, result, run);
                    onHang?.Invoke(run);
                }, null, request.TimeLimit + request.HangGrace, Timeout.InfiniteTimeSpan);

                JobOutcome outcome;
                try
                {
                    outcome = work(linked.Token);
                }
                catch (OperationCanceledException)
                {
                    outcome = new JobOutcome { Failed = true, Message = "stopped" };
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    outcome = new JobOutcome { Failed = true, Message = PlatformErrors.Reason(ex), ErrorId = (ex as MaintenanceException)?.ErrorId };
                }
                if (Interlocked.Exchange(ref finished, 1) != 0) return result; // the watchdog has written the run

                foreach (var figure in outcome.Figures) run.Figures[figure.Key] = figure.Value;
                run.ErrorId = outcome.ErrorId;
                if (!outcome.Failed)
                    Finish(run, MaintenanceOutcome.Succeeded, outcome.Message);
                else if (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    Finish(run, MaintenanceOutcome.TimedOut, $"passed its time limit of {Words(request.TimeLimit)} and was stopped" + (string.IsNullOrEmpty(outcome.Message) || outcome.Message == "stopped" ? string.Empty : $" ({outcome.Message})"));
                else if (cancellationToken.IsCancellationRequested)
                    Finish(run, MaintenanceOutcome.Cancelled, "cancelled (Ctrl+C or a stop) before it finished");
                else
                    Finish(run, MaintenanceOutcome.Failed, outcome.Message ?? "failed");
                Log(request, result, rotate: true);
                MaintenanceLock.RemoveMarker(plan.MarkerPath);
            }
            Notify(request, result, run);
            return result;
        }

        private static MaintenanceRun NewRun(MaintenanceRunRequest request) => new MaintenanceRun
        {
            RunId = Guid.NewGuid().ToString("N").Substring(0, 12),
            Platform = request.Plan.Platform,
            Job = request.Job.Name,
            Trigger = request.Trigger,
            Host = Environment.MachineName,
            ProcessId = System.Diagnostics.Process.GetCurrentProcess().Id,
            StartedAt = DateTime.UtcNow,
            Version = request.Version,
        };

        private static void Finish(MaintenanceRun run, MaintenanceOutcome outcome, string? message)
        {
            run.Outcome = outcome;
            run.ExitCode = MaintenanceExitCodes.Of(outcome);
            run.EndedAt = DateTime.UtcNow;
            run.Message = message == null ? null : Sensitive.Redact(message);
        }

        /// <summary>Writes the run's line; a log that cannot be written turns a success into exit code 74.</summary>
        private static void Log(MaintenanceRunRequest request, MaintenanceRunResult result, bool rotate)
        {
            try
            {
                MaintenanceLog.Append(request.Plan.LogPath, result.Run, request.Plan.LogMaxBytes, request.Plan.LogKeep, rotate);
            }
            catch (MaintenanceException ex)
            {
                result.LogError = ex;
                if (result.Run.ExitCode == 0) result.Run.ExitCode = MaintenanceExitCodes.LogNotWritten;
            }
        }

        /// <summary>A marker left behind means its run died holding the lock (which the kernel has since released): its line is written now.</summary>
        private static MaintenanceRun? RecoverInterrupted(MaintenanceRunRequest request, MaintenanceRunResult result)
        {
            var plan = request.Plan;
            var marker = MaintenanceLock.ReadMarker(plan.MarkerPath);
            if (marker == null) return null;
            var job = Enum.TryParse<MaintenanceJobName>(marker.Job, true, out var j) ? j : request.Job.Name;
            var lost = new MaintenanceRun
            {
                RunId = marker.RunId,
                Platform = plan.Platform,
                Job = job,
                Trigger = string.IsNullOrEmpty(marker.Trigger) ? "Manual" : marker.Trigger,
                Host = marker.Host,
                ProcessId = marker.ProcessId,
                StartedAt = DateTime.SpecifyKind(marker.StartedAt, DateTimeKind.Utc),
                Version = request.Version,
            };
            Finish(lost, MaintenanceOutcome.Interrupted,
                $"ended before it finished: its process {marker.ProcessId} on {marker.Host} was killed or the machine stopped, and the lock was released when it died; found by the {request.Job.Name} run {result.Run.RunId}. Check for leftovers (Remove-PlatformBackupLeftover).");
            try
            {
                MaintenanceLog.Append(plan.LogPath, lost, plan.LogMaxBytes, plan.LogKeep, rotate: true);
            }
            catch (MaintenanceException ex)
            {
                result.LogError = ex;
            }
            MaintenanceLock.RemoveMarker(plan.MarkerPath);
            var interrupted = new MaintenanceRunResult(lost);
            Notify(request, interrupted, lost);
            return lost;
        }

        /// <summary>Posts a run that did not succeed (Busy runs did nothing and are not posted).</summary>
        private static void Notify(MaintenanceRunRequest request, MaintenanceRunResult result, MaintenanceRun run)
        {
            if (string.IsNullOrEmpty(request.WebhookUrl) || run.ExitCode == 0 || run.Outcome == MaintenanceOutcome.Busy) return;
            var why = FailureWebhook.NotifyAsync(request.WebhookUrl!, run, TimeSpan.FromSeconds(10), CancellationToken.None).GetAwaiter().GetResult();
            result.WebhookError = why;
            result.Notified = why == null;
        }

        internal static string Words(TimeSpan span)
        {
            if (span.TotalSeconds < 1) return $"{span.TotalMilliseconds:0} ms";
            if (span.TotalMinutes < 1) return $"{span.TotalSeconds:0.#} s";
            if (span.TotalHours < 1) return $"{span.TotalMinutes:0.#} min";
            return $"{span.TotalHours:0.#} h";
        }
    }
}

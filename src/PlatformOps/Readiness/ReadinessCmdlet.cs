using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Readiness
{
    /// <summary>What the readiness cmdlets share: the profile they need, and running the checklist when no rows come from the pipeline.</summary>
    public abstract class ReadinessCmdlet : PlatformCmdlet
    {
        /// <summary>Seconds each probe (Docker, PostgreSQL, Redis, HTTP) may take.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 5;

        /// <summary>The profile in force, or a terminating error that says how to load one.</summary>
        protected PlatformProfile RequireProfile()
            => RequireProfile("PlatformProfileNotLoaded", ErrorCategory.ObjectNotFound,
                "No platform profile is loaded, so there is no platform to check. Run Import-PlatformProfile -Path <file>, pass -Profile, or set $env:PLATFORMOPS_PROFILE.");

        protected ReadinessPlan BuildPlan(PlatformProfile profile, ICollection<ReadinessCategory>? categories)
        {
            var plan = ReadinessPlan.Create(profile, TimeSpan.FromSeconds(TimeoutSec));
            plan.Categories = categories;
            return plan;
        }

        /// <summary>Runs the checklist now and writes a verbose line per item.</summary>
        protected ReadinessRun RunChecklist(PlatformProfile profile, ICollection<ReadinessCategory>? categories = null, bool saveState = true)
        {
            var plan = BuildPlan(profile, categories);
            plan.SaveState &= saveState;
            WriteVerbose($"Running the readiness checklist of '{profile.Name}' (state in {plan.StateDirectory}).");
            var run = Await(ct => ReadinessEngine.RunAsync(plan, ct));
            foreach (var check in run.Checks)
                WriteVerbose($"{check.Id}: {check.Status} in {check.DurationMs:0} ms");
            WriteVerbose($"{run.Checks.Count} checks in {run.Duration.TotalMilliseconds:0} ms.");
            return run;
        }

        /// <summary>The score of some rows, with the profile's category weights and minimum.</summary>
        protected static PlatformHealthScore Score(PlatformProfile? profile, string platform, DateTime measuredAt, IEnumerable<ReadinessCheck> checks,
            double? minimumScore, PlatformHealthScore? previous)
        {
            var settings = profile?.Readiness;
            var minimum = minimumScore ?? settings?.MinimumScore ?? new ReadinessSettings().MinimumScore;
            return HealthScoreCalculator.Compute(platform, measuredAt, checks, c => ReadinessPlan.CategoryWeight(settings, c), minimum, previous);
        }

        /// <summary>The terminating error of -Assert: what failed, and the score against the minimum.</summary>
        protected void AssertReady(PlatformHealthScore score)
        {
            if (HealthScoreCalculator.IsReady(score)) return;
            var failed = score.Checks.Where(c => c.Status == ReadinessStatus.Fail).ToList();
            var why = new List<string>();
            if (score.Overall == null) why.Add("no check could be scored");
            if (score.Overall < score.MinimumScore) why.Add($"the score {score.Overall:0.#} is below {score.MinimumScore:0.#}");
            if (failed.Count > 0) why.Add($"{Words.Plural(failed.Count, "item")} failed: " + string.Join("; ", failed.Select(f => $"{f.Item} ({f.Evidence})")));
            Fail("PlatformNotReady", ErrorCategory.InvalidResult, score,
                $"The platform '{score.Platform}' is not ready: {string.Join(", and ", why)}. Run the remedy of each failed item (Test-PlatformReadiness | Where-Object Status -eq 'Fail').");
        }
    }
}

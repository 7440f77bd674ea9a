using System.Management.Automation;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// Runs the production readiness checklist against the live platform, every item in parallel, and writes one row
    /// per item: category, item, status, the measured evidence and the PlatformOps command that fixes it.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "PlatformReadiness")]
    [OutputType(typeof(ReadinessCheck))]
    [OutputType(typeof(bool))]
    public sealed class TestPlatformReadinessCommand : ReadinessCmdlet
    {
        /// <summary>Only these categories.</summary>
        [Parameter(Position = 0)]
        public ReadinessCategory[]? Category { get; set; }

        /// <summary>Write only $true (ready) or $false (not ready) instead of the rows.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>Stop with a terminating error when the platform is not ready (a Fail, or the score below the minimum).</summary>
        [Parameter]
        public SwitchParameter Assert { get; set; }

        /// <summary>The overall score below which the platform is not ready. Default: the profile's Readiness.MinimumScore (90).</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public double? MinimumScore { get; set; }

        protected override void EndProcessing()
        {
            var profile = RequireProfile();
            var run = RunChecklist(profile, Category);
            var score = Score(profile, run.Platform, run.StartedAt, run.Checks, MinimumScore, null);
            WriteVerbose($"Score {score.Overall:0.#} ({score.Verdict}): {score.Passed} pass, {score.Warned} warn, {score.Failed} fail, {score.Skipped} skipped.");
            if (Quiet) WriteObject(HealthScoreCalculator.IsReady(score));
            else WriteObject(run.Checks, enumerateCollection: true);
            if (Assert) AssertReady(score);
        }
    }
}

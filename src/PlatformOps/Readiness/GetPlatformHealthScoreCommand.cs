using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// Scores the platform per category and overall from the readiness checklist (run now, or piped in from
    /// Test-PlatformReadiness), lists the checks behind each score, and compares with an earlier score.
    /// </summary>
    /// <remarks>
    /// SupportsShouldProcess because it writes: -OutFile (which it replaces) and, when it runs the checklist, the
    /// readiness state it compares the next run with. ConfirmImpact is Medium, like Export-PlatformReport and Out-File:
    /// it replaces only the file you name. -WhatIf still scores, and writes nothing.
    /// </remarks>
    [Cmdlet(VerbsCommon.Get, "PlatformHealthScore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PlatformHealthScore))]
    public sealed class GetPlatformHealthScoreCommand : ReadinessCmdlet
    {
        private readonly List<ReadinessCheck> _piped = new List<ReadinessCheck>();

        /// <summary>Checklist rows from Test-PlatformReadiness. Without them the checklist runs now.</summary>
        [Parameter(ValueFromPipeline = true)]
        public ReadinessCheck[]? InputObject { get; set; }

        /// <summary>An earlier score to compare with: a JSON file from -OutFile, or an HTML or Markdown report from Export-PlatformReport.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Previous { get; set; }

        /// <summary>Also save this score as JSON to this file (for a later -Previous).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutFile { get; set; }

        /// <summary>The overall score below which the platform is not ready. Default: the profile's Readiness.MinimumScore (90).</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public double? MinimumScore { get; set; }

        /// <summary>Stop with a terminating error when the platform is not ready (a Fail, or the score below the minimum).</summary>
        [Parameter]
        public SwitchParameter Assert { get; set; }

        protected override void ProcessRecord()
        {
            if (InputObject != null) _piped.AddRange(InputObject.Where(c => c != null));
        }

        protected override void EndProcessing()
        {
            PlatformHealthScore? previous = null;
            if (Previous != null)
            {
                try { previous = ScoreDocument.Load(GetUnresolvedProviderPathFromPSPath(Previous)).ToScore(); }
                catch (PlatformOpsException ex) { Fail(ex); }
            }
            var score = Compute(previous);
            if (OutFile != null)
            {
                var path = GetUnresolvedProviderPathFromPSPath(OutFile);
                if (ShouldProcess(path, System.IO.File.Exists(path) ? "Replace the file with this score (JSON)" : "Save this score (JSON)"))
                try
                {
                    ScoreDocument.From(score).Save(path);
                    WriteVerbose($"Saved the score to {path}.");
                }
                catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
                {
                    Report("PlatformHealthScoreNotSaved", ErrorCategory.WriteError, path, $"Cannot write the score to '{path}': {ex.Message}");
                }
            }
            WriteObject(score);
            if (Assert) AssertReady(score);
        }

        private PlatformHealthScore Compute(PlatformHealthScore? previous)
        {
            if (_piped.Count > 0)
            {
                var profile = SafeProfile();
                var platform = profile?.Name ?? "platform";
                return Score(profile, platform, _piped.Max(c => c.CheckedAt), _piped, MinimumScore, previous);
            }
            var required = RequireProfile();
            var plan = BuildPlan(required, null);
            var run = RunChecklist(required, saveState: ShouldProcess(plan.StateDirectory, "Record the containers' restart counts for the next readiness run"));
            return Score(required, run.Platform, run.StartedAt, run.Checks, MinimumScore, previous);
        }

        private PlatformProfile? SafeProfile()
        {
            try { return EffectiveProfile; }
            catch (PlatformOpsException) { return null; }
        }
    }
}

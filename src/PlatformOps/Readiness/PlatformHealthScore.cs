using System;
using System.Collections.Generic;
using System.Linq;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// The platform's health score: one score per category and an overall score, each computed from the checklist
    /// rows behind it (Pass counts 1, Warn 1/2, Fail 0, Skipped not at all), with the change since an earlier score.
    /// </summary>
    public sealed class PlatformHealthScore
    {
        public string Platform { get; internal set; } = string.Empty;
        public DateTime MeasuredAt { get; internal set; }
        /// <summary>The weighted mean of the category scores that apply (0-100); null when no category has an applicable check.</summary>
        public double? Overall { get; internal set; }
        /// <summary>Ready (all Pass), Ready with warnings (no Fail, some Warn), Not ready (a Fail, or Overall below MinimumScore), Not measured.</summary>
        public string Verdict { get; internal set; } = string.Empty;
        /// <summary>The overall score below which the verdict is Not ready (profile Readiness.MinimumScore, default 90).</summary>
        public double MinimumScore { get; internal set; }
        public IReadOnlyList<CategoryScore> Categories { get; internal set; } = Array.Empty<CategoryScore>();
        /// <summary>Every checklist row behind the score.</summary>
        public IReadOnlyList<ReadinessCheck> Checks { get; internal set; } = Array.Empty<ReadinessCheck>();
        public int Passed => Checks.Count(c => c.Status == ReadinessStatus.Pass);
        public int Warned => Checks.Count(c => c.Status == ReadinessStatus.Warn);
        public int Failed => Checks.Count(c => c.Status == ReadinessStatus.Fail);
        public int Skipped => Checks.Count(c => c.Status == ReadinessStatus.Skipped);
        /// <summary>The earlier score this one was compared with, if any.</summary>
        public PlatformHealthScore? Previous { get; internal set; }
        /// <summary>Overall minus the earlier overall; null without an earlier score.</summary>
        public double? Change { get; internal set; }
        /// <summary>The checklist rows whose status differs from the earlier score's.</summary>
        public IReadOnlyList<ReadinessChange> Changes { get; internal set; } = Array.Empty<ReadinessChange>();

        /// <summary>The score of one category.</summary>
        public CategoryScore? Category(ReadinessCategory category) => Categories.FirstOrDefault(c => c.Category == category);

        public override string ToString() => Overall == null ? $"{Platform}: not measured" : $"{Platform}: {Overall.Value:0.#}/100 ({Verdict})";
    }

    /// <summary>One category's score and the checks behind it.</summary>
    public sealed class CategoryScore
    {
        public ReadinessCategory Category { get; internal set; }
        /// <summary>The category as people write it ("Data management").</summary>
        public string Name => ReadinessCategories.DisplayName(Category);
        /// <summary>0-100; null when the category has no applicable check (see Note).</summary>
        public double? Score { get; internal set; }
        /// <summary>The category's weight in the overall score.</summary>
        public double Weight { get; internal set; }
        public int Passed { get; internal set; }
        public int Warned { get; internal set; }
        public int Failed { get; internal set; }
        public int Skipped { get; internal set; }
        /// <summary>Why there is no score, when there is none.</summary>
        public string? Note { get; internal set; }
        public double? PreviousScore { get; internal set; }
        /// <summary>Score minus the earlier score; null when either is missing.</summary>
        public double? Change { get; internal set; }
        public IReadOnlyList<ReadinessCheck> Checks { get; internal set; } = Array.Empty<ReadinessCheck>();

        public override string ToString() => Score == null ? $"{Name}: {Note}" : $"{Name}: {Score.Value:0.#}";
    }

    /// <summary>A checklist row whose status changed between two scores.</summary>
    public sealed class ReadinessChange
    {
        public ReadinessCategory Category { get; internal set; }
        public string Id { get; internal set; } = string.Empty;
        public string Item { get; internal set; } = string.Empty;
        /// <summary>The earlier status; null when the item is new.</summary>
        public ReadinessStatus? Was { get; internal set; }
        /// <summary>The status now; null when the item is gone.</summary>
        public ReadinessStatus? Now { get; internal set; }
        public string Evidence { get; internal set; } = string.Empty;

        /// <summary>True when the item got better (Fail to Warn, Warn to Pass).</summary>
        public bool Improved => Was != null && Now != null && Now != ReadinessStatus.Skipped && Was != ReadinessStatus.Skipped && Now < Was;

        public override string ToString() => $"{Item}: {Was?.ToString() ?? "new"} -> {Now?.ToString() ?? "gone"}";
    }

    /// <summary>Computes scores from checklist rows and compares two scores.</summary>
    public static class HealthScoreCalculator
    {
        /// <summary>Scores have one decimal, rounded half away from zero (56.25 is 56.3).</summary>
        public static double Round(double value) => Math.Round(value, 1, MidpointRounding.AwayFromZero);

        public static double Credit(ReadinessStatus status) => status switch
        {
            ReadinessStatus.Pass => 1.0,
            ReadinessStatus.Warn => 0.5,
            _ => 0.0,
        };

        public static PlatformHealthScore Compute(string platform, DateTime measuredAt, IEnumerable<ReadinessCheck> checks,
            Func<ReadinessCategory, double> categoryWeight, double minimumScore, PlatformHealthScore? previous = null)
        {
            var list = checks.ToList();
            var categories = new List<CategoryScore>();
            foreach (var category in ReadinessCategories.All)
            {
                var rows = list.Where(c => c.Category == category).ToList();
                var scored = rows.Where(c => c.IsScored).ToList();
                var weight = scored.Sum(c => c.Weight);
                var score = new CategoryScore
                {
                    Category = category,
                    Weight = categoryWeight(category),
                    Passed = rows.Count(c => c.Status == ReadinessStatus.Pass),
                    Warned = rows.Count(c => c.Status == ReadinessStatus.Warn),
                    Failed = rows.Count(c => c.Status == ReadinessStatus.Fail),
                    Skipped = rows.Count(c => c.Status == ReadinessStatus.Skipped),
                    Checks = rows,
                };
                if (weight > 0) score.Score = Round(100.0 * scored.Sum(c => c.Weight * Credit(c.Status)) / weight);
                else score.Note = rows.Count == 0 ? "no applicable checks (none ran)" : $"no applicable checks ({Words.Plural(rows.Count, "check")} skipped)";
                categories.Add(score);
            }
            var counted = categories.Where(c => c.Score != null && c.Weight > 0).ToList();
            double? overall = counted.Count == 0 ? (double?)null
                : Round(counted.Sum(c => c.Weight * c.Score!.Value) / counted.Sum(c => c.Weight));
            var result = new PlatformHealthScore
            {
                Platform = platform,
                MeasuredAt = measuredAt,
                Overall = overall,
                MinimumScore = minimumScore,
                Categories = categories,
                Checks = list,
            };
            result.Verdict = Verdict(result);
            if (previous != null) Compare(result, previous);
            return result;
        }

        /// <summary>Ready or Ready with warnings: no Fail, and the overall score at or above the minimum.</summary>
        public static bool IsReady(PlatformHealthScore score) => score.Verdict == "Ready" || score.Verdict == "Ready with warnings";

        internal static string Verdict(PlatformHealthScore score)
        {
            if (score.Overall == null) return "Not measured";
            if (score.Checks.Any(c => c.Status == ReadinessStatus.Fail) || score.Overall < score.MinimumScore) return "Not ready";
            if (score.Checks.Any(c => c.Status == ReadinessStatus.Warn)) return "Ready with warnings";
            return "Ready";
        }

        /// <summary>Fills the change fields of <paramref name="current"/> from an earlier score.</summary>
        public static void Compare(PlatformHealthScore current, PlatformHealthScore previous)
        {
            current.Previous = previous;
            current.Change = current.Overall != null && previous.Overall != null ? Round(current.Overall.Value - previous.Overall.Value) : (double?)null;
            foreach (var category in current.Categories)
            {
                var before = previous.Category(category.Category);
                category.PreviousScore = before?.Score;
                category.Change = category.Score != null && before?.Score != null ? Round(category.Score.Value - before.Score.Value) : (double?)null;
            }
            var changes = new List<ReadinessChange>();
            foreach (var now in current.Checks)
            {
                var was = previous.Checks.FirstOrDefault(c => string.Equals(c.Id, now.Id, StringComparison.OrdinalIgnoreCase));
                if (was != null && was.Status == now.Status) continue;
                changes.Add(new ReadinessChange { Category = now.Category, Id = now.Id, Item = now.Item, Was = was?.Status, Now = now.Status, Evidence = now.Evidence });
            }
            foreach (var gone in previous.Checks.Where(p => !current.Checks.Any(c => string.Equals(c.Id, p.Id, StringComparison.OrdinalIgnoreCase))))
                changes.Add(new ReadinessChange { Category = gone.Category, Id = gone.Id, Item = gone.Item, Was = gone.Status, Now = null, Evidence = gone.Evidence });
            current.Changes = changes;
        }
    }
}

using System;
using System.Collections.Generic;

namespace PlatformOps.Readiness
{
    /// <summary>The verdict on one checklist item, from best to worst; Skipped means the item does not apply or cannot be measured in this build.</summary>
    public enum ReadinessStatus
    {
        Pass = 0,
        Warn = 1,
        Fail = 2,
        Skipped = 3,
    }

    /// <summary>The five parts of the production readiness checklist.</summary>
    public enum ReadinessCategory
    {
        Infrastructure = 0,
        Security = 1,
        DataManagement = 2,
        Quality = 3,
        Documentation = 4,
    }

    /// <summary>One row of the production readiness checklist: what was checked, the verdict, the measured evidence and the remedy.</summary>
    public sealed class ReadinessCheck
    {
        internal ReadinessCheck(ReadinessDefinition definition)
        {
            Id = definition.Id;
            Category = definition.Category;
            Item = definition.Item;
            Remedy = definition.Remedy;
            Target = definition.Target;
        }

        /// <summary>For results read back from a saved score or report.</summary>
        internal ReadinessCheck(string id, ReadinessCategory category, string item)
        {
            Id = id;
            Category = category;
            Item = item;
        }

        /// <summary>Infrastructure, Security, DataManagement, Quality or Documentation.</summary>
        public ReadinessCategory Category { get; }
        /// <summary>A stable identifier (for weights in the profile and for comparing runs), e.g. infrastructure.containers-running.</summary>
        public string Id { get; }
        /// <summary>The checklist item in words.</summary>
        public string Item { get; }
        public ReadinessStatus Status { get; internal set; }
        /// <summary>What was measured (the value behind the verdict); for a Skipped item, the reason it was skipped.</summary>
        public string Evidence { get; internal set; } = string.Empty;
        /// <summary>The PlatformOps command that fixes or investigates the item.</summary>
        public string Remedy { get; internal set; } = string.Empty;
        /// <summary>The target the evidence was held against, when there is one (e.g. "RPO within 15 min").</summary>
        public string? Target { get; internal set; }
        /// <summary>The measured figure itself, when the item has one (seconds, days, count), for reports and metrics.</summary>
        public double? Value { get; internal set; }
        /// <summary>The unit of <see cref="Value"/>: seconds, days, count.</summary>
        public string? Unit { get; internal set; }
        /// <summary>One line per offending or measured part (a container, a certificate, a runbook).</summary>
        public IReadOnlyList<string> Details { get; internal set; } = Array.Empty<string>();
        /// <summary>The weight of the item in its category's score (default 1).</summary>
        public double Weight { get; internal set; } = 1;
        /// <summary>How long the check took, in milliseconds.</summary>
        public double DurationMs { get; internal set; }
        public DateTime CheckedAt { get; internal set; }
        /// <summary>The measured objects behind the verdict (containers, statuses, backup sets, certificates), for scripts and reports.</summary>
        public object? Data { get; internal set; }

        /// <summary>True for Pass, Warn and Fail: the item counts in the score.</summary>
        public bool IsScored => Status != ReadinessStatus.Skipped && Weight > 0;

        public override string ToString() => $"{Category}/{Item}: {Status}";
    }

    /// <summary>What a checklist item is, before it runs.</summary>
    internal sealed class ReadinessDefinition
    {
        public ReadinessDefinition(string id, ReadinessCategory category, string item, string remedy, string? target = null)
        {
            Id = id;
            Category = category;
            Item = item;
            Remedy = remedy;
            Target = target;
        }

        public string Id { get; }
        public ReadinessCategory Category { get; }
        public string Item { get; }
        public string Remedy { get; }
        public string? Target { get; }

        public ReadinessCheck Result(ReadinessStatus status, string evidence, IReadOnlyList<string>? details = null, object? data = null)
            => new ReadinessCheck(this) { Status = status, Evidence = evidence, Details = details ?? Array.Empty<string>(), Data = data };

        public ReadinessCheck Pass(string evidence, IReadOnlyList<string>? details = null, object? data = null) => Result(ReadinessStatus.Pass, evidence, details, data);
        public ReadinessCheck Warn(string evidence, IReadOnlyList<string>? details = null, object? data = null) => Result(ReadinessStatus.Warn, evidence, details, data);
        public ReadinessCheck Fail(string evidence, IReadOnlyList<string>? details = null, object? data = null) => Result(ReadinessStatus.Fail, evidence, details, data);
        public ReadinessCheck Skip(string reason) => Result(ReadinessStatus.Skipped, reason);
    }

    /// <summary>Names and display text of the categories.</summary>
    public static class ReadinessCategories
    {
        public static readonly ReadinessCategory[] All =
        {
            ReadinessCategory.Infrastructure, ReadinessCategory.Security, ReadinessCategory.DataManagement,
            ReadinessCategory.Quality, ReadinessCategory.Documentation,
        };

        /// <summary>The category as people write it: "Data management".</summary>
        public static string DisplayName(ReadinessCategory category) => category == ReadinessCategory.DataManagement ? "Data management" : category.ToString();

        /// <summary>Default weights of the categories in the overall score.</summary>
        public static double DefaultWeight(ReadinessCategory category) => category switch
        {
            ReadinessCategory.Infrastructure => 25,
            ReadinessCategory.Security => 25,
            ReadinessCategory.DataManagement => 30,
            ReadinessCategory.Quality => 10,
            _ => 10,
        };

        public static bool TryParse(string text, out ReadinessCategory category)
        {
            var t = text.Replace(" ", string.Empty).Replace("-", string.Empty).Replace("_", string.Empty);
            return Enum.TryParse(t, true, out category) && Enum.IsDefined(typeof(ReadinessCategory), category);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Readiness
{
    /// <summary>The outcome of one readiness run: every checklist row, when it ran and how long it took.</summary>
    public sealed class ReadinessRun
    {
        internal ReadinessRun(string platform, DateTime startedAt, TimeSpan duration, IReadOnlyList<ReadinessCheck> checks)
        {
            Platform = platform;
            StartedAt = startedAt;
            Duration = duration;
            Checks = checks;
        }

        public string Platform { get; }
        public DateTime StartedAt { get; }
        public TimeSpan Duration { get; }
        public IReadOnlyList<ReadinessCheck> Checks { get; }
    }

    /// <summary>One checklist item: what it is, and how to measure it.</summary>
    internal sealed class ReadinessItem
    {
        public ReadinessItem(ReadinessDefinition definition, Func<ReadinessContext, ReadinessDefinition, Task<ReadinessCheck>> run)
        {
            Definition = definition;
            Run = run;
        }

        public ReadinessDefinition Definition { get; }
        public Func<ReadinessContext, ReadinessDefinition, Task<ReadinessCheck>> Run { get; }
    }

    /// <summary>
    /// Runs the production readiness checklist: every item at once, each server probed once and shared, every
    /// failure to measure turned into a row that says why. Nothing throws past it but cancellation.
    /// </summary>
    public static class ReadinessEngine
    {
        /// <summary>The longest one item may take before it is reported as not answering.</summary>
        public static TimeSpan ItemTimeout { get; set; } = TimeSpan.FromSeconds(60);

        public static async Task<ReadinessRun> RunAsync(ReadinessPlan plan, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var previous = ReadinessState.Load(plan.StateDirectory);
            var context = new ReadinessContext(plan, previous, cancellationToken);
            var items = ReadinessChecklist.Items(plan)
                .Where(i => plan.Categories == null || plan.Categories.Contains(i.Definition.Category))
                .ToList();
            ReadinessCheck[] checks;
            if (plan.MaxParallelism is int limit && limit > 0)
            {
                using var gate = new SemaphoreSlim(limit);
                checks = await Task.WhenAll(items.Select(async i =>
                {
                    await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try { return await RunItemAsync(i, context).ConfigureAwait(false); }
                    finally { gate.Release(); }
                })).ConfigureAwait(false);
            }
            else
            {
                checks = await Task.WhenAll(items.Select(i => RunItemAsync(i, context))).ConfigureAwait(false);
            }

            if (plan.SaveState && context.ContainersProbed && context.Containers.Status == TaskStatus.RanToCompletion)
            {
                var state = new ReadinessState { CheckedAt = context.Now };
                foreach (var c in context.Containers.Result)
                    state.Containers[c.Name] = new ContainerMark { Id = c.Id, RestartCount = c.RestartCount, StartedAt = c.StartedAt };
                try { state.Save(plan.StateDirectory); }
                catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException) { /* the next run compares with less */ }
            }
            var ordered = checks.OrderBy(c => c.Category).ThenBy(c => items.FindIndex(i => i.Definition.Id == c.Id)).ToList();
            return new ReadinessRun(plan.PlatformName, context.Now, clock.Elapsed, ordered);
        }

        private static async Task<ReadinessCheck> RunItemAsync(ReadinessItem item, ReadinessContext context)
        {
            var definition = item.Definition;
            var weight = context.Plan.CheckWeight(definition.Id);
            var clock = Stopwatch.StartNew();
            ReadinessCheck result;
            if (weight <= 0)
            {
                result = definition.Skip("left out by the profile (Readiness.CheckWeights sets its weight to 0)");
            }
            else
            {
                try
                {
                    var work = Task.Run(() => item.Run(context, definition), context.CancellationToken);
                    var finished = await Task.WhenAny(work, Task.Delay(ItemTimeout, context.CancellationToken)).ConfigureAwait(false);
                    context.CancellationToken.ThrowIfCancellationRequested();
                    result = finished == work
                        ? await work.ConfigureAwait(false)
                        : definition.Fail($"not measured: no answer within {ItemTimeout.TotalSeconds:0} s");
                }
                catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    result = definition.Fail("not measured: " + PlatformErrors.Reason(ex));
                }
            }
            result.Weight = result.Status == ReadinessStatus.Skipped ? 0 : weight;
            result.DurationMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
            result.CheckedAt = context.Now;
            result.Evidence = Sensitive.Redact(result.Evidence);
            return result;
        }
    }

    /// <summary>Wording shared by the checklist items and the reports.</summary>
    internal static class Words
    {
        public static string Plural(long n, string one, string? many = null) => n == 1 ? $"1 {one}" : $"{n.ToString(CultureInfo.InvariantCulture)} {many ?? one + "s"}";

        /// <summary>A span as an operator says it: 45 s, 12 min, 3 h 10 min, 2 d 4 h.</summary>
        public static string Span(TimeSpan t)
        {
            if (t < TimeSpan.Zero) t = TimeSpan.Zero;
            if (t.TotalSeconds < 90) return $"{Math.Round(t.TotalSeconds, t.TotalSeconds < 10 ? 1 : 0).ToString(CultureInfo.InvariantCulture)} s";
            if (t.TotalMinutes < 90) return $"{(int)Math.Round(t.TotalMinutes)} min";
            if (t.TotalHours < 48) return t.Minutes == 0 ? $"{(int)t.TotalHours} h" : $"{(int)t.TotalHours} h {t.Minutes} min";
            return t.Hours == 0 ? $"{(int)t.TotalDays} d" : $"{(int)t.TotalDays} d {t.Hours} h";
        }

        public static string Ago(DateTime then, DateTime now) => Span(now - then) + " ago";

        public static string Utc(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

        public static string Minutes(double minutes) => minutes >= 120 && Math.Abs(minutes % 60) < 1e-9
            ? $"{(minutes / 60).ToString("0.##", CultureInfo.InvariantCulture)} h"
            : $"{minutes.ToString("0.##", CultureInfo.InvariantCulture)} min";

        public static string Number(double value, string format = "0.#") => value.ToString(format, CultureInfo.InvariantCulture);

        public static string Size(long bytes)
        {
            if (bytes < 1024) return $"{bytes} B";
            if (bytes < 1024 * 1024) return $"{Number(bytes / 1024.0)} KB";
            if (bytes < 1024L * 1024 * 1024) return $"{Number(bytes / 1048576.0)} MB";
            return $"{Number(bytes / 1073741824.0, "0.##")} GB";
        }

        /// <summary>The first few names of a list, then "and N more".</summary>
        public static string Some(IEnumerable<string> names, int max = 4)
        {
            var list = names.ToList();
            if (list.Count <= max) return string.Join(", ", list);
            return string.Join(", ", list.Take(max)) + $" and {list.Count - max} more";
        }
    }
}

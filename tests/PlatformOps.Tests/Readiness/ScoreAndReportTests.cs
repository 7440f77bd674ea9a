using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using PlatformOps.Readiness;
using PlatformOps.Readiness.Reports;
using Xunit;

namespace PlatformOps.Tests.Readiness
{
    /// <summary>Scores and reports computed from checklist rows, without a platform.</summary>
    public sealed class ScoreAndReportTests
    {
        private static readonly DateTime At = new DateTime(2026, 11, 26, 6, 0, 0, DateTimeKind.Utc);

        internal static ReadinessCheck Row(string id, ReadinessCategory category, ReadinessStatus status, string evidence = "measured", double weight = 1)
        {
            var definition = new ReadinessDefinition(id, category, "Item " + id, "Fix-" + id);
            var check = definition.Result(status, evidence);
            check.Weight = status == ReadinessStatus.Skipped ? 0 : weight;
            check.CheckedAt = At;
            return check;
        }

        private static PlatformHealthScore Score(IEnumerable<ReadinessCheck> rows, PlatformHealthScore? previous = null, double minimum = 90)
            => HealthScoreCalculator.Compute("lab", At, rows, ReadinessCategories.DefaultWeight, minimum, previous);

        private static List<ReadinessCheck> AllPass() => new List<ReadinessCheck>
        {
            Row("infrastructure.a", ReadinessCategory.Infrastructure, ReadinessStatus.Pass),
            Row("infrastructure.b", ReadinessCategory.Infrastructure, ReadinessStatus.Pass),
            Row("security.a", ReadinessCategory.Security, ReadinessStatus.Pass),
            Row("data.a", ReadinessCategory.DataManagement, ReadinessStatus.Pass),
            Row("data.b", ReadinessCategory.DataManagement, ReadinessStatus.Pass),
            Row("quality.a", ReadinessCategory.Quality, ReadinessStatus.Pass),
            Row("documentation.a", ReadinessCategory.Documentation, ReadinessStatus.Pass),
        };

        [Fact]
        public void Every_pass_scores_full_marks_in_every_category_and_reads_ready()
        {
            var score = Score(AllPass());
            Assert.Equal(100, score.Overall);
            Assert.All(score.Categories, c => Assert.Equal(100, c.Score));
            Assert.Equal("Ready", score.Verdict);
            Assert.True(HealthScoreCalculator.IsReady(score));
        }

        [Fact]
        public void Warn_counts_half_fail_nothing_and_only_its_category_drops()
        {
            var rows = AllPass();
            rows[0] = Row("infrastructure.a", ReadinessCategory.Infrastructure, ReadinessStatus.Warn);
            var warned = Score(rows);
            Assert.Equal(75, warned.Category(ReadinessCategory.Infrastructure)!.Score);
            Assert.All(warned.Categories.Where(c => c.Category != ReadinessCategory.Infrastructure), c => Assert.Equal(100, c.Score));
            Assert.Equal("Ready with warnings", warned.Verdict);
            // Overall: (25*75 + 25*100 + 30*100 + 10*100 + 10*100) / 100
            Assert.Equal(93.8, warned.Overall);

            rows[0] = Row("infrastructure.a", ReadinessCategory.Infrastructure, ReadinessStatus.Fail);
            var failed = Score(rows);
            Assert.Equal(50, failed.Category(ReadinessCategory.Infrastructure)!.Score);
            Assert.Equal(87.5, failed.Overall);
            Assert.Equal("Not ready", failed.Verdict);
            Assert.False(HealthScoreCalculator.IsReady(failed));
        }

        [Fact]
        public void A_category_without_applicable_checks_says_so_instead_of_scoring_and_stays_out_of_the_overall()
        {
            var rows = AllPass();
            rows.RemoveAll(r => r.Category == ReadinessCategory.Security);
            rows.Add(Row("security.x", ReadinessCategory.Security, ReadinessStatus.Skipped, "capability not available in this build"));
            rows.Add(Row("security.y", ReadinessCategory.Security, ReadinessStatus.Skipped, "capability not available in this build"));
            rows.RemoveAll(r => r.Category == ReadinessCategory.Quality);
            rows[0] = Row("infrastructure.a", ReadinessCategory.Infrastructure, ReadinessStatus.Fail);
            var score = Score(rows);

            var security = score.Category(ReadinessCategory.Security)!;
            Assert.Null(security.Score);
            Assert.Equal("no applicable checks (2 checks skipped)", security.Note);
            Assert.Equal(2, security.Skipped);
            var quality = score.Category(ReadinessCategory.Quality)!;
            Assert.Null(quality.Score);
            Assert.Contains("no applicable checks", quality.Note, StringComparison.Ordinal);
            // Overall over Infrastructure (50, weight 25), Data (100, 30), Documentation (100, 10) only.
            Assert.Equal(Math.Round((25 * 50 + 30 * 100 + 10 * 100) / 65.0, 1), score.Overall);
        }

        [Fact]
        public void Check_weights_and_category_weights_shape_the_score()
        {
            var rows = new List<ReadinessCheck>
            {
                Row("infrastructure.heavy", ReadinessCategory.Infrastructure, ReadinessStatus.Pass, weight: 3),
                Row("infrastructure.light", ReadinessCategory.Infrastructure, ReadinessStatus.Fail, weight: 1),
                Row("documentation.a", ReadinessCategory.Documentation, ReadinessStatus.Fail),
            };
            var score = HealthScoreCalculator.Compute("lab", At, rows, c => c == ReadinessCategory.Infrastructure ? 3 : 1, 90);
            Assert.Equal(75, score.Category(ReadinessCategory.Infrastructure)!.Score);
            Assert.Equal(0, score.Category(ReadinessCategory.Documentation)!.Score);
            Assert.Equal(56.3, score.Overall);
        }

        [Fact]
        public void Nothing_scored_is_not_measured_and_not_ready()
        {
            var score = Score(new[] { Row("security.x", ReadinessCategory.Security, ReadinessStatus.Skipped) });
            Assert.Null(score.Overall);
            Assert.Equal("Not measured", score.Verdict);
            Assert.False(HealthScoreCalculator.IsReady(score));
        }

        [Fact]
        public void A_score_below_the_minimum_is_not_ready_even_without_a_fail()
        {
            var rows = AllPass();
            for (var i = 0; i < rows.Count; i++) rows[i] = Row(rows[i].Id, rows[i].Category, ReadinessStatus.Warn);
            var score = Score(rows, minimum: 60);
            Assert.Equal(50, score.Overall);
            Assert.Equal("Not ready", score.Verdict);
        }

        [Fact]
        public void Comparing_with_an_earlier_score_gives_the_change_per_category_and_the_items_that_changed()
        {
            var before = AllPass();
            before[3] = Row("data.a", ReadinessCategory.DataManagement, ReadinessStatus.Fail, "archive_mode off");
            var earlier = Score(before);
            var now = AllPass();
            now[0] = Row("infrastructure.a", ReadinessCategory.Infrastructure, ReadinessStatus.Warn, "slow");
            var score = Score(now, earlier);

            Assert.Equal(50, score.Category(ReadinessCategory.DataManagement)!.Change);
            Assert.Equal(-25, score.Category(ReadinessCategory.Infrastructure)!.Change);
            Assert.Equal(0, score.Category(ReadinessCategory.Security)!.Change);
            Assert.Equal(Math.Round(score.Overall!.Value - earlier.Overall!.Value, 1), score.Change);
            Assert.Equal(2, score.Changes.Count);
            var improved = score.Changes.Single(c => c.Id == "data.a");
            Assert.Equal(ReadinessStatus.Fail, improved.Was);
            Assert.Equal(ReadinessStatus.Pass, improved.Now);
            Assert.True(improved.Improved);
            Assert.False(score.Changes.Single(c => c.Id == "infrastructure.a").Improved);
        }

        [Fact]
        public void A_saved_score_reads_back_the_same_and_compares()
        {
            var rows = AllPass();
            rows[1] = Row("infrastructure.b", ReadinessCategory.Infrastructure, ReadinessStatus.Fail, "l07-learning: exited (exit code 137)");
            var score = Score(rows);
            var path = Path.Combine(Path.GetTempPath(), $"rdy-score-{Guid.NewGuid():N}.json");
            try
            {
                ScoreDocument.From(score).Save(path);
                var back = ScoreDocument.Load(path).ToScore();
                Assert.Equal(score.Overall, back.Overall);
                Assert.Equal(score.Verdict, back.Verdict);
                Assert.Equal(score.Categories.Select(c => c.Score), back.Categories.Select(c => c.Score));
                Assert.Equal("l07-learning: exited (exit code 137)", back.Checks.Single(c => c.Id == "infrastructure.b").Evidence);
                Assert.Equal(ReadinessStatus.Fail, back.Checks.Single(c => c.Id == "infrastructure.b").Status);

                var again = Score(AllPass(), back);
                Assert.Equal(50, again.Category(ReadinessCategory.Infrastructure)!.Change);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void A_file_that_is_not_a_score_is_a_clear_error()
        {
            var path = Path.Combine(Path.GetTempPath(), $"rdy-notscore-{Guid.NewGuid():N}.json");
            File.WriteAllText(path, "{\"Schema\":\"something-else\"}");
            try
            {
                var ex = Assert.Throws<PlatformOps.Common.PlatformOpsException>(() => ScoreDocument.Load(path));
                Assert.Equal("PlatformHealthScoreInvalid", ex.ErrorId);
                var missing = Assert.Throws<PlatformOps.Common.PlatformOpsException>(() => ScoreDocument.Load(path + ".missing"));
                Assert.Equal("PlatformHealthScoreNotFound", missing.ErrorId);
            }
            finally
            {
                File.Delete(path);
            }
        }

        private static ReportModel Model(PlatformHealthScore score) => new ReportModel(score, At, "9.9.9") { Duration = TimeSpan.FromMilliseconds(1234) };

        [Fact]
        public void The_html_report_is_self_contained_escapes_evidence_and_carries_its_score()
        {
            var rows = AllPass();
            rows[0] = Row("infrastructure.a", ReadinessCategory.Infrastructure, ReadinessStatus.Fail, "<script>alert('x')</script> & \"quotes\"");
            var html = HtmlReport.Render(Model(Score(rows)));

            Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;", html, StringComparison.Ordinal);
            Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*[""']?(https?:)?//", RegexOptions.IgnoreCase), html);
            Assert.DoesNotMatch(new Regex(@"@import|url\(", RegexOptions.IgnoreCase), html);
            foreach (var id in new[] { "categories", "attention", "checklist", "containers", "backups", "wal", "certificates", "changes" })
                Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
            Assert.Contains("@media print", html, StringComparison.Ordinal);
            Assert.Contains("Not ready", html, StringComparison.Ordinal);

            var embedded = ScoreDocument.TryExtract(html);
            Assert.NotNull(embedded);
            Assert.Equal(87.5, embedded!.Overall);
            Assert.Equal("Fail", embedded.Checks.Single(c => c.Id == "infrastructure.a").Status);
        }

        [Fact]
        public void The_markdown_report_has_the_category_table_and_a_row_per_check()
        {
            var rows = AllPass();
            rows[0] = Row("infrastructure.a", ReadinessCategory.Infrastructure, ReadinessStatus.Warn, "a | b");
            var md = MarkdownReport.Render(Model(Score(rows)));
            Assert.Contains("| Category | Score | Change | Pass | Warn | Fail | Skipped |", md, StringComparison.Ordinal);
            Assert.Contains("| Data management | 100 |", md, StringComparison.Ordinal);
            Assert.Contains("a \\| b", md, StringComparison.Ordinal);
            Assert.Equal(rows.Count, Regex.Count(md, @"^\| (✅|⚠️|❌|⏭️) [A-Za-z]+ \| Item ", RegexOptions.Multiline));
            Assert.NotNull(ScoreDocument.TryExtract(md));
        }

        [Fact]
        public void The_prometheus_text_parses_strictly_and_has_every_category_that_applies()
        {
            var rows = AllPass();
            rows.RemoveAll(r => r.Category == ReadinessCategory.Quality);
            rows.Add(Row("quality.a", ReadinessCategory.Quality, ReadinessStatus.Skipped, "capability not available in this build"));
            rows[0].Value = 19;
            rows[0].Unit = "containers";
            var text = PrometheusReport.Render(Model(HealthScoreCalculator.Compute("lab \"one\"", At, rows, ReadinessCategories.DefaultWeight, 90)));
            var samples = PrometheusText.Parse(text);

            var scores = samples.Where(s => s.Name == "platformops_readiness_score").ToList();
            Assert.Equal(new[] { "overall", "infrastructure", "security", "data_management", "documentation" }, scores.Select(s => s.Labels["category"]).ToArray());
            Assert.All(scores, s => Assert.Equal("lab \"one\"", s.Labels["platform"]));
            Assert.Equal(1, samples.Single(s => s.Name == "platformops_readiness_ready").Value);
            Assert.Equal(19, samples.Single(s => s.Name == "platformops_readiness_check_value").Value);
            Assert.DoesNotContain(samples, s => s.Name == "platformops_readiness_check_status" && s.Labels["check"] == "quality.a");
            Assert.Equal(1, samples.Single(s => s.Name == "platformops_readiness_checks" && s.Labels["category"] == "quality" && s.Labels["status"] == "skipped").Value);
            Assert.Equal((At - DateTime.UnixEpoch).TotalSeconds, samples.Single(s => s.Name == "platformops_readiness_timestamp_seconds").Value);
        }
    }

    /// <summary>
    /// A strict parser of the Prometheus text exposition format 0.0.4: every family has HELP and TYPE before its samples,
    /// names and label names follow the grammar, label values are quoted with only \\, \" and \n escapes, values are
    /// floats, no family appears twice and no series repeats.
    /// </summary>
    internal static class PrometheusText
    {
        internal sealed class Sample
        {
            public string Name { get; init; } = string.Empty;
            public Dictionary<string, string> Labels { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
            public double Value { get; init; }
        }

        private static readonly Regex MetricName = new Regex("^[a-zA-Z_:][a-zA-Z0-9_:]*$");
        private static readonly Regex LabelName = new Regex("^[a-zA-Z_][a-zA-Z0-9_]*$");

        public static List<Sample> Parse(string text)
        {
            Assert.EndsWith("\n", text, StringComparison.Ordinal);
            var samples = new List<Sample>();
            var help = new HashSet<string>();
            var types = new Dictionary<string, string>();
            var seenSeries = new HashSet<string>();
            var closed = new HashSet<string>();
            string? current = null;
            var lineNo = 0;
            foreach (var line in text.TrimEnd('\n').Split('\n'))
            {
                lineNo++;
                Assert.False(line.Length == 0, $"line {lineNo}: empty line");
                if (line.StartsWith("# HELP ", StringComparison.Ordinal))
                {
                    var name = line.Substring(7).Split(' ')[0];
                    Assert.Matches(MetricName, name);
                    Assert.True(help.Add(name), $"line {lineNo}: second HELP for {name}");
                    if (current != null && current != name) closed.Add(current);
                    Assert.DoesNotContain(name, closed);
                    current = name;
                    continue;
                }
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    var parts = line.Substring(7).Split(' ');
                    Assert.Equal(2, parts.Length);
                    Assert.Contains(parts[1], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                    Assert.False(types.ContainsKey(parts[0]), $"line {lineNo}: second TYPE for {parts[0]}");
                    Assert.Equal(current, parts[0]);
                    types[parts[0]] = parts[1];
                    continue;
                }
                Assert.False(line.StartsWith('#'), $"line {lineNo}: unexpected comment");
                var sample = ParseSample(line, lineNo);
                Assert.True(types.ContainsKey(sample.Name), $"line {lineNo}: {sample.Name} has no TYPE before it");
                Assert.True(help.Contains(sample.Name), $"line {lineNo}: {sample.Name} has no HELP");
                Assert.Equal(current, sample.Name);
                var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
                Assert.True(seenSeries.Add(key), $"line {lineNo}: series {key} repeats");
                samples.Add(sample);
            }
            return samples;
        }

        private static Sample ParseSample(string line, int lineNo)
        {
            var i = 0;
            while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
            var name = line.Substring(0, i);
            Assert.Matches(MetricName, name);
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (i < line.Length && line[i] == '{')
            {
                i++;
                while (line[i] != '}')
                {
                    var eq = line.IndexOf('=', i);
                    Assert.True(eq > i, $"line {lineNo}: label without '='");
                    var labelName = line.Substring(i, eq - i);
                    Assert.Matches(LabelName, labelName);
                    Assert.Equal('"', line[eq + 1]);
                    var value = new System.Text.StringBuilder();
                    var j = eq + 2;
                    for (; line[j] != '"'; j++)
                    {
                        if (line[j] == '\\')
                        {
                            j++;
                            value.Append(line[j] switch
                            {
                                '\\' => '\\',
                                '"' => '"',
                                'n' => '\n',
                                _ => throw new Xunit.Sdk.XunitException($"line {lineNo}: bad escape \\{line[j]}"),
                            });
                        }
                        else value.Append(line[j]);
                    }
                    Assert.True(labels.TryAdd(labelName, value.ToString()), $"line {lineNo}: label {labelName} twice");
                    i = j + 1;
                    if (line[i] == ',') i++;
                    else Assert.Equal('}', line[i]);
                }
                i++;
            }
            Assert.Equal(' ', line[i]);
            var rest = line.Substring(i + 1).Split(' ');
            Assert.InRange(rest.Length, 1, 2);
            var text = rest[0];
            double v = text switch
            {
                "NaN" => double.NaN,
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            var sample = new Sample { Name = name, Value = v };
            foreach (var l in labels) sample.Labels[l.Key] = l.Value;
            return sample;
        }
    }
}

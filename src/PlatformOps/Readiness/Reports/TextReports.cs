using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using PlatformOps.Containers;

namespace PlatformOps.Readiness.Reports
{
    /// <summary>The report as Markdown, for a wiki page or a pull-request comment.</summary>
    internal static class MarkdownReport
    {
        private static string Icon(ReadinessStatus? status) => status switch
        {
            ReadinessStatus.Pass => "✅ Pass",
            ReadinessStatus.Warn => "⚠️ Warn",
            ReadinessStatus.Fail => "❌ Fail",
            ReadinessStatus.Skipped => "⏭️ Skipped",
            _ => "–",
        };

        private static string Cell(string? text) => (text ?? string.Empty).Replace("\\", "\\\\").Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ");

        private static string N(double? value) => value == null ? "–" : value.Value.ToString("0.#", CultureInfo.InvariantCulture);

        private static string Delta(double? change) => change == null ? "–" : change > 0.05 ? $"▲ +{N(change)}" : change < -0.05 ? $"▼ {N(change)}" : "±0";

        public static string Render(ReportModel model)
        {
            var score = model.Score;
            var m = new StringBuilder(16 * 1024);
            m.Append("# ").Append(model.Title).Append("\n\n");
            m.Append("**Score ").Append(N(score.Overall)).Append(" / 100: ").Append(score.Verdict).Append("** · measured ").Append(Words.Utc(score.MeasuredAt));
            if (model.Duration != null) m.Append(" in ").Append(Words.Span(model.Duration.Value));
            m.Append(" · ").Append(score.Checks.Count).Append(" checks: ").Append(score.Passed).Append(" pass, ").Append(score.Warned).Append(" warn, ")
             .Append(score.Failed).Append(" fail, ").Append(score.Skipped).Append(" skipped\n\n");
            if (score.Previous == null) m.Append("No earlier report to compare with: this is the baseline.\n\n");
            else m.Append("Since the last report (").Append(Words.Utc(score.Previous.MeasuredAt)).Append(", ").Append(N(score.Previous.Overall)).Append("): ")
                  .Append(Delta(score.Change)).Append(", ").Append(Words.Plural(score.Changes.Count, "item")).Append(" changed status.\n\n");

            m.Append("| Category | Score | Change | Pass | Warn | Fail | Skipped |\n|---|---:|---:|---:|---:|---:|---:|\n");
            foreach (var c in score.Categories)
                m.Append("| ").Append(c.Name).Append(" | ").Append(c.Score == null ? Cell(c.Note) : N(c.Score)).Append(" | ").Append(Delta(c.Change)).Append(" | ")
                 .Append(c.Passed).Append(" | ").Append(c.Warned).Append(" | ").Append(c.Failed).Append(" | ").Append(c.Skipped).Append(" |\n");
            m.Append("| **Overall** | **").Append(N(score.Overall)).Append("** | ").Append(Delta(score.Change)).Append(" | ").Append(score.Passed).Append(" | ")
             .Append(score.Warned).Append(" | ").Append(score.Failed).Append(" | ").Append(score.Skipped).Append(" |\n\n");

            m.Append("## Needs attention\n\n");
            var attention = score.Checks.Where(c => c.Status == ReadinessStatus.Fail || c.Status == ReadinessStatus.Warn).OrderByDescending(c => c.Status).ThenBy(c => c.Category).ToList();
            if (attention.Count == 0) m.Append("Nothing: every applicable item passes.\n\n");
            foreach (var c in attention)
                m.Append("- ").Append(Icon(c.Status)).Append(" **").Append(c.Item).Append("** (").Append(ReadinessCategories.DisplayName(c.Category)).Append("): ")
                 .Append(c.Evidence).Append(". Remedy: `").Append(c.Remedy.Replace("`", "'")).Append("`\n");
            if (attention.Count > 0) m.Append('\n');

            m.Append("## Checklist\n\n");
            foreach (var category in score.Categories)
            {
                m.Append("### ").Append(category.Name).Append(category.Score == null ? $" ({category.Note})" : $" ({N(category.Score)} / 100)").Append("\n\n");
                m.Append("| Status | Item | Evidence | Remedy |\n|---|---|---|---|\n");
                foreach (var c in category.Checks)
                    m.Append("| ").Append(Icon(c.Status)).Append(" | ").Append(Cell(c.Item)).Append(" | ").Append(Cell(c.Evidence)).Append(" | `").Append(Cell(c.Remedy).Replace("`", "'")).Append("` |\n");
                m.Append('\n');
            }

            var containers = model.Containers;
            m.Append("## Containers\n\n");
            if (containers == null) m.Append(model.Missing("infrastructure.containers-running", "Containers")).Append("\n\n");
            else
            {
                m.Append("| Container | State | Health | Restarts | Uptime | Memory limit | CPUs |\n|---|---|---|---:|---:|---:|---:|\n");
                foreach (var c in containers)
                    m.Append("| ").Append(Cell(c.Name)).Append(" | ").Append(c.State).Append(" | ").Append(c.Health == ContainerHealth.None ? "no check" : c.Health.ToString().ToLowerInvariant())
                     .Append(" | ").Append(c.RestartCount).Append(" | ").Append(c.Uptime == null ? "–" : Words.Span(c.Uptime.Value)).Append(" | ")
                     .Append(c.MemoryLimitBytes > 0 ? Words.Size(c.MemoryLimitBytes) : "none").Append(" | ").Append(c.CpuLimit > 0 ? c.CpuLimit.ToString("0.##", CultureInfo.InvariantCulture) : "none").Append(" |\n");
                m.Append('\n');
            }
            Section(m, model, "Backups and restore verification", "data.backup-age", "data.backup-verified", "data.rto", "data.backup-leftovers");
            Section(m, model, "WAL archiving and RPO", "data.wal-archiving", "data.rpo");
            Section(m, model, "Certificates and secrets", "security.tls-certificates", "security.secrets-hygiene", "security.repository-secrets");

            m.Append("## Change since the last report\n\n");
            if (score.Previous == null) m.Append("No earlier report to compare with.\n\n");
            else if (score.Changes.Count == 0) m.Append("No item changed status.\n\n");
            else
            {
                m.Append("| Item | Then | Now | Evidence now |\n|---|---|---|---|\n");
                foreach (var c in score.Changes)
                    m.Append("| ").Append(Cell(c.Item)).Append(" | ").Append(Icon(c.Was)).Append(" | ").Append(Icon(c.Now)).Append(" | ").Append(Cell(c.Now == null ? "no longer checked" : c.Evidence)).Append(" |\n");
                m.Append('\n');
            }
            m.Append("_Generated by PlatformOps ").Append(model.ModuleVersion).Append(" on ").Append(Words.Utc(model.GeneratedAt)).Append("._\n\n");
            m.Append("<!-- ").Append(ScoreDocument.From(score).ToEmbedded()).Append(" -->\n");
            return m.ToString();
        }

        private static void Section(StringBuilder m, ReportModel model, string title, params string[] ids)
        {
            m.Append("## ").Append(title).Append("\n\n");
            foreach (var c in ids.Select(model.Check).Where(c => c != null))
            {
                m.Append("- ").Append(Icon(c!.Status)).Append(" **").Append(c.Item).Append("**: ").Append(c.Evidence).Append('\n');
                foreach (var d in c.Details) m.Append("  - ").Append(d).Append('\n');
            }
            m.Append('\n');
        }
    }

    /// <summary>
    /// The score in the Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector,
    /// so that an existing Prometheus and Grafana chart readiness over time.
    /// </summary>
    internal static class PrometheusReport
    {
        public static string Render(ReportModel model)
        {
            var score = model.Score;
            var platform = Label("platform", score.Platform);
            var p = new StringBuilder(8 * 1024);

            Family(p, "platformops_readiness_score", "Production readiness score from 0 to 100, overall and per category; a category without applicable checks has no sample.");
            if (score.Overall != null) Sample(p, "platformops_readiness_score", $"{platform},{Label("category", "overall")}", score.Overall.Value);
            foreach (var c in score.Categories.Where(c => c.Score != null))
                Sample(p, "platformops_readiness_score", $"{platform},{Label("category", Key(c.Category))}", c.Score!.Value);

            Family(p, "platformops_readiness_category_weight", "Weight of each category in the overall readiness score.");
            foreach (var c in score.Categories)
                Sample(p, "platformops_readiness_category_weight", $"{platform},{Label("category", Key(c.Category))}", c.Weight);

            Family(p, "platformops_readiness_ready", "1 when the platform is ready (no Fail item and the score at or above the minimum), else 0.");
            Sample(p, "platformops_readiness_ready", platform, HealthScoreCalculator.IsReady(score) ? 1 : 0);

            Family(p, "platformops_readiness_minimum_score", "The overall score below which the platform counts as not ready.");
            Sample(p, "platformops_readiness_minimum_score", platform, score.MinimumScore);

            Family(p, "platformops_readiness_checks", "Number of checklist items by category and status.");
            foreach (var c in score.Categories)
                foreach (ReadinessStatus status in Enum.GetValues(typeof(ReadinessStatus)))
                    Sample(p, "platformops_readiness_checks", $"{platform},{Label("category", Key(c.Category))},{Label("status", status.ToString().ToLowerInvariant())}",
                        c.Checks.Count(x => x.Status == status));

            Family(p, "platformops_readiness_check_status", "Status of each checklist item: 1 pass, 0.5 warn, 0 fail; skipped items have no sample.");
            foreach (var c in score.Checks.Where(c => c.Status != ReadinessStatus.Skipped))
                Sample(p, "platformops_readiness_check_status", $"{platform},{Label("category", Key(c.Category))},{Label("check", c.Id)}", HealthScoreCalculator.Credit(c.Status));

            var measured = score.Checks.Where(c => c.Value != null && c.Unit != null).ToList();
            if (measured.Count > 0)
            {
                Family(p, "platformops_readiness_check_value", "The measured figure behind a checklist item, in the unit its unit label names.");
                foreach (var c in measured)
                    Sample(p, "platformops_readiness_check_value", $"{platform},{Label("check", c.Id)},{Label("unit", c.Unit!)}", c.Value!.Value);
            }

            Family(p, "platformops_readiness_timestamp_seconds", "When the readiness checklist ran, in seconds since the Unix epoch.");
            Sample(p, "platformops_readiness_timestamp_seconds", platform, Math.Floor((score.MeasuredAt.ToUniversalTime() - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds));
            if (model.Duration != null)
            {
                Family(p, "platformops_readiness_duration_seconds", "How long the readiness checklist took to run.");
                Sample(p, "platformops_readiness_duration_seconds", platform, Math.Round(model.Duration.Value.TotalSeconds, 3));
            }
            return p.ToString();
        }

        private static string Key(ReadinessCategory category) => category switch
        {
            ReadinessCategory.DataManagement => "data_management",
            _ => category.ToString().ToLowerInvariant(),
        };

        private static void Family(StringBuilder p, string name, string help)
            => p.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n')
                .Append("# TYPE ").Append(name).Append(" gauge\n");

        private static void Sample(StringBuilder p, string name, string labels, double value)
            => p.Append(name).Append('{').Append(labels).Append("} ").Append(Value(value)).Append('\n');

        internal static string Value(double value)
        {
            if (double.IsNaN(value)) return "NaN";
            if (double.IsPositiveInfinity(value)) return "+Inf";
            if (double.IsNegativeInfinity(value)) return "-Inf";
            return value.ToString("R", CultureInfo.InvariantCulture);
        }

        internal static string Label(string name, string value)
            => name + "=\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using PlatformOps.Containers;

namespace PlatformOps.Readiness.Reports
{
    /// <summary>
    /// One self-contained HTML page: inline CSS and SVG only, no script, no font or image from the network, so that
    /// it opens anywhere, prints well and can be mailed as a file.
    /// </summary>
    internal static partial class HtmlReport
    {
        private const string Css = @"
:root{--pass:#1a7f37;--pass-bg:#dafbe1;--warn:#9a6700;--warn-bg:#fff8c5;--fail:#cf222e;--fail-bg:#ffebe9;--skip:#57606a;--skip-bg:#eaeef2;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans','Liberation Sans',Arial,sans-serif;color:var(--ink);background:#fff}
main{max-width:1180px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:26px;margin:0 0 2px}h2{font-size:18px;margin:30px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
.top{display:flex;gap:28px;align-items:center;padding:8px 0 18px;border-bottom:2px solid var(--line)}
.gauge{flex:none}.gauge text{font-family:inherit}
.verdict{display:inline-block;font-weight:700;font-size:15px;padding:3px 12px;border-radius:14px;margin:6px 0}
.v-ready{background:var(--pass-bg);color:var(--pass)}.v-warn{background:var(--warn-bg);color:var(--warn)}.v-fail{background:var(--fail-bg);color:var(--fail)}.v-none{background:var(--skip-bg);color:var(--skip)}
.meta{color:var(--muted);margin:2px 0}
.delta-up{color:var(--pass);font-weight:600}.delta-down{color:var(--fail);font-weight:600}.delta-same{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin-top:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;break-inside:avoid}
.card .name{font-weight:600;color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.03em}
.card .score{font-size:30px;font-weight:700;margin:2px 0}
.card .score small{font-size:14px;color:var(--muted);font-weight:400}
.bar{height:8px;border-radius:4px;background:#e6e9ed;overflow:hidden;margin:4px 0 8px}.bar span{display:block;height:100%}
.counts{font-size:12px;color:var(--muted);margin-top:2px}
.na{color:var(--muted);font-style:italic;font-size:13px}
.pill{display:inline-block;min-width:58px;text-align:center;font-size:12px;font-weight:700;padding:1px 8px;border-radius:10px}
.s-Pass{background:var(--pass-bg);color:var(--pass)}.s-Warn{background:var(--warn-bg);color:var(--warn)}.s-Fail{background:var(--fail-bg);color:var(--fail)}.s-Skipped{background:var(--skip-bg);color:var(--skip)}
table{width:100%;border-collapse:collapse;font-size:13px}
table+table,table+h3{margin-top:14px}
th{text-align:left;font-weight:600;color:var(--muted);border-bottom:2px solid var(--line);padding:5px 8px;white-space:nowrap}
td{border-bottom:1px solid var(--line);padding:5px 8px;vertical-align:top}
tr.group td{background:var(--card);font-weight:700;padding-top:8px}
td.num,th.num{text-align:right;white-space:nowrap}
code{font:12px/1.35 'DejaVu Sans Mono',Consolas,'Liberation Mono',monospace;background:#f0f2f4;padding:1px 4px;border-radius:4px;word-break:break-word}
details summary{cursor:pointer;color:var(--muted);font-size:12px}details ul{margin:4px 0 0 0;padding-left:18px;font-size:12px}
.attention{list-style:none;padding:0;margin:0}
.attention li{border:1px solid var(--line);border-left-width:5px;border-radius:6px;padding:8px 12px;margin:8px 0;break-inside:avoid}
.attention li.Fail{border-left-color:var(--fail)}.attention li.Warn{border-left-color:var(--warn)}
.attention .item{font-weight:600}.attention .ev{margin:2px 0}
.ok{color:var(--pass);font-weight:600}.bad{color:var(--fail);font-weight:600}.meh{color:var(--warn);font-weight:600}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:8px 20px;margin:6px 0 10px}
.facts div{border-bottom:1px dotted var(--line);padding:3px 0}.facts b{display:block;font-size:12px;color:var(--muted);font-weight:600}
footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:10px}
@media (max-width:900px){.cards{grid-template-columns:repeat(2,1fr)}}
@media print{body{font-size:10.5pt}main{max-width:none;padding:0}.cards{grid-template-columns:repeat(5,1fr)}
 h2{break-after:avoid}tr,.card,.attention li{break-inside:avoid}details>*{display:block}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;text-decoration:none}}
";

        /// <summary>The most detail lines a row shows; the remedy lists them all.</summary>
        private const int MaxDetails = 12;

        public static string Render(ReportModel model)
        {
            var score = model.Score;
            var h = new StringBuilder(32 * 1024);
            h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
            h.Append("<meta name=\"generator\" content=\"PlatformOps ").Append(E(model.ModuleVersion)).Append("\">\n");
            h.Append("<title>").Append(E(model.Title)).Append(" (").Append(E(Words.Utc(score.MeasuredAt))).Append(")</title>\n");
            h.Append("<style>").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n");
            Header(h, model);
            Cards(h, score);
            Attention(h, score);
            Checklist(h, score);
            Containers(h, model);
            Backups(h, model);
            Wal(h, model);
            Certificates(h, model);
            Changes(h, score);
            h.Append("<footer>Generated by PlatformOps ").Append(E(model.ModuleVersion)).Append(" on ").Append(E(Words.Utc(model.GeneratedAt)))
             .Append(". Every figure was measured when the checklist ran; each row's evidence is the measured value. ")
             .Append("Scores: Pass counts 1, Warn ½, Fail 0, Skipped rows are not scored; the overall score is the weighted mean of the categories that have applicable checks.")
             .Append("</footer>\n");
            h.Append("<!-- ").Append(ScoreDocument.From(score).ToEmbedded()).Append(" -->\n");
            h.Append("</main>\n</body>\n</html>\n");
            return h.ToString();
        }

        internal static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

        internal static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

        private static string Color(double? score) => score == null ? "var(--skip)" : score >= 90 ? "var(--pass)" : score >= 75 ? "var(--warn)" : "var(--fail)";

        private static string VerdictClass(string verdict) => verdict switch
        {
            "Ready" => "v-ready",
            "Ready with warnings" => "v-warn",
            "Not ready" => "v-fail",
            _ => "v-none",
        };

        private static string Delta(double? change, string unit = "")
        {
            if (change == null) return string.Empty;
            if (Math.Abs(change.Value) < 0.05) return $"<span class=\"delta-same\">±0{unit}</span>";
            return change > 0
                ? $"<span class=\"delta-up\">▲ +{N(change.Value)}{unit}</span>"
                : $"<span class=\"delta-down\">▼ {N(change.Value)}{unit}</span>";
        }

        private static void Header(StringBuilder h, ReportModel model)
        {
            var score = model.Score;
            const double r = 52;
            var circumference = 2 * Math.PI * r;
            var filled = score.Overall == null ? 0 : circumference * score.Overall.Value / 100;
            var color = Color(score.Overall);
            h.Append("<header class=\"top\">\n<svg class=\"gauge\" width=\"136\" height=\"136\" viewBox=\"0 0 136 136\" role=\"img\" aria-label=\"Overall score ")
             .Append(score.Overall == null ? "not measured" : N(score.Overall.Value)).Append("\">")
             .Append("<circle cx=\"68\" cy=\"68\" r=\"52\" fill=\"none\" stroke=\"#e6e9ed\" stroke-width=\"14\"/>")
             .Append("<circle cx=\"68\" cy=\"68\" r=\"52\" fill=\"none\" stroke=\"").Append(color).Append("\" stroke-width=\"14\" stroke-linecap=\"round\" transform=\"rotate(-90 68 68)\" stroke-dasharray=\"")
             .Append(filled.ToString("0.##", CultureInfo.InvariantCulture)).Append(' ').Append(circumference.ToString("0.##", CultureInfo.InvariantCulture)).Append("\"/>")
             .Append("<text x=\"68\" y=\"74\" text-anchor=\"middle\" font-size=\"34\" font-weight=\"700\" fill=\"#1f2328\">")
             .Append(score.Overall == null ? "–" : N(score.Overall.Value)).Append("</text>")
             .Append("<text x=\"68\" y=\"96\" text-anchor=\"middle\" font-size=\"12\" fill=\"#59636e\">of 100</text></svg>\n");
            h.Append("<div><h1>").Append(E(score.Platform)).Append("</h1>\n");
            h.Append("<div class=\"verdict ").Append(VerdictClass(score.Verdict)).Append("\">").Append(E(score.Verdict)).Append("</div>\n");
            h.Append("<p class=\"meta\">Production readiness measured ").Append(E(Words.Utc(score.MeasuredAt)));
            if (model.Duration != null) h.Append(" in ").Append(E(Words.Span(model.Duration.Value)));
            h.Append(" · ").Append(score.Checks.Count).Append(" checks: <b class=\"ok\">").Append(score.Passed).Append(" pass</b>, <b class=\"meh\">")
             .Append(score.Warned).Append(" warn</b>, <b class=\"bad\">").Append(score.Failed).Append(" fail</b>, ").Append(score.Skipped).Append(" skipped")
             .Append(" · ready at ").Append(N(score.MinimumScore)).Append(" with no Fail</p>\n");
            h.Append("<p class=\"meta\">");
            if (score.Previous == null) h.Append("No earlier report to compare with: this is the baseline.");
            else
            {
                h.Append("Since the last report (").Append(E(Words.Utc(score.Previous.MeasuredAt))).Append(", ")
                 .Append(score.Previous.Overall == null ? "not measured" : N(score.Previous.Overall.Value)).Append("): ")
                 .Append(score.Change == null ? "not comparable" : Delta(score.Change)).Append(", ")
                 .Append(Words.Plural(score.Changes.Count, "item")).Append(" changed status.");
            }
            h.Append("</p>\n</div>\n</header>\n");
        }

        private static void Cards(StringBuilder h, PlatformHealthScore score)
        {
            h.Append("<section class=\"cards\" id=\"categories\">\n");
            foreach (var c in score.Categories)
            {
                h.Append("<div class=\"card\"><div class=\"name\">").Append(E(c.Name)).Append("</div>");
                if (c.Score == null)
                {
                    h.Append("<div class=\"score\" style=\"color:var(--skip)\">–</div><div class=\"na\">").Append(E(c.Note)).Append("</div>");
                }
                else
                {
                    h.Append("<div class=\"score\" style=\"color:").Append(Color(c.Score)).Append("\">").Append(N(c.Score.Value)).Append("<small> / 100</small></div>")
                     .Append("<div class=\"bar\"><span style=\"width:").Append(c.Score.Value.ToString("0.#", CultureInfo.InvariantCulture)).Append("%;background:").Append(Color(c.Score)).Append("\"></span></div>");
                }
                var counts = new List<string>();
                if (c.Passed > 0) counts.Add($"<span class=\"ok\">{c.Passed} pass</span>");
                if (c.Warned > 0) counts.Add($"<span class=\"meh\">{c.Warned} warn</span>");
                if (c.Failed > 0) counts.Add($"<span class=\"bad\">{c.Failed} fail</span>");
                if (c.Skipped > 0) counts.Add($"{c.Skipped} skipped");
                h.Append("<div class=\"counts\">").Append(counts.Count == 0 ? "no checks" : string.Join(" · ", counts)).Append("</div>");
                h.Append("<div class=\"counts\">weight ").Append(N(c.Weight));
                if (c.Change != null) h.Append(" · ").Append(Delta(c.Change)).Append(" since last");
                h.Append("</div></div>\n");
            }
            h.Append("</section>\n");
        }

        private static void Attention(StringBuilder h, PlatformHealthScore score)
        {
            var rows = score.Checks.Where(c => c.Status == ReadinessStatus.Fail || c.Status == ReadinessStatus.Warn)
                .OrderByDescending(c => c.Status).ThenBy(c => c.Category).ToList();
            h.Append("<section id=\"attention\"><h2>Needs attention</h2>\n");
            if (rows.Count == 0)
            {
                h.Append("<p class=\"ok\">Nothing: every applicable item passes.</p></section>\n");
                return;
            }
            h.Append("<ul class=\"attention\">\n");
            foreach (var c in rows)
            {
                h.Append("<li class=\"").Append(c.Status).Append("\"><span class=\"pill s-").Append(c.Status).Append("\">").Append(c.Status).Append("</span> ")
                 .Append("<span class=\"item\">").Append(E(c.Item)).Append("</span> <span class=\"meta\">(").Append(E(ReadinessCategories.DisplayName(c.Category))).Append(")</span>")
                 .Append("<div class=\"ev\">").Append(E(c.Evidence)).Append("</div>")
                 .Append("<div>Remedy: <code>").Append(E(c.Remedy)).Append("</code></div></li>\n");
            }
            h.Append("</ul></section>\n");
        }

        private static void Checklist(StringBuilder h, PlatformHealthScore score)
        {
            h.Append("<section id=\"checklist\"><h2>Checklist</h2>\n<table>\n<colgroup><col style=\"width:84px\"><col style=\"width:24%\"><col style=\"width:44%\"><col></colgroup>\n<thead><tr><th>Status</th><th>Item</th><th>Evidence</th><th>Remedy</th></tr></thead>\n<tbody>\n");
            foreach (var category in score.Categories)
            {
                h.Append("<tr class=\"group\"><td colspan=\"4\">").Append(E(category.Name))
                 .Append(category.Score == null ? " · " + E(category.Note) : " · " + N(category.Score.Value) + " / 100").Append("</td></tr>\n");
                foreach (var c in category.Checks)
                {
                    h.Append("<tr><td><span class=\"pill s-").Append(c.Status).Append("\">").Append(c.Status).Append("</span></td><td>").Append(E(c.Item));
                    if (!string.IsNullOrEmpty(c.Target)) h.Append("<div class=\"meta\" style=\"font-size:12px\">target: ").Append(E(c.Target)).Append("</div>");
                    h.Append("</td><td>").Append(E(c.Evidence));
                    if (c.Details.Count > 0)
                    {
                        h.Append("<details").Append(c.Status == ReadinessStatus.Pass ? string.Empty : " open").Append("><summary>")
                         .Append(Words.Plural(c.Details.Count, "detail")).Append("</summary><ul>");
                        foreach (var d in c.Details.Take(MaxDetails)) h.Append("<li>").Append(E(d)).Append("</li>");
                        if (c.Details.Count > MaxDetails) h.Append("<li>… and ").Append(c.Details.Count - MaxDetails).Append(" more: run the remedy to see them all</li>");
                        h.Append("</ul></details>");
                    }
                    h.Append("</td><td><code>").Append(E(c.Remedy)).Append("</code></td></tr>\n");
                }
            }
            h.Append("</tbody></table></section>\n");
        }

        private static void Containers(StringBuilder h, ReportModel model)
        {
            h.Append("<section id=\"containers\"><h2>Containers</h2>\n");
            var containers = model.Containers;
            if (containers == null)
            {
                h.Append("<p class=\"na\">").Append(E(model.Missing("infrastructure.containers-running", "Containers"))).Append("</p></section>\n");
                return;
            }
            h.Append("<table><thead><tr><th>Container</th><th>Service</th><th>State</th><th>Health</th><th class=\"num\">Restarts</th><th class=\"num\">Uptime</th><th class=\"num\">Memory limit</th><th class=\"num\">CPUs</th><th>Image</th></tr></thead><tbody>\n");
            foreach (var c in containers)
            {
                var healthClass = c.Health == ContainerHealth.Healthy ? "ok" : c.Health == ContainerHealth.None ? "meh" : "bad";
                var stateClass = c.IsRunning ? "ok" : "bad";
                h.Append("<tr><td>").Append(E(c.Name)).Append("</td><td>").Append(E(c.Service)).Append("</td><td class=\"").Append(stateClass).Append("\">").Append(E(c.State))
                 .Append("</td><td class=\"").Append(healthClass).Append("\">").Append(c.Health == ContainerHealth.None ? "no check" : c.Health.ToString().ToLowerInvariant())
                 .Append("</td><td class=\"num\">").Append(c.RestartCount).Append("</td><td class=\"num\">").Append(c.Uptime == null ? "–" : E(Words.Span(c.Uptime.Value)))
                 .Append("</td><td class=\"num\">").Append(c.MemoryLimitBytes > 0 ? E(Words.Size(c.MemoryLimitBytes)) : "<span class=\"bad\">none</span>")
                 .Append("</td><td class=\"num\">").Append(c.CpuLimit > 0 ? c.CpuLimit.ToString("0.##", CultureInfo.InvariantCulture) : "<span class=\"meh\">none</span>")
                 .Append("</td><td><code>").Append(E(c.Image)).Append("</code></td></tr>\n");
            }
            h.Append("</tbody></table></section>\n");
        }

        /// <summary>Capability sections (backup sets, WAL status, certificates): implemented where the capability is in the build.</summary>
        static partial void BackupTable(StringBuilder h, ReportModel model);
        static partial void WalFacts(StringBuilder h, ReportModel model, ref bool rendered);
        static partial void CertificateTable(StringBuilder h, ReportModel model);

        private static void Backups(StringBuilder h, ReportModel model)
        {
            h.Append("<section id=\"backups\"><h2>Backups and restore verification</h2>\n");
            Facts(h, model, "data.backup-age", "data.backup-verified", "data.rto", "data.backup-leftovers");
            BackupTable(h, model);
            h.Append("</section>\n");
        }

        private static void Wal(StringBuilder h, ReportModel model)
        {
            h.Append("<section id=\"wal\"><h2>WAL archiving and RPO</h2>\n");
            var rendered = false;
            WalFacts(h, model, ref rendered);
            var pg = model.Postgres;
            if (!rendered && pg != null)
            {
                h.Append("<div class=\"facts\">");
                Fact(h, "PostgreSQL", $"{pg.Version} at {pg.Endpoint}");
                Fact(h, "archive_mode / wal_level", $"{pg.ArchiveMode} / {pg.WalLevel}");
                Fact(h, "Segments archived", pg.ArchivedCount.ToString(CultureInfo.InvariantCulture));
                Fact(h, "Last archived", pg.LastArchivedTime == null ? "never" : $"{pg.LastArchivedWal}, {Words.Ago(pg.LastArchivedTime.Value, model.Score.MeasuredAt)}");
                Fact(h, "Failures", pg.FailedCount == 0 ? "none" : $"{pg.FailedCount}, last {pg.LastFailedWal} {(pg.LastFailedTime == null ? string.Empty : Words.Ago(pg.LastFailedTime.Value, model.Score.MeasuredAt))}");
                Fact(h, "Waiting to be archived", pg.ReadyBacklog == null ? "unknown" : Words.Plural(pg.ReadyBacklog.Value, "segment"));
                h.Append("</div>\n");
            }
            Facts(h, model, "data.wal-archiving", "data.rpo");
            h.Append("</section>\n");
        }

        private static void Certificates(StringBuilder h, ReportModel model)
        {
            h.Append("<section id=\"certificates\"><h2>Certificates and secrets</h2>\n");
            CertificateTable(h, model);
            Facts(h, model, "security.tls-certificates", "security.secrets-hygiene", "security.repository-secrets");
            h.Append("</section>\n");
        }

        internal static void Fact(StringBuilder h, string name, string value)
            => h.Append("<div><b>").Append(E(name)).Append("</b>").Append(E(value)).Append("</div>");

        /// <summary>The checks behind a section, as a small table with their evidence and details.</summary>
        private static void Facts(StringBuilder h, ReportModel model, params string[] ids)
        {
            var checks = ids.Select(model.Check).Where(c => c != null).Select(c => c!).ToList();
            if (checks.Count == 0)
            {
                h.Append("<p class=\"na\">Not checked in this run.</p>\n");
                return;
            }
            h.Append("<table><thead><tr><th>Status</th><th>Item</th><th>Evidence</th><th>Target</th></tr></thead><tbody>\n");
            foreach (var c in checks)
            {
                h.Append("<tr><td><span class=\"pill s-").Append(c.Status).Append("\">").Append(c.Status).Append("</span></td><td>").Append(E(c.Item))
                 .Append("</td><td>").Append(E(c.Evidence));
                if (c.Details.Count > 0)
                {
                    h.Append("<ul style=\"margin:4px 0 0;padding-left:18px;font-size:12px\">");
                    foreach (var d in c.Details) h.Append("<li>").Append(E(d)).Append("</li>");
                    h.Append("</ul>");
                }
                h.Append("</td><td>").Append(E(c.Target)).Append("</td></tr>\n");
            }
            h.Append("</tbody></table>\n");
        }

        private static void Changes(StringBuilder h, PlatformHealthScore score)
        {
            h.Append("<section id=\"changes\"><h2>Change since the last report</h2>\n");
            if (score.Previous == null)
            {
                h.Append("<p class=\"na\">No earlier report to compare with. The next report written to the same file (or given -Previous) shows the change since this one.</p></section>\n");
                return;
            }
            h.Append("<table><thead><tr><th>Category</th><th class=\"num\">Then</th><th class=\"num\">Now</th><th class=\"num\">Change</th></tr></thead><tbody>\n");
            foreach (var c in score.Categories)
            {
                h.Append("<tr><td>").Append(E(c.Name)).Append("</td><td class=\"num\">").Append(c.PreviousScore == null ? "–" : N(c.PreviousScore.Value))
                 .Append("</td><td class=\"num\">").Append(c.Score == null ? "–" : N(c.Score.Value)).Append("</td><td class=\"num\">").Append(Delta(c.Change)).Append("</td></tr>\n");
            }
            h.Append("<tr><td><b>Overall</b></td><td class=\"num\">").Append(score.Previous.Overall == null ? "–" : N(score.Previous.Overall.Value))
             .Append("</td><td class=\"num\"><b>").Append(score.Overall == null ? "–" : N(score.Overall.Value)).Append("</b></td><td class=\"num\">").Append(Delta(score.Change)).Append("</td></tr>\n");
            h.Append("</tbody></table>\n");
            if (score.Changes.Count == 0)
            {
                h.Append("<p>No item changed status.</p>");
            }
            else
            {
                h.Append("<h3>Items that changed status</h3><table><thead><tr><th>Item</th><th>Then</th><th>Now</th><th>Evidence now</th></tr></thead><tbody>\n");
                foreach (var c in score.Changes)
                {
                    h.Append("<tr><td>").Append(E(c.Item)).Append("</td><td>").Append(Pill(c.Was)).Append("</td><td>").Append(Pill(c.Now))
                     .Append("</td><td>").Append(c.Now == null ? "no longer checked" : E(c.Evidence)).Append("</td></tr>\n");
                }
                h.Append("</tbody></table>");
            }
            h.Append("</section>\n");
        }

        private static string Pill(ReadinessStatus? status)
            => status == null ? "<span class=\"meta\">–</span>" : $"<span class=\"pill s-{status}\">{status}</span>";
    }
}

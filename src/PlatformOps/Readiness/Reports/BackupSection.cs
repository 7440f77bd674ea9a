using System.Collections.Generic;
using System.Linq;
using System.Text;
using PlatformOps.Backup;

namespace PlatformOps.Readiness.Reports
{
    internal static partial class HtmlReport
    {
        /// <summary>The newest backup sets with their checksum verification and restore test.</summary>
        static partial void BackupTable(StringBuilder h, ReportModel model)
        {
            if (!(model.Check("data.backup-age")?.Data is IReadOnlyList<PlatformBackupSet> sets) || sets.Count == 0) return;
            var now = model.Score.MeasuredAt;
            h.Append("<h3>Backup sets (newest first)</h3><table><thead><tr><th>Set</th><th>Completed</th><th class=\"num\">Age</th><th class=\"num\">Size</th><th>Contents</th>")
             .Append("<th>Checksums</th><th>Restore test</th><th class=\"num\">RTO</th></tr></thead><tbody>\n");
            foreach (var set in sets.Take(10))
            {
                var contents = new List<string>(set.Databases);
                if (set.HasGlobals) contents.Add("roles");
                if (set.HasRedis) contents.Add("Redis");
                var checksums = set.LastVerifyPassed == null ? "<span class=\"meh\">not checked</span>"
                    : set.LastVerifyPassed == true ? "<span class=\"ok\">ok</span>" : "<span class=\"bad\">FAILED</span>";
                var restore = set.LastRestorePassed == null ? "<span class=\"meh\">never</span>"
                    : set.LastRestorePassed == true ? $"<span class=\"ok\">passed</span> {E(Words.Ago(set.LastRestoreTestUtc!.Value, now))}"
                    : $"<span class=\"bad\">FAILED</span> {E(Words.Ago(set.LastRestoreTestUtc ?? set.CompletedUtc, now))}";
                h.Append("<tr><td><code>").Append(E(set.Id)).Append("</code></td><td>").Append(E(Words.Utc(set.CompletedUtc))).Append("</td><td class=\"num\">")
                 .Append(E(Words.Span(now - set.CompletedUtc))).Append("</td><td class=\"num\">").Append(E(Words.Size(set.SizeBytes))).Append("</td><td>")
                 .Append(E(string.Join(", ", contents))).Append("</td><td>").Append(checksums).Append("</td><td>").Append(restore).Append("</td><td class=\"num\">")
                 .Append(set.MeasuredRto == null ? "–" : E(Words.Span(set.MeasuredRto.Value))).Append("</td></tr>\n");
            }
            h.Append("</tbody></table>\n");
        }
    }
}

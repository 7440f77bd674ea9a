using System.Globalization;
using System.Text;
using PlatformOps.Wal;

namespace PlatformOps.Readiness.Reports
{
    internal static partial class HtmlReport
    {
        /// <summary>The archiver and the RPO estimate as Get-PlatformWalStatus measured them.</summary>
        static partial void WalFacts(StringBuilder h, ReportModel model, ref bool rendered)
        {
            var s = model.Check("data.wal-archiving")?.Data as PlatformWalStatus ?? model.Check("data.rpo")?.Data as PlatformWalStatus;
            if (s == null) return;
            var now = model.Score.MeasuredAt;
            h.Append("<div class=\"facts\">");
            Fact(h, "PostgreSQL", s.Endpoint);
            Fact(h, "archive_mode / wal_level", $"{s.ArchiveMode} / {s.WalLevel}" + (s.PendingRestart ? " (restart pending)" : string.Empty));
            Fact(h, "Segments archived", s.ArchivedCount.ToString(CultureInfo.InvariantCulture));
            Fact(h, "Last archived", s.LastArchivedTime == null ? "never" : $"{s.LastArchivedWal}, {Words.Ago(s.LastArchivedTime.Value, now)}");
            Fact(h, "Failures", s.FailedCount == 0 ? "none" : $"{s.FailedCount}, last {s.LastFailedWal} {(s.LastFailedTime == null ? string.Empty : Words.Ago(s.LastFailedTime.Value, now))}");
            Fact(h, "Waiting to be archived", s.ReadyBacklog == null ? "unknown" : Words.Plural(s.ReadyBacklog.Value, "segment"));
            Fact(h, "RPO estimate", s.RpoEstimate == null ? $"none ({s.RpoState})" : $"{Words.Span(s.RpoEstimate.Value)} ({s.RpoState})");
            Fact(h, "RPO target", Words.Span(s.RpoTarget) + (s.RpoOk ? ", kept" : ", not kept"));
            h.Append("</div>\n");
            if (!string.IsNullOrEmpty(s.FailureReason)) h.Append("<p class=\"bad\">").Append(E(s.FailureReason)).Append("</p>\n");
            rendered = true;
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Text;
using PlatformOps.Certificates;
using PlatformOps.Common;

namespace PlatformOps.Readiness.Reports
{
    internal static partial class HtmlReport
    {
        /// <summary>Every certificate the checklist judged, soonest expiry first.</summary>
        static partial void CertificateTable(StringBuilder h, ReportModel model)
        {
            if (!(model.Check("security.tls-certificates")?.Data is List<PlatformCertificateTest> tests) || tests.Count == 0) return;
            h.Append("<table><thead><tr><th>Certificate</th><th>Subject</th><th>Issuer</th><th>Expires</th><th class=\"num\">Days left</th><th>Verdict</th></tr></thead><tbody>\n");
            foreach (var t in tests.OrderBy(t => t.NotAfter))
            {
                var status = t.Status == Verdict.Pass ? "Pass" : t.Status == Verdict.Warn ? "Warn" : "Fail";
                h.Append("<tr><td><code>").Append(E(t.Target)).Append("</code></td><td>").Append(E(t.Subject)).Append("</td><td>")
                 .Append(E(t.Certificate?.IsSelfSigned == true ? "self-signed" : t.Certificate?.Issuer)).Append("</td><td>").Append(E(Words.Utc(t.NotAfter)))
                 .Append("</td><td class=\"num\">").Append(t.DaysLeft).Append("</td><td><span class=\"pill s-").Append(status).Append("\">").Append(status).Append("</span>");
                if (t.Reasons.Length > 0) h.Append(' ').Append(E(string.Join("; ", t.Reasons)));
                h.Append("</td></tr>\n");
            }
            h.Append("</tbody></table>\n");
        }
    }
}

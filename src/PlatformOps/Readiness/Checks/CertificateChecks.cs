using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using PlatformOps.Certificates;
using PlatformOps.Common;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// The certificate item: every file in Readiness.CertificatePaths and every endpoint in Readiness.TlsEndpoints
    /// (default: what PostgreSQL serves), judged as Test-PlatformCertificate judges them, with the expiry windows of the
    /// profile and the issuer chain judged against Readiness.CertificateAuthorityPaths (default: the system trust store).
    /// </summary>
    internal static partial class ReadinessChecklist
    {
        private static ReadinessItem CertificatesItem(ReadinessPlan plan)
            => Item("security.tls-certificates", Sec, "TLS certificates are present, valid and not expiring soon",
                "Test-PlatformCertificate -Path <file> -CaPath <issuing CA> | Format-List Reasons; New-PlatformCertificate -Authority <CA> to renew; name the CA in Readiness.CertificateAuthorityPaths",
                $"valid for more than {Words.Number(plan.Settings.CertificateWarningDays)} days (Fail within {Words.Number(plan.Settings.CertificateCriticalDays)})",
                CertificatesAsync);

        private static async Task<ReadinessCheck> CertificatesAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            var settings = plan.Settings;
            var options = new CertificateTestOptions { WarningDays = (int)Math.Ceiling(settings.CertificateWarningDays), Now = context.Now };
            try
            {
                options.Trust = TrustAnchors.Load(settings.CertificateAuthorityPaths);
            }
            catch (PlatformOpsException ex)
            {
                return d.Fail($"the profile's Readiness.CertificateAuthorityPaths cannot be used: {ex.Message}");
            }
            var endpoints = settings.TlsEndpoints.ToList();
            var defaulted = false;
            if (settings.CertificatePaths.Count == 0 && endpoints.Count == 0 && plan.Postgres != null)
            {
                endpoints.Add(plan.Postgres.Endpoint);
                defaulted = true;
            }
            if (settings.CertificatePaths.Count == 0 && endpoints.Count == 0)
                return d.Skip("the profile names no certificate (Readiness.CertificatePaths, Readiness.TlsEndpoints) and has no PostgreSQL to ask");

            var work = settings.CertificatePaths.Select(path => Task.Run(() =>
            {
                if (!File.Exists(path)) return (Target: path, Test: (PlatformCertificateTest?)null, Problem: "the file does not exist");
                var cert = CertificateReader.ReadFile(path, CertificateReader.FindKeyBeside(path));
                return (Target: path, Test: CertificateTester.Test(cert, null, options), Problem: (string?)null);
            })).Concat(endpoints.Select(async endpoint =>
            {
                var (host, port, kind) = ServedCertificateReader.Locate(endpoint, null, TlsProtocolKind.Auto, plan.Profile);
                try
                {
                    var served = await ServedCertificateReader.ReadAsync(host, port, kind, null, TimeSpan.FromSeconds(Math.Max(1, (int)plan.Timeout.TotalSeconds)),
                        context.CancellationToken).ConfigureAwait(false);
                    return (Target: $"{host}:{port}", Test: (PlatformCertificateTest?)CertificateTester.Test(null, served, options), Problem: (string?)null);
                }
                catch (PlatformOpsException ex) when (ex.ErrorId == "PlatformCertificateHandshakeFailed")
                {
                    return (Target: $"{host}:{port}", Test: (PlatformCertificateTest?)null, Problem: "serves no TLS: " + ex.Message);
                }
                catch (PlatformOpsException ex) when (ex.ErrorId == "PlatformCertificateEndpointTimeout" || ex.ErrorId == "PlatformCertificateMalformed"
                                                      || ex.ErrorId == "PlatformCertificateEndpointUnreachable")
                {
                    return (Target: $"{host}:{port}", Test: (PlatformCertificateTest?)null, Problem: ex.Message);
                }
            })).ToList();
            var results = await Task.WhenAll(work).ConfigureAwait(false);

            var rows = new List<(string Line, ReadinessStatus Status, string Target)>();
            var tests = new List<PlatformCertificateTest>();
            foreach (var r in results)
            {
                if (r.Test == null)
                {
                    rows.Add(($"{r.Target}: {r.Problem}", ReadinessStatus.Fail, r.Target));
                    continue;
                }
                tests.Add(r.Test);
                var status = r.Test.Status switch
                {
                    Verdict.Fail => ReadinessStatus.Fail,
                    Verdict.Warn => ReadinessStatus.Warn,
                    _ => ReadinessStatus.Pass,
                };
                var reasons = r.Test.Reasons.ToList();
                if (r.Test.DaysLeft <= settings.CertificateCriticalDays && status != ReadinessStatus.Fail)
                {
                    status = ReadinessStatus.Fail;
                    reasons.Insert(0, $"expires within {Words.Number(settings.CertificateCriticalDays)} days");
                }
                var line = $"{r.Target}: {r.Test.Subject}, until {Words.Utc(r.Test.NotAfter)} ({r.Test.DaysLeft} days left)";
                if (status != ReadinessStatus.Pass) line += ": " + string.Join("; ", reasons);
                rows.Add((line, status, r.Target));
            }
            var worst = rows.Max(r => r.Status);
            var soonest = tests.OrderBy(t => t.NotAfter).FirstOrDefault();
            var scope = Words.Plural(results.Length, "certificate") + (defaulted ? $" (what PostgreSQL at {endpoints[0]} serves; name others in Readiness.CertificatePaths)" : string.Empty);
            var bad = rows.Where(r => r.Status == worst).Select(r => r.Line).ToList();
            var details = rows.Select(r => r.Line).ToList();
            ReadinessCheck check = worst switch
            {
                ReadinessStatus.Pass => d.Pass($"{scope} valid and chained to {options.Trust.Describe()}; the soonest expiry is {soonest?.Target} on {(soonest == null ? "-" : Words.Utc(soonest.NotAfter))} ({soonest?.DaysLeft} days left)", details, tests),
                ReadinessStatus.Warn => d.Warn($"{scope}; at risk: {Words.Some(bad, 2)}", details, tests),
                _ => d.Fail($"{scope}; failing: {Words.Some(bad, 2)}", details, tests),
            };
            if (soonest != null) { check.Value = soonest.DaysLeft; check.Unit = "days"; }
            return check;
        }
    }
}

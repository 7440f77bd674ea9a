using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    internal sealed class CertificateTestOptions
    {
        public int WarningDays { get; set; } = 30;
        public IList<string> HostNames { get; set; } = new List<string>();
        public int MinimumRsaKeySize { get; set; } = 2048;
        public DateTime Now { get; set; } = DateTime.UtcNow;
        /// <summary>What the issuer chain is judged against: the system trust store unless CA files are given.</summary>
        public TrustAnchors Trust { get; set; } = TrustAnchors.SystemStore;
    }

    /// <summary>Judges a certificate: expiry, issuer trust, key match, key file mode, host names, served vs file, key and signature strength.</summary>
    internal static class CertificateTester
    {
        public static PlatformCertificateTest Test(PlatformCertificate? file, PlatformCertificate? served, CertificateTestOptions options)
        {
            var cert = file ?? served ?? throw new ArgumentException("A certificate is needed.", nameof(file));
            var checks = new List<CertificateCheck>();
            var now = options.Now;
            var daysLeft = (cert.NotAfter - now).TotalDays;

            if (now < cert.NotBefore)
                checks.Add(new CertificateCheck("Expiry", Verdict.Fail, $"not valid before {Stamp(cert.NotBefore)} (clock skew or a future start date)"));
            else if (daysLeft < 0)
                checks.Add(new CertificateCheck("Expiry", Verdict.Fail, $"expired on {Stamp(cert.NotAfter)} ({Math.Ceiling(-daysLeft):0} days ago)"));
            else if (daysLeft <= options.WarningDays)
                checks.Add(new CertificateCheck("Expiry", Verdict.Warn, $"expires on {Stamp(cert.NotAfter)}, in {Math.Floor(daysLeft):0} days (warning window {options.WarningDays} days)"));
            else
                checks.Add(new CertificateCheck("Expiry", Verdict.Pass, $"valid until {Stamp(cert.NotAfter)} ({Math.Floor(daysLeft):0} days left)"));

            // The issuer chain, with the intermediates that came with the certificate (the rest of its file, or what the
            // server sent); when the file and the endpoint hold the same certificate, both sets of intermediates help.
            var intermediates = new List<byte[]>(cert.ChainData);
            if (file != null && served != null && string.Equals(file.Sha256Fingerprint, served.Sha256Fingerprint, StringComparison.OrdinalIgnoreCase))
                intermediates.AddRange(served.ChainData);
            checks.Add(CertificateTrust.Judge(cert, intermediates, options.Trust, now));

            if (file != null && file.KeyPath != null)
            {
                if (file.KeyMatches == true) checks.Add(new CertificateCheck("KeyMatch", Verdict.Pass, $"the key {file.KeyPath} belongs to the certificate"));
                else if (file.KeyMatches == false) checks.Add(new CertificateCheck("KeyMatch", Verdict.Fail, $"the key {file.KeyPath} does not belong to the certificate"));
                else checks.Add(new CertificateCheck("KeyMatch", Verdict.Warn, $"the key {file.KeyPath} could not be compared: {file.KeyProblem}"));

                if (file.KeyFileMode != null)
                {
                    var mode = Convert.ToInt32(file.KeyFileMode, 8);
                    if ((mode & 0x3F) != 0)   // any group or other bit (0077)
                        checks.Add(new CertificateCheck("KeyFileMode", Verdict.Fail,
                            $"the key file {file.KeyPath} has mode {file.KeyFileMode.PadLeft(4, '0')}: readable by {((mode & 0x7) != 0 ? "others" : "its group")}; run chmod 600"));
                    else
                        checks.Add(new CertificateCheck("KeyFileMode", Verdict.Pass, $"the key file has mode {file.KeyFileMode.PadLeft(4, '0')}"));
                }
            }

            if (cert.DnsNames.Length + cert.IPAddresses.Length == 0)
                checks.Add(new CertificateCheck("SubjectAltName", Verdict.Warn, "no subjectAltName: clients that ignore the common name (all modern ones) will reject it"));

            foreach (var host in options.HostNames)
            {
                if (Covers(cert, host)) checks.Add(new CertificateCheck("HostName", Verdict.Pass, $"'{host}' is among the names"));
                else checks.Add(new CertificateCheck("HostName", Verdict.Fail,
                    $"'{host}' is not among the names ({(cert.Names().Any() ? string.Join(", ", cert.Names()) : "none")}); clients that verify the host will refuse it"));
            }

            if (file != null && served != null)
            {
                if (string.Equals(file.Sha256Fingerprint, served.Sha256Fingerprint, StringComparison.OrdinalIgnoreCase))
                    checks.Add(new CertificateCheck("ServedMatchesFile", Verdict.Pass, $"{served.Endpoint} serves the certificate in {file.Path}"));
                else
                    checks.Add(new CertificateCheck("ServedMatchesFile", Verdict.Fail,
                        $"{served.Endpoint} serves a different certificate (thumbprint {served.Thumbprint}, until {Stamp(served.NotAfter)}) than {file.Path} (thumbprint {file.Thumbprint}); reload or restart the service"));
                if (served != cert)
                {
                    var servedDays = (served.NotAfter - now).TotalDays;
                    if (servedDays < 0) checks.Add(new CertificateCheck("ServedExpiry", Verdict.Fail, $"the served certificate expired on {Stamp(served.NotAfter)}"));
                    else if (servedDays <= options.WarningDays) checks.Add(new CertificateCheck("ServedExpiry", Verdict.Warn, $"the served certificate expires on {Stamp(served.NotAfter)}"));
                }
            }

            var weakKey = cert.KeyAlgorithm switch
            {
                "RSA" => cert.KeySize < options.MinimumRsaKeySize ? $"RSA {cert.KeySize} bits is weak (minimum {options.MinimumRsaKeySize})" : null,
                "ECDSA" => cert.KeySize < 256 ? $"ECDSA {cert.KeySize} bits is weak (minimum 256)" : null,
                "DSA" => "DSA keys are no longer accepted by TLS 1.3 clients",
                _ => null,
            };
            checks.Add(weakKey != null
                ? new CertificateCheck("KeyStrength", Verdict.Fail, weakKey)
                : new CertificateCheck("KeyStrength", Verdict.Pass, $"{cert.KeyAlgorithm} {cert.KeySize} bits"));
            if (Oids.IsWeakSignature(cert.SignatureAlgorithmOid))
                checks.Add(new CertificateCheck("SignatureAlgorithm", Verdict.Fail, $"signed with {cert.SignatureAlgorithm}, which clients reject; re-issue with SHA-256"));

            var status = checks.Count == 0 ? Verdict.Pass : checks.Max(c => c.Status);
            return new PlatformCertificateTest
            {
                Target = served != null && file == null ? served.Source : file != null && served != null ? $"{file.Path} + {served.Endpoint}" : cert.Source,
                Status = status,
                Subject = cert.Subject,
                NotAfter = cert.NotAfter,
                DaysLeft = (int)Math.Floor(daysLeft),
                Reasons = checks.Where(c => c.Status != Verdict.Pass).Select(c => c.Detail).ToArray(),
                Checks = checks.ToArray(),
                Certificate = file ?? served,
                Served = served,
            };
        }

        /// <summary>Whether a host name or address is among the certificate's names (one-label wildcards, RFC 6125).</summary>
        public static bool Covers(PlatformCertificate cert, string host)
        {
            var name = host.Trim().TrimEnd('.');
            if (IPAddress.TryParse(name, out var ip))
                return cert.IPAddresses.Any(a => IPAddress.TryParse(a, out var other) && other.Equals(ip));
            foreach (var dns in cert.DnsNames)
            {
                if (string.Equals(dns, name, StringComparison.OrdinalIgnoreCase)) return true;
                if (dns.StartsWith("*.", StringComparison.Ordinal))
                {
                    var dot = name.IndexOf('.');
                    if (dot > 0 && string.Equals(name.Substring(dot + 1), dns.Substring(2), StringComparison.OrdinalIgnoreCase)) return true;
                }
            }
            return false;
        }

        private static string Stamp(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
    }
}

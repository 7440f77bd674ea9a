using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>
    /// What a certificate's issuer chain is judged against: the system trust store, or the CA certificates in the files
    /// an operator names (-CaPath, Readiness.CertificateAuthorityPaths).
    /// </summary>
    internal sealed class TrustAnchors
    {
        private TrustAnchors(IReadOnlyList<string> paths, IReadOnlyList<byte[]> certificates)
        {
            Paths = paths;
            Certificates = certificates;
        }

        /// <summary>The operating system's trust store (on Linux, the OpenSSL CA bundle, e.g. /etc/ssl/certs).</summary>
        public static TrustAnchors SystemStore { get; } = new TrustAnchors(Array.Empty<string>(), Array.Empty<byte[]>());

        public IReadOnlyList<string> Paths { get; }
        /// <summary>The DER certificates read from <see cref="Paths"/>; empty for the system store.</summary>
        public IReadOnlyList<byte[]> Certificates { get; }
        public bool IsSystem => Paths.Count == 0;

        public string Describe() => IsSystem ? "the system trust store" : "the CA in " + string.Join(", ", Paths);

        /// <summary>Reads CA certificates (PEM, a bundle of several, or DER) from files, or from a folder's ca.crt.</summary>
        public static TrustAnchors Load(IEnumerable<string> paths)
        {
            var files = new List<string>();
            var certificates = new List<byte[]>();
            foreach (var given in paths)
            {
                var path = Path.GetFullPath(given);
                if (Directory.Exists(path)) path = Path.Combine(path, "ca.crt");
                if (!File.Exists(path))
                    throw new PlatformOpsException("PlatformCertificateAuthorityNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, given,
                        $"The CA certificate '{path}' does not exist. Give the CA that issued the certificate (New-PlatformCertificateAuthority writes ca/ca.crt), or leave -CaPath out to use the system trust store.");
                List<byte[]> found;
                try
                {
                    found = CertificateReader.ReadAllDer(path);
                    foreach (var der in found) CertificateReader.FromDer(der, path);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PlatformOpsException)
                {
                    throw new PlatformOpsException("PlatformCertificateAuthorityInvalid", System.Management.Automation.ErrorCategory.InvalidData, given,
                        $"The CA file '{path}' cannot be used: {PlatformErrors.Reason(ex)}", ex);
                }
                if (found.Count == 0)
                    throw new PlatformOpsException("PlatformCertificateAuthorityInvalid", System.Management.Automation.ErrorCategory.InvalidData, given,
                        $"The CA file '{path}' holds no certificate (no PEM CERTIFICATE block and not DER). Give the CA certificate itself.");
                files.Add(path);
                certificates.AddRange(found);
            }
            return files.Count == 0 ? SystemStore : new TrustAnchors(files, certificates);
        }
    }

    /// <summary>Judges whether a certificate chains to a trusted CA, with X509Chain, and says against what.</summary>
    internal static class CertificateTrust
    {
        public const string CheckName = "Trust";

        public static CertificateCheck Judge(PlatformCertificate cert, IEnumerable<byte[]> intermediates, TrustAnchors anchors, DateTime now)
        {
            var owned = new List<X509Certificate2>();
            try
            {
                X509Certificate2 leaf;
                try
                {
                    leaf = new X509Certificate2(cert.RawData);
                }
                catch (CryptographicException ex)
                {
                    return new CertificateCheck(CheckName, Verdict.Fail, $"untrusted issuer: the certificate cannot be judged ({PlatformErrors.Reason(ex)})");
                }
                owned.Add(leaf);
                using var chain = new X509Chain();
                var policy = chain.ChainPolicy;
                policy.RevocationMode = X509RevocationMode.NoCheck;
                policy.VerificationFlags = X509VerificationFlags.NoFlag;
                policy.VerificationTime = DateTime.SpecifyKind(now, DateTimeKind.Utc).ToLocalTime();
                // Never fetch a missing issuer from the network (AIA): only loopback traffic, and the verdict is about what was given.
                SetIfPresent(policy, "DisableCertificateDownloads", true);
                foreach (var raw in intermediates)
                {
                    try
                    {
                        var extra = new X509Certificate2(raw);
                        owned.Add(extra);
                        policy.ExtraStore.Add(extra);
                    }
                    catch (CryptographicException) { /* an unreadable extra certificate cannot help the chain */ }
                }

                var anchors509 = new X509Certificate2Collection();
                foreach (var raw in anchors.Certificates)
                {
                    var anchor = new X509Certificate2(raw);
                    owned.Add(anchor);
                    anchors509.Add(anchor);
                }
                var customRoots = !anchors.IsSystem && UseCustomRoots(policy, anchors509);
                if (!anchors.IsSystem && !customRoots)
                {
                    // A runtime without CustomTrustStore (Windows PowerShell 5.1): the anchors go in as extra certificates,
                    // an unknown root is allowed, and the root the chain reaches must then be one of them (checked below).
                    policy.ExtraStore.AddRange(anchors509);
                    policy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                }

                chain.Build(leaf);
                var elements = new List<X509ChainElement>();
                foreach (var element in chain.ChainElements)
                {
                    elements.Add(element);
                    owned.Add(element.Certificate);
                }
                return Explain(cert, chain, elements, anchors, customRoots, anchors509, now);
            }
            finally
            {
                foreach (var c in owned) c.Dispose();
            }
        }

        private static CertificateCheck Explain(PlatformCertificate cert, X509Chain chain, List<X509ChainElement> elements, TrustAnchors anchors,
            bool customRoots, X509Certificate2Collection anchors509, DateTime now)
        {
            var problems = new List<string>();
            var untrusted = chain.ChainStatus.Any(s => s.Status == X509ChainStatusFlags.PartialChain || s.Status == X509ChainStatusFlags.UntrustedRoot);
            for (var i = 0; i < elements.Count; i++)
            {
                var element = elements[i];
                var subject = element.Certificate.Subject;
                foreach (var status in element.ChainElementStatus)
                {
                    switch (status.Status)
                    {
                        case X509ChainStatusFlags.NoError:
                        case X509ChainStatusFlags.RevocationStatusUnknown:
                        case X509ChainStatusFlags.OfflineRevocation:
                        case X509ChainStatusFlags.NotTimeNested:
                            break;
                        case X509ChainStatusFlags.NotTimeValid:
                            if (i == 0) break;   // the certificate's own dates: the Expiry check says it
                            var notAfter = element.Certificate.NotAfter.ToUniversalTime();
                            problems.Add(notAfter < now
                                ? $"the issuing certificate '{subject}' expired on {Stamp(notAfter)}"
                                : $"the issuing certificate '{subject}' is not valid before {Stamp(element.Certificate.NotBefore.ToUniversalTime())}");
                            break;
                        case X509ChainStatusFlags.UntrustedRoot:
                        case X509ChainStatusFlags.PartialChain:
                            untrusted = true;
                            break;
                        case X509ChainStatusFlags.NotSignatureValid:
                            problems.Add($"the signature on '{subject}' does not verify against its issuer");
                            break;
                        default:
                            problems.Add($"'{subject}': {status.StatusInformation.Trim().TrimEnd('.')}");
                            break;
                    }
                }
            }
            var root = elements.Count > 0 ? elements[elements.Count - 1].Certificate : null;
            if (!anchors.IsSystem && !customRoots)
            {
                // Fallback mode: an unknown root was allowed, so trust holds only if the root reached is one of the anchors.
                untrusted = root == null || !anchors509.Cast<X509Certificate2>().Any(a => string.Equals(a.Thumbprint, root.Thumbprint, StringComparison.OrdinalIgnoreCase));
            }

            var how = customRoots ? "X509Chain with a custom root" : anchors.IsSystem ? "X509Chain" : "X509Chain, anchor compared by thumbprint";
            if (untrusted)
            {
                string why;
                if (cert.IsSelfSigned)
                    why = $"'{cert.Subject}' is a self-signed certificate, and {anchors.Describe()} does not hold it";
                else if (root != null && elements.Count > 1 && IsSelfIssued(root))
                    why = $"the chain ends at '{root.Subject}', which {anchors.Describe()} does not hold";
                else
                    why = $"no chain from the issuer '{cert.Issuer}' to {anchors.Describe()}" +
                          (root != null && elements.Count > 1 ? $" (it stops at '{root.Subject}'; give the missing intermediate with the certificate)" : string.Empty);
                problems.Insert(0, "untrusted issuer: " + why);
                if (anchors.IsSystem) problems.Add("give the issuing CA with -CaPath (or Readiness.CertificateAuthorityPaths) to judge against it instead of the system store");
            }
            if (problems.Count > 0) return new CertificateCheck(CheckName, Verdict.Fail, string.Join("; ", problems));
            var intermediates = Math.Max(0, elements.Count - 2);
            return new CertificateCheck(CheckName, Verdict.Pass,
                $"chains to '{root?.Subject}' in {anchors.Describe()} through {intermediates} intermediate(s) ({how}; revocation not checked)");
        }

        private static bool IsSelfIssued(X509Certificate2 c) => string.Equals(c.Subject, c.Issuer, StringComparison.Ordinal);

        /// <summary>
        /// X509ChainPolicy.TrustMode = CustomRootTrust with the anchors in CustomTrustStore: the .NET 5+ API, reached by
        /// reflection because the module compiles against netstandard2.0 but runs on .NET 10 under PowerShell 7.6.
        /// </summary>
        private static bool UseCustomRoots(X509ChainPolicy policy, X509Certificate2Collection anchors)
        {
            var type = typeof(X509ChainPolicy);
            var store = type.GetProperty("CustomTrustStore")?.GetValue(policy) as X509Certificate2Collection;
            var mode = type.GetProperty("TrustMode");
            if (store == null || mode == null || !mode.PropertyType.IsEnum) return false;
            store.AddRange(anchors);
            mode.SetValue(policy, Enum.ToObject(mode.PropertyType, 1));   // X509ChainTrustMode.CustomRootTrust
            return true;
        }

        private static void SetIfPresent(X509ChainPolicy policy, string property, object value)
        {
            var p = typeof(X509ChainPolicy).GetProperty(property);
            if (p != null && p.CanWrite) p.SetValue(policy, value);
        }

        private static string Stamp(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
    }
}

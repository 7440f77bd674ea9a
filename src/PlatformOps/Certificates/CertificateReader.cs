using System;
using System.Collections.Generic;
using System.Formats.Asn1;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>Reads certificates (PEM or DER files, or DER bytes from an endpoint) into <see cref="PlatformCertificate"/>.</summary>
    internal static class CertificateReader
    {
        /// <summary>A certificate file (a bundle included) larger than this is refused before it is read.</summary>
        public const long MaxFileLength = 16 << 20;

        /// <summary>Reads the first certificate of a file and, when found, checks the private key beside it.</summary>
        public static PlatformCertificate ReadFile(string path, string? keyPath)
        {
            var full = System.IO.Path.GetFullPath(path);
            if (!File.Exists(full))
                throw new PlatformOpsException("PlatformCertificateNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, path,
                    $"The certificate file '{full}' does not exist. Create one with New-PlatformCertificate, or give the right -Path.");
            var certificates = ReadAllDer(full);
            if (certificates.Count == 0)
                throw new PlatformOpsException("PlatformCertificateInvalid", System.Management.Automation.ErrorCategory.InvalidData, path,
                    $"'{full}' holds no certificate (no PEM CERTIFICATE block and not DER).");
            var cert = FromDer(certificates[0], full);
            cert.Path = full;
            cert.ChainData = certificates.Skip(1).ToList();
            var key = keyPath != null ? System.IO.Path.GetFullPath(keyPath) : FindKeyBeside(full);
            if (key != null) CheckKey(cert, key);
            return cert;
        }

        public static List<byte[]> ReadAllDer(string path)
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxFileLength)
                throw new PlatformOpsException("PlatformCertificateInvalid", System.Management.Automation.ErrorCategory.InvalidData, path,
                    $"'{path}' is {info.Length} bytes: larger than any certificate file ({MaxFileLength / (1 << 20)} MiB at most). Give the certificate file itself.");
            var bytes = File.ReadAllBytes(path);
            if (Pem.LooksLikePem(bytes))
                return Pem.Decode(Encoding.ASCII.GetString(bytes)).Where(b => b.Label == "CERTIFICATE" || b.Label == "TRUSTED CERTIFICATE")
                    .Select(b => b.Data).ToList();
            if (bytes.Length > 0 && bytes[0] == 0x30) return new List<byte[]> { bytes };
            return new List<byte[]>();
        }

        /// <summary>The key file that conventionally sits beside a certificate: NAME.key, NAME-key.pem, NAME.key.pem, or key.pem for certificate.crt.</summary>
        public static string? FindKeyBeside(string certificatePath)
        {
            var folder = System.IO.Path.GetDirectoryName(certificatePath) ?? ".";
            var name = System.IO.Path.GetFileNameWithoutExtension(certificatePath);
            var candidates = new List<string> { name + ".key", name + "-key.pem", name + ".key.pem" };
            if (string.Equals(name, "certificate", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "cert", StringComparison.OrdinalIgnoreCase))
                candidates.Add("key.pem");
            return candidates.Select(c => System.IO.Path.Combine(folder, c)).FirstOrDefault(File.Exists);
        }

        /// <summary>Compares the key file with the certificate and records the key file's mode.</summary>
        public static void CheckKey(PlatformCertificate cert, string keyPath)
        {
            cert.KeyPath = keyPath;
            if (!File.Exists(keyPath))
            {
                cert.KeyProblem = "key file not found";
                return;
            }
            cert.KeyFileMode = AtomicFile.ModeOf(keyPath);
            try
            {
                using var key = KeyPair.FromPem(File.ReadAllText(keyPath));
                cert.KeyMatches = cert.PublicKeyInfo != null && key.PublicKey().SameKeyAs(cert.PublicKeyInfo);
            }
            catch (KeyEncryptedException)
            {
                cert.KeyProblem = "the key is encrypted with a pass phrase; cannot compare";
            }
            catch (UnauthorizedAccessException)
            {
                cert.KeyProblem = "the key file cannot be read by this user";
            }
            catch (Exception ex) when (ex is InvalidDataException || ex is CryptographicException || ex is IOException || ex is AsnContentException)
            {
                cert.KeyProblem = "not a readable private key: " + ex.Message;
            }
        }

        /// <summary>
        /// Reads one DER certificate, from a file or from a live endpoint (untrusted bytes): anything that is not a
        /// well-formed X.509 certificate under DER rules ends in PlatformCertificateMalformed, in bounded time and memory.
        /// </summary>
        public static PlatformCertificate FromDer(byte[] der, string source)
        {
            try
            {
                return Build(der, source);
            }
            catch (Exception ex) when (ex is AsnContentException || ex is CryptographicException || ex is InvalidDataException)
            {
                throw new PlatformOpsException("PlatformCertificateMalformed", System.Management.Automation.ErrorCategory.InvalidData, source,
                    $"'{source}' did not give a well-formed X.509 certificate ({der.Length} bytes of DER): {PlatformErrors.Reason(ex).TrimEnd('.')}. " +
                    "Check that it is the certificate (PEM or DER) and that the endpoint speaks TLS.", ex);
            }
        }

        private static PlatformCertificate Build(byte[] der, string source)
        {
            var parsed = CertificateStructure.Parse(der);
            var spki = parsed.PublicKey;
            var (dns, ips) = parsed.SubjectAltNames();

            using var x509 = new X509Certificate2(der);
            var cert = new PlatformCertificate
            {
                Source = source,
                Subject = x509.Subject,
                Issuer = x509.Issuer,
                CommonName = NullIfEmpty(x509.GetNameInfo(X509NameType.SimpleName, false)),
                NotBefore = parsed.NotBefore,
                NotAfter = parsed.NotAfter,
                Thumbprint = x509.Thumbprint ?? string.Empty,
                SerialNumber = ToHex(parsed.SerialNumber),
                KeyAlgorithm = spki.AlgorithmName,
                KeySize = spki.KeySize,
                Curve = spki.CurveOid == null ? null : Oids.CurveName(spki.CurveOid),
                SignatureAlgorithm = Oids.SignatureName(parsed.SignatureAlgorithmOid),
                SignatureAlgorithmOid = parsed.SignatureAlgorithmOid,
                RawData = der,
                PublicKeyInfo = spki,
                DnsNames = dns.ToArray(),
                IPAddresses = ips.ToArray(),
                IsCertificateAuthority = parsed.IsAuthority(),
            };
            using (var sha = SHA256.Create()) cert.Sha256Fingerprint = ToHex(sha.ComputeHash(der));
            cert.IsSelfSigned = parsed.IssuerName.SequenceEqual(parsed.SubjectName)
                && spki.Verify(parsed.SignedPart, parsed.Signature, parsed.SignatureAlgorithmOid);
            return cert;
        }

        /// <summary>The subjectKeyIdentifier of a certificate, or the RFC 5280 method-1 identifier of its key.</summary>
        public static byte[] KeyIdentifier(PlatformCertificate cert)
            => CertificateStructure.Parse(cert.RawData).SubjectKeyIdentifier() ?? cert.PublicKeyInfo!.KeyIdentifier();

        /// <summary>Whether <paramref name="issuer"/>'s key signed <paramref name="cert"/>.</summary>
        public static bool IsSignedBy(PlatformCertificate cert, PlatformCertificate issuer)
        {
            var parsed = CertificateStructure.Parse(cert.RawData);
            return issuer.PublicKeyInfo != null && issuer.PublicKeyInfo.Verify(parsed.SignedPart, parsed.Signature, parsed.SignatureAlgorithmOid);
        }

        internal static string ToHex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) sb.Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
    }
}

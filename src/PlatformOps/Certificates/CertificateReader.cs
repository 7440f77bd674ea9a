using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>Reads certificates (PEM or DER files, or DER bytes from an endpoint) into <see cref="PlatformCertificate"/>.</summary>
    internal static class CertificateReader
    {
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
            var key = keyPath != null ? System.IO.Path.GetFullPath(keyPath) : FindKeyBeside(full);
            if (key != null) CheckKey(cert, key);
            return cert;
        }

        public static List<byte[]> ReadAllDer(string path)
        {
            var bytes = File.ReadAllBytes(path);
            if (Pem.LooksLikePem(bytes))
                return Pem.Decode(Encoding.ASCII.GetString(bytes)).Where(b => b.Label == "CERTIFICATE" || b.Label == "TRUSTED CERTIFICATE")
                    .Select(b => b.Data).ToList();
            if (bytes.Length > 0 && bytes[0] == Der.Sequence) return new List<byte[]> { bytes };
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
            catch (Exception ex) when (ex is InvalidDataException || ex is CryptographicException || ex is IOException
                                       || ex is ArgumentException || ex is IndexOutOfRangeException || ex is ArgumentOutOfRangeException)
            {
                cert.KeyProblem = "not a readable private key: " + ex.Message;
            }
        }

        public static PlatformCertificate FromDer(byte[] der, string source)
        {
            DerElement root;
            IReadOnlyList<DerElement> tbs;
            try
            {
                root = DerReader.Read(der);
                tbs = root.Children()[0].Children();
            }
            catch (Exception ex) when (ex is InvalidDataException || ex is ArgumentOutOfRangeException)
            {
                throw new PlatformOpsException("PlatformCertificateInvalid", System.Management.Automation.ErrorCategory.InvalidData, source,
                    $"'{source}' is not a valid X.509 certificate: {ex.Message}", ex);
            }
            var parts = root.Children();
            var offset = tbs[0].Tag == 0xA0 ? 1 : 0;
            var spki = PublicKeyInfo.Parse(tbs[offset + 5]);
            var signatureOid = parts[1].Children()[0].ObjectId();
            var issuerRaw = tbs[offset + 2].Encoded;
            var subjectRaw = tbs[offset + 4].Encoded;

            using var x509 = new X509Certificate2(der);
            var cert = new PlatformCertificate
            {
                Source = source,
                Subject = x509.Subject,
                Issuer = x509.Issuer,
                CommonName = NullIfEmpty(x509.GetNameInfo(X509NameType.SimpleName, false)),
                NotBefore = x509.NotBefore.ToUniversalTime(),
                NotAfter = x509.NotAfter.ToUniversalTime(),
                Thumbprint = x509.Thumbprint ?? string.Empty,
                SerialNumber = x509.SerialNumber ?? string.Empty,
                KeyAlgorithm = spki.AlgorithmName,
                KeySize = spki.KeySize,
                Curve = spki.CurveOid == null ? null : Oids.CurveName(spki.CurveOid),
                SignatureAlgorithm = Oids.SignatureName(signatureOid),
                SignatureAlgorithmOid = signatureOid,
                RawData = der,
                PublicKeyInfo = spki,
            };
            using (var sha = SHA256.Create()) cert.Sha256Fingerprint = ToHex(sha.ComputeHash(der));

            foreach (X509Extension ext in x509.Extensions)
            {
                if (ext.Oid?.Value == Oids.SubjectAltName) ReadSubjectAltName(ext.RawData, cert);
                if (ext.Oid?.Value == Oids.BasicConstraints)
                {
                    var bc = DerReader.Read(ext.RawData).Children();
                    cert.IsCertificateAuthority = bc.Count > 0 && bc[0].Tag == Der.Boolean && bc[0].Content.Length == 1 && bc[0].Content[0] != 0;
                }
            }
            cert.IsSelfSigned = issuerRaw.SequenceEqual(subjectRaw)
                && spki.Verify(root.Children()[0].Encoded, parts[2].BitStringBytes(), signatureOid);
            return cert;
        }

        private static void ReadSubjectAltName(byte[] raw, PlatformCertificate cert)
        {
            var dns = new List<string>();
            var ips = new List<string>();
            foreach (var name in DerReader.Read(raw).Children())
            {
                if (name.Tag == 0x82) dns.Add(Encoding.ASCII.GetString(name.Content));
                else if (name.Tag == 0x87 && (name.Content.Length == 4 || name.Content.Length == 16)) ips.Add(new IPAddress(name.Content).ToString());
            }
            cert.DnsNames = dns.ToArray();
            cert.IPAddresses = ips.ToArray();
        }

        /// <summary>The subjectKeyIdentifier of a certificate, or the RFC 5280 method-1 identifier of its key.</summary>
        public static byte[] KeyIdentifier(PlatformCertificate cert)
        {
            using var x509 = new X509Certificate2(cert.RawData);
            foreach (X509Extension ext in x509.Extensions)
                if (ext.Oid?.Value == Oids.SubjectKeyId) return DerReader.Read(ext.RawData).Content;
            return cert.PublicKeyInfo!.KeyIdentifier();
        }

        /// <summary>Whether <paramref name="issuer"/>'s key signed <paramref name="cert"/>.</summary>
        public static bool IsSignedBy(PlatformCertificate cert, PlatformCertificate issuer)
        {
            var parts = DerReader.Read(cert.RawData).Children();
            return issuer.PublicKeyInfo != null && issuer.PublicKeyInfo.Verify(parts[0].Encoded, parts[2].BitStringBytes(), cert.SignatureAlgorithmOid);
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

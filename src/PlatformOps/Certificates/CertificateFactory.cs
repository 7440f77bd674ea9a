using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>What New-PlatformCertificate / -Authority / -Request ask for, as plain .NET values.</summary>
    internal sealed class NewCertificateOptions
    {
        public string Folder { get; set; } = "ssl";
        public string CertificateFileName { get; set; } = "certificate.crt";
        public string KeyFileName { get; set; } = "key.pem";
        public string Subject { get; set; } = "CN=localhost";
        public IList<string> DnsNames { get; set; } = new List<string>();
        public IList<IPAddress> IPAddresses { get; set; } = new List<IPAddress>();
        public CertificateKeyAlgorithm Algorithm { get; set; } = CertificateKeyAlgorithm.RSA;
        public int KeySize { get; set; } = 4096;
        public int ValidityDays { get; set; } = 365;
        public DateTime? NotBefore { get; set; }
        public bool Force { get; set; }
        public bool IsAuthority { get; set; }
        /// <summary>The CA certificate that signs the new certificate; null for self-signed.</summary>
        public string? AuthorityCertificatePath { get; set; }
        public string? AuthorityKeyPath { get; set; }

        public string CertificatePath => Path.Combine(Folder, CertificateFileName);
        public string KeyPath => Path.Combine(Folder, KeyFileName);
    }

    /// <summary>Creates key pairs, certificates, local CAs and requests, and writes them as PEM (keys 0600 from their first byte).</summary>
    internal static class CertificateFactory
    {
        public static int DefaultKeySize(CertificateKeyAlgorithm algorithm) => algorithm == CertificateKeyAlgorithm.RSA ? 4096 : 256;

        /// <summary>Files that would be overwritten, so the cmdlet can refuse or ask before doing anything.</summary>
        public static IReadOnlyList<string> Existing(params string[] paths) => paths.Where(File.Exists).ToList();

        public static PlatformCertificate Create(NewCertificateOptions options)
        {
            EnsureWritable(options.Force, options.KeyPath, options.CertificatePath);
            PlatformCertificate? authority = null;
            KeyPair? authorityKey = null;
            try
            {
                if (options.AuthorityCertificatePath != null)
                    (authority, authorityKey) = LoadAuthority(options.AuthorityCertificatePath, options.AuthorityKeyPath);

                var notBefore = (options.NotBefore ?? DateTime.UtcNow.AddMinutes(-5)).ToUniversalTime();
                var spec = new CertificateSpec
                {
                    Subject = options.Subject,
                    DnsNames = options.DnsNames,
                    IPAddresses = options.IPAddresses,
                    NotBefore = notBefore,
                    NotAfter = notBefore.AddDays(options.ValidityDays),
                    IsAuthority = options.IsAuthority,
                };
                CertificateBuilder.EncodeName(spec.Subject);   // validate before spending seconds on a key
                using var key = KeyPair.Generate(options.Algorithm, options.KeySize);
                var der = CertificateBuilder.BuildCertificate(spec, key, authorityKey ?? key, authority);

                Directory.CreateDirectory(options.Folder);
                AtomicFile.WriteAllText(options.KeyPath, key.ToPem(), secret: true);
                AtomicFile.WriteAllText(options.CertificatePath, Pem.Encode("CERTIFICATE", der));
                return CertificateReader.ReadFile(options.CertificatePath, options.KeyPath);
            }
            finally
            {
                authorityKey?.Dispose();
            }
        }

        /// <summary>Writes a CSR, with a new key (0600) or an existing one.</summary>
        public static PlatformCertificateRequest CreateRequest(NewCertificateOptions options, string requestPath, string? existingKeyPath)
        {
            var newKey = existingKeyPath == null;
            EnsureWritable(options.Force, newKey ? new[] { options.KeyPath, requestPath } : new[] { requestPath });
            var spec = new CertificateSpec { Subject = options.Subject, DnsNames = options.DnsNames, IPAddresses = options.IPAddresses };
            CertificateBuilder.EncodeName(spec.Subject);
            KeyPair key;
            if (newKey) key = KeyPair.Generate(options.Algorithm, options.KeySize);
            else key = ReadKey(existingKeyPath!, "PlatformCertificateKeyInvalid");
            using (key)
            {
                var der = CertificateBuilder.BuildRequest(spec, key);
                var folder = Path.GetDirectoryName(Path.GetFullPath(requestPath));
                if (folder != null) Directory.CreateDirectory(folder);
                var keyPath = newKey ? options.KeyPath : Path.GetFullPath(existingKeyPath!);
                if (newKey)
                {
                    Directory.CreateDirectory(options.Folder);
                    AtomicFile.WriteAllText(keyPath, key.ToPem(), secret: true);
                }
                AtomicFile.WriteAllText(requestPath, Pem.Encode("CERTIFICATE REQUEST", der));
                return new PlatformCertificateRequest
                {
                    Path = Path.GetFullPath(requestPath),
                    KeyPath = Path.GetFullPath(keyPath),
                    Subject = string.Join(", ", CertificateBuilder.ParseName(spec.Subject).Select(p => p.Key + "=" + p.Value)),
                    DnsNames = spec.DnsNames.ToArray(),
                    IPAddresses = spec.IPAddresses.Select(i => i.ToString()).ToArray(),
                    KeyAlgorithm = key.Algorithm.ToString(),
                    KeySize = key.KeySize,
                    NewKey = newKey,
                    KeyFileMode = AtomicFile.ModeOf(keyPath),
                };
            }
        }

        private static void EnsureWritable(bool force, params string[] paths)
        {
            if (force) return;
            var existing = Existing(paths);
            if (existing.Count == 0) return;
            var isKey = existing.Any(p => p.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".key", StringComparison.OrdinalIgnoreCase));
            throw new PlatformOpsException(isKey ? "PlatformCertificateKeyExists" : "PlatformCertificateExists",
                System.Management.Automation.ErrorCategory.ResourceExists, existing[0],
                $"'{Path.GetFullPath(existing[0])}' already exists" + (existing.Count > 1 ? $" (and {existing.Count - 1} more)" : string.Empty) +
                ". Nothing was written. Use -Force to replace it (services using the old key must then be given the new files), or write to another -Path.");
        }

        /// <summary>Loads a CA certificate and its key, checking that they belong together and that it is a CA.</summary>
        public static (PlatformCertificate, KeyPair) LoadAuthority(string certificatePath, string? keyPath)
        {
            if (Directory.Exists(certificatePath)) certificatePath = Path.Combine(certificatePath, "ca.crt");
            var cert = CertificateReader.ReadFile(certificatePath, keyPath);
            if (cert.KeyPath == null)
                throw new PlatformOpsException("PlatformCertificateAuthorityKeyNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, certificatePath,
                    $"No private key was found beside the CA certificate '{cert.Path}' (looked for ca-key.pem and ca.key). Give it with -AuthorityKeyPath.");
            if (!cert.IsCertificateAuthority)
                throw new PlatformOpsException("PlatformCertificateAuthorityInvalid", System.Management.Automation.ErrorCategory.InvalidArgument, certificatePath,
                    $"'{cert.Path}' is not a CA certificate (basicConstraints CA:TRUE). Create one with New-PlatformCertificateAuthority.");
            var key = ReadKey(cert.KeyPath, "PlatformCertificateAuthorityKeyInvalid");
            if (cert.KeyMatches != true)
            {
                key.Dispose();
                throw new PlatformOpsException("PlatformCertificateAuthorityKeyMismatch", System.Management.Automation.ErrorCategory.InvalidData, cert.KeyPath,
                    $"The key '{cert.KeyPath}' does not belong to the CA certificate '{cert.Path}'.");
            }
            if (cert.IsExpired)
            {
                key.Dispose();
                throw new PlatformOpsException("PlatformCertificateAuthorityExpired", System.Management.Automation.ErrorCategory.InvalidData, cert.Path,
                    $"The CA certificate '{cert.Path}' expired on {cert.NotAfter:yyyy-MM-dd}. Create a new CA and re-issue its certificates.");
            }
            return (cert, key);
        }

        private static KeyPair ReadKey(string path, string errorId)
        {
            try
            {
                return KeyPair.FromPem(File.ReadAllText(path));
            }
            catch (KeyEncryptedException ex)
            {
                throw new PlatformOpsException(errorId, System.Management.Automation.ErrorCategory.InvalidData, path,
                    $"The key '{path}' is encrypted with a pass phrase; PlatformOps reads unencrypted PEM keys only. Decrypt a copy with 'openssl pkey'.", ex);
            }
            catch (Exception ex) when (ex is InvalidDataException || ex is IOException || ex is UnauthorizedAccessException
                                       || ex is System.Security.Cryptography.CryptographicException || ex is System.Formats.Asn1.AsnContentException)
            {
                throw new PlatformOpsException(errorId, System.Management.Automation.ErrorCategory.InvalidData, path,
                    $"Cannot read the private key '{path}': {PlatformErrors.Reason(ex)}", ex);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>An X.509 certificate as PlatformOps reads it from a file or from a live TLS endpoint.</summary>
    public sealed class PlatformCertificate
    {
        /// <summary>Where it was read: a file path, or host:port for a served certificate.</summary>
        public string Source { get; internal set; } = string.Empty;
        /// <summary>The certificate file, when read from one.</summary>
        public string? Path { get; internal set; }
        /// <summary>The private key file that belongs to it, when one was given or found beside it.</summary>
        public string? KeyPath { get; internal set; }
        /// <summary>The endpoint (host:port) that served it, when read from one.</summary>
        public string? Endpoint { get; internal set; }
        public string Subject { get; internal set; } = string.Empty;
        public string? CommonName { get; internal set; }
        public string[] DnsNames { get; internal set; } = Array.Empty<string>();
        public string[] IPAddresses { get; internal set; } = Array.Empty<string>();
        public string Issuer { get; internal set; } = string.Empty;
        /// <summary>Start of validity, UTC.</summary>
        public DateTime NotBefore { get; internal set; }
        /// <summary>End of validity, UTC.</summary>
        public DateTime NotAfter { get; internal set; }
        /// <summary>Whole days until NotAfter (negative once expired), counted now.</summary>
        public int DaysLeft => (int)Math.Floor((NotAfter - DateTime.UtcNow).TotalDays);
        public bool IsExpired => DateTime.UtcNow > NotAfter;
        /// <summary>RSA, ECDSA, Ed25519, ...</summary>
        public string KeyAlgorithm { get; internal set; } = string.Empty;
        /// <summary>Bits: the RSA modulus size or the curve size.</summary>
        public int KeySize { get; internal set; }
        /// <summary>P-256, P-384 for ECDSA keys.</summary>
        public string? Curve { get; internal set; }
        public string SignatureAlgorithm { get; internal set; } = string.Empty;
        /// <summary>SHA-1 thumbprint, upper-case hex (as Windows and .NET show it).</summary>
        public string Thumbprint { get; internal set; } = string.Empty;
        /// <summary>SHA-256 fingerprint, upper-case hex (as `openssl x509 -fingerprint -sha256` shows it, without colons).</summary>
        public string Sha256Fingerprint { get; internal set; } = string.Empty;
        public string SerialNumber { get; internal set; } = string.Empty;
        /// <summary>Issued by itself and signed by its own key.</summary>
        public bool IsSelfSigned { get; internal set; }
        /// <summary>basicConstraints CA:TRUE.</summary>
        public bool IsCertificateAuthority { get; internal set; }
        /// <summary>Whether the private key in KeyPath belongs to this certificate; null when no key was read.</summary>
        public bool? KeyMatches { get; internal set; }
        /// <summary>The key file's permission bits in octal (e.g. 600); null on Windows or without a key file.</summary>
        public string? KeyFileMode { get; internal set; }
        /// <summary>Why the key could not be compared (encrypted, unreadable, not a key), when it could not.</summary>
        public string? KeyProblem { get; internal set; }
        /// <summary>The TLS protocol negotiated with the endpoint, when read from one.</summary>
        public string? TlsProtocol { get; internal set; }

        internal byte[] RawData { get; set; } = Array.Empty<byte>();
        /// <summary>The certificates that came with it (the rest of a PEM bundle, or what the server sent after its own): intermediates, maybe a root.</summary>
        internal IReadOnlyList<byte[]> ChainData { get; set; } = Array.Empty<byte[]>();
        internal PublicKeyInfo? PublicKeyInfo { get; set; }
        internal string SignatureAlgorithmOid { get; set; } = string.Empty;

        /// <summary>The names a client may use: DNS names and IP addresses from subjectAltName.</summary>
        public IEnumerable<string> Names()
        {
            foreach (var d in DnsNames) yield return d;
            foreach (var i in IPAddresses) yield return i;
        }

        public override string ToString() => $"{Subject} ({Source})";
    }

    /// <summary>A certificate signing request written by New-PlatformCertificateRequest.</summary>
    public sealed class PlatformCertificateRequest
    {
        public string Path { get; internal set; } = string.Empty;
        public string KeyPath { get; internal set; } = string.Empty;
        public string Subject { get; internal set; } = string.Empty;
        public string[] DnsNames { get; internal set; } = Array.Empty<string>();
        public string[] IPAddresses { get; internal set; } = Array.Empty<string>();
        public string KeyAlgorithm { get; internal set; } = string.Empty;
        public int KeySize { get; internal set; }
        /// <summary>The key was created for this request (false when an existing key was reused).</summary>
        public bool NewKey { get; internal set; }
        public string? KeyFileMode { get; internal set; }

        public override string ToString() => Path;
    }

    /// <summary>One finding of Test-PlatformCertificate.</summary>
    public sealed class CertificateCheck
    {
        public CertificateCheck(string name, Verdict status, string detail)
        {
            Name = name;
            Status = status;
            Detail = detail;
        }

        /// <summary>Expiry, KeyMatch, KeyFileMode, HostName, ServedMatchesFile, KeyStrength, SignatureAlgorithm, SubjectAltName.</summary>
        public string Name { get; }
        public Verdict Status { get; }
        public string Detail { get; }

        public override string ToString() => $"{Name}: {Status} - {Detail}";
    }

    /// <summary>The verdict of Test-PlatformCertificate on one certificate, with its reasons.</summary>
    public sealed class PlatformCertificateTest
    {
        /// <summary>The file or endpoint tested.</summary>
        public string Target { get; internal set; } = string.Empty;
        /// <summary>The worst status among the checks.</summary>
        public Verdict Status { get; internal set; }
        public string Subject { get; internal set; } = string.Empty;
        public DateTime NotAfter { get; internal set; }
        public int DaysLeft { get; internal set; }
        /// <summary>The details of every check that did not pass.</summary>
        public string[] Reasons { get; internal set; } = Array.Empty<string>();
        /// <summary>Every check made, passed or not.</summary>
        public CertificateCheck[] Checks { get; internal set; } = Array.Empty<CertificateCheck>();
        /// <summary>The certificate tested (the file's when both a file and an endpoint were given).</summary>
        public PlatformCertificate? Certificate { get; internal set; }
        /// <summary>The certificate the endpoint served, when an endpoint was given.</summary>
        public PlatformCertificate? Served { get; internal set; }

        public override string ToString() => $"{Target}: {Status}";
    }
}

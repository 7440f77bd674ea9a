using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>What goes into a certificate or a request.</summary>
    internal sealed class CertificateSpec
    {
        public string Subject { get; set; } = "CN=localhost";
        public IList<string> DnsNames { get; set; } = new List<string>();
        public IList<IPAddress> IPAddresses { get; set; } = new List<IPAddress>();
        public DateTime NotBefore { get; set; } = DateTime.UtcNow.AddMinutes(-5);
        public DateTime NotAfter { get; set; } = DateTime.UtcNow.AddDays(365);
        public bool IsAuthority { get; set; }
    }

    /// <summary>
    /// Builds X.509 v3 certificates (RFC 5280) and PKCS#10 requests (RFC 2986) in DER, signed with a <see cref="KeyPair"/>.
    /// Hand-built because CertificateRequest is not in .NET Standard 2.0; OpenSSL reads the results back in the tests.
    /// </summary>
    internal static class CertificateBuilder
    {
        private static readonly Dictionary<string, string> Attributes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["CN"] = "2.5.4.3", ["C"] = "2.5.4.6", ["L"] = "2.5.4.7", ["ST"] = "2.5.4.8", ["S"] = "2.5.4.8", ["O"] = "2.5.4.10",
            ["OU"] = "2.5.4.11", ["E"] = "1.2.840.113549.1.9.1", ["EMAILADDRESS"] = "1.2.840.113549.1.9.1",
            ["DC"] = "0.9.2342.19200300.100.1.25", ["SERIALNUMBER"] = "2.5.4.5",
        };

        /// <summary>
        /// Encodes a distinguished name written as "CN=api, O=Example" (RFC 4514 order, most specific first) or as a bare
        /// common name. The DER order is the reverse, as X.500 wants.
        /// </summary>
        public static byte[] EncodeName(string subject)
        {
            var rdns = ParseName(subject);
            rdns.Reverse();
            var sets = rdns.Select(r =>
            {
                var oid = Attributes[r.Key];
                byte[] value = oid == "2.5.4.6" ? Der.Tlv(Der.PrintableString, Encoding.ASCII.GetBytes(r.Value))
                    : oid == "1.2.840.113549.1.9.1" || oid == "0.9.2342.19200300.100.1.25" ? Der.Ia5(r.Value)
                    : Der.Utf8(r.Value);
                return Der.Tlv(Der.Set, Der.Seq(Der.ObjectId(oid), value));
            });
            return Der.Seq(sets);
        }

        internal static List<KeyValuePair<string, string>> ParseName(string subject)
        {
            var text = subject.Trim();
            if (text.Length == 0) throw Invalid(subject, "The subject is empty.");
            if (text.IndexOf('=') < 0) text = "CN=" + text;
            var result = new List<KeyValuePair<string, string>>();
            var sb = new StringBuilder();
            var parts = new List<string>();
            var quoted = false;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\\' && i + 1 < text.Length) { sb.Append(text[++i]); continue; }
                if (c == '"') { quoted = !quoted; continue; }
                if ((c == ',' || c == ';') && !quoted) { parts.Add(sb.ToString()); sb.Clear(); continue; }
                sb.Append(c);
            }
            parts.Add(sb.ToString());
            foreach (var part in parts.Select(p => p.Trim()).Where(p => p.Length > 0))
            {
                var eq = part.IndexOf('=');
                if (eq <= 0) throw Invalid(subject, $"'{part}' is not of the form KEY=value.");
                var key = part.Substring(0, eq).Trim();
                var value = part.Substring(eq + 1).Trim();
                if (!Attributes.ContainsKey(key)) throw Invalid(subject, $"'{key}' is not a known name attribute (use CN, O, OU, L, ST, C, E, DC).");
                if (value.Length == 0) throw Invalid(subject, $"'{key}' has no value.");
                if (string.Equals(key, "C", StringComparison.OrdinalIgnoreCase) && value.Length != 2)
                    throw Invalid(subject, "C (country) must be a two-letter code.");
                result.Add(new KeyValuePair<string, string>(key.ToUpperInvariant(), value));
            }
            return result;
        }

        private static PlatformOpsException Invalid(string subject, string why)
            => new PlatformOpsException("PlatformCertificateSubjectInvalid", System.Management.Automation.ErrorCategory.InvalidArgument, subject,
                $"The subject '{subject}' is not valid: {why}");

        /// <summary>A positive 16-byte random serial number (RFC 5280 allows up to 20 octets).</summary>
        public static byte[] NewSerial()
        {
            var serial = new byte[16];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(serial);
            serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
            return serial;
        }

        private static byte[] Extension(string oid, bool critical, byte[] value)
            => critical ? Der.Seq(Der.ObjectId(oid), Der.Bool(true), Der.Octets(value)) : Der.Seq(Der.ObjectId(oid), Der.Octets(value));

        private static byte[] SubjectAltName(CertificateSpec spec)
        {
            var names = new List<byte[]>();
            foreach (var dns in spec.DnsNames) names.Add(Der.Tlv(0x82, Encoding.ASCII.GetBytes(dns)));
            foreach (var ip in spec.IPAddresses) names.Add(Der.Tlv(0x87, ip.GetAddressBytes()));
            return Der.Seq(names);
        }

        private static List<byte[]> Extensions(CertificateSpec spec, KeyPair subjectKey, bool forRequest)
        {
            var list = new List<byte[]>();
            if (spec.IsAuthority)
            {
                list.Add(Extension(Oids.BasicConstraints, true, Der.Seq(Der.Bool(true), Der.SmallInteger(0))));
                list.Add(Extension(Oids.KeyUsage, true, Der.NamedBits(0, 5, 6)));   // digitalSignature, keyCertSign, cRLSign
            }
            else
            {
                list.Add(Extension(Oids.BasicConstraints, true, Der.Seq()));
                list.Add(Extension(Oids.KeyUsage, true, subjectKey.Algorithm == CertificateKeyAlgorithm.RSA
                    ? Der.NamedBits(0, 2)        // digitalSignature, keyEncipherment
                    : Der.NamedBits(0)));        // digitalSignature
                list.Add(Extension(Oids.ExtendedKeyUsage, false, Der.Seq(Der.ObjectId(Oids.ServerAuth), Der.ObjectId(Oids.ClientAuth))));
            }
            if (spec.DnsNames.Count + spec.IPAddresses.Count > 0)
                list.Add(Extension(Oids.SubjectAltName, false, SubjectAltName(spec)));
            if (!forRequest) list.Add(Extension(Oids.SubjectKeyId, false, Der.Octets(subjectKey.PublicKey().KeyIdentifier())));
            return list;
        }

        /// <summary>
        /// Builds and signs a certificate. With <paramref name="issuer"/> null it is self-signed; otherwise
        /// <paramref name="issuer"/> is the CA certificate and <paramref name="signingKey"/> its key.
        /// </summary>
        public static byte[] BuildCertificate(CertificateSpec spec, KeyPair subjectKey, KeyPair signingKey, PlatformCertificate? issuer)
        {
            var subjectName = EncodeName(spec.Subject);
            byte[] issuerName;
            byte[] authorityKeyId;
            if (issuer == null)
            {
                issuerName = subjectName;
                authorityKeyId = subjectKey.PublicKey().KeyIdentifier();
            }
            else
            {
                var tbs = DerReader.Read(issuer.RawData).Children()[0].Children();
                var offset = tbs[0].Tag == 0xA0 ? 1 : 0;
                issuerName = tbs[offset + 4].Encoded;   // the CA's subject, byte for byte
                authorityKeyId = CertificateReader.KeyIdentifier(issuer);
            }

            var extensions = Extensions(spec, subjectKey, forRequest: false);
            extensions.Add(Extension(Oids.AuthorityKeyId, false, Der.Seq(Der.Tlv(0x80, authorityKeyId))));
            var signatureAlgorithm = signingKey.SignatureAlgorithm();
            var tbsCertificate = Der.Seq(
                Der.Explicit(0, Der.SmallInteger(2)),
                Der.UnsignedInteger(NewSerial()),
                signatureAlgorithm,
                issuerName,
                Der.Seq(Der.Time(spec.NotBefore), Der.Time(spec.NotAfter)),
                subjectName,
                subjectKey.PublicKey().Encode(),
                Der.Explicit(3, Der.Seq(extensions)));
            var signature = signingKey.Sign(tbsCertificate);
            return Der.Seq(tbsCertificate, signatureAlgorithm, Der.Bits(signature));
        }

        /// <summary>Builds a PKCS#10 request with the names as a requested subjectAltName extension.</summary>
        public static byte[] BuildRequest(CertificateSpec spec, KeyPair key)
        {
            var extensions = Der.Seq(Extensions(spec, key, forRequest: true));
            var attributes = Der.Tlv(0xA0, Der.Seq(Der.ObjectId(Oids.ExtensionRequest), Der.Tlv(Der.Set, extensions)));
            var info = Der.Seq(Der.SmallInteger(0), EncodeName(spec.Subject), key.PublicKey().Encode(), attributes);
            var signatureAlgorithm = key.SignatureAlgorithm();
            return Der.Seq(info, signatureAlgorithm, Der.Bits(key.Sign(info)));
        }

        /// <summary>Splits names into DNS names and IP addresses, checking each.</summary>
        public static (List<string> Dns, List<IPAddress> Ips) SplitNames(IEnumerable<string>? dnsNames, IEnumerable<string>? ipAddresses)
        {
            var dns = new List<string>();
            var ips = new List<IPAddress>();
            foreach (var raw in dnsNames ?? Enumerable.Empty<string>())
            {
                var name = raw.Trim().TrimEnd('.');
                if (IPAddress.TryParse(name, out var asIp) && (asIp.AddressFamily == AddressFamily.InterNetwork || asIp.AddressFamily == AddressFamily.InterNetworkV6))
                {
                    if (!ips.Contains(asIp)) ips.Add(asIp);
                    continue;
                }
                if (!IsDnsName(name))
                    throw new PlatformOpsException("PlatformCertificateNameInvalid", System.Management.Automation.ErrorCategory.InvalidArgument, raw,
                        $"'{raw}' is not a DNS name (letters, digits, '-', dots; '*.' allowed as the first label only).");
                if (!dns.Contains(name, StringComparer.OrdinalIgnoreCase)) dns.Add(name.ToLowerInvariant());
            }
            foreach (var raw in ipAddresses ?? Enumerable.Empty<string>())
            {
                if (!IPAddress.TryParse(raw.Trim(), out var ip))
                    throw new PlatformOpsException("PlatformCertificateAddressInvalid", System.Management.Automation.ErrorCategory.InvalidArgument, raw,
                        $"'{raw}' is not an IPv4 or IPv6 address.");
                if (!ips.Contains(ip)) ips.Add(ip);
            }
            return (dns, ips);
        }

        private static bool IsDnsName(string name)
        {
            if (name.Length == 0 || name.Length > 253) return false;
            var labels = name.Split('.');
            for (var i = 0; i < labels.Length; i++)
            {
                var label = labels[i];
                if (i == 0 && label == "*" && labels.Length > 1) continue;
                if (label.Length == 0 || label.Length > 63 || label[0] == '-' || label[label.Length - 1] == '-') return false;
                if (label.Any(c => !(char.IsLetterOrDigit(c) && c < 128) && c != '-' && c != '_')) return false;
            }
            return true;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Formats.Asn1;
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
            try
            {
                return Der.Encode(w =>
                {
                    using (w.PushSequence())
                    {
                        foreach (var r in rdns)
                        {
                            var oid = Attributes[r.Key];
                            using (w.PushSetOf())
                            using (w.PushSequence())
                            {
                                w.WriteObjectIdentifier(oid);
                                var kind = oid == "2.5.4.6" ? UniversalTagNumber.PrintableString
                                    : oid == "1.2.840.113549.1.9.1" || oid == "0.9.2342.19200300.100.1.25" ? UniversalTagNumber.IA5String
                                    : UniversalTagNumber.UTF8String;
                                w.WriteCharacterString(kind, r.Value);
                            }
                        }
                    }
                });
            }
            catch (EncoderFallbackException ex)
            {
                throw Invalid(subject, $"a value holds characters its attribute cannot carry ({ex.Message}).");
            }
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

        private static readonly Asn1Tag DnsNameTag = new Asn1Tag(TagClass.ContextSpecific, 2);
        private static readonly Asn1Tag IPAddressTag = new Asn1Tag(TagClass.ContextSpecific, 7);
        private static readonly Asn1Tag KeyIdentifierTag = new Asn1Tag(TagClass.ContextSpecific, 0);

        /// <summary>One Extension: its OID, critical when it is (DER omits the default FALSE), and its value in an OCTET STRING.</summary>
        private static void Extension(AsnWriter w, string oid, bool critical, Action<AsnWriter> value)
        {
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier(oid);
                if (critical) w.WriteBoolean(true);
                w.WriteOctetString(Der.Encode(value));
            }
        }

        private static void Extensions(AsnWriter w, CertificateSpec spec, KeyPair subjectKey, byte[]? authorityKeyId)
        {
            using (w.PushSequence())
            {
                if (spec.IsAuthority)
                {
                    Extension(w, Oids.BasicConstraints, true, v => v.Sequence(q =>
                    {
                        q.WriteBoolean(true);
                        q.WriteInteger(0);
                    }));
                    Extension(w, Oids.KeyUsage, true, v => v.WriteNamedBits(0, 5, 6));   // digitalSignature, keyCertSign, cRLSign
                }
                else
                {
                    Extension(w, Oids.BasicConstraints, true, v => v.Sequence(_ => { }));
                    Extension(w, Oids.KeyUsage, true, v =>
                    {
                        if (subjectKey.Algorithm == CertificateKeyAlgorithm.RSA) v.WriteNamedBits(0, 2);   // digitalSignature, keyEncipherment
                        else v.WriteNamedBits(0);                                                          // digitalSignature
                    });
                    Extension(w, Oids.ExtendedKeyUsage, false, v => v.Sequence(q =>
                    {
                        q.WriteObjectIdentifier(Oids.ServerAuth);
                        q.WriteObjectIdentifier(Oids.ClientAuth);
                    }));
                }
                if (spec.DnsNames.Count + spec.IPAddresses.Count > 0)
                {
                    Extension(w, Oids.SubjectAltName, false, v => v.Sequence(q =>
                    {
                        foreach (var dns in spec.DnsNames) q.WriteCharacterString(UniversalTagNumber.IA5String, dns, DnsNameTag);
                        foreach (var ip in spec.IPAddresses) q.WriteOctetString(ip.GetAddressBytes(), IPAddressTag);
                    }));
                }
                if (authorityKeyId != null)
                {
                    Extension(w, Oids.SubjectKeyId, false, v => v.WriteOctetString(subjectKey.PublicKey().KeyIdentifier()));
                    Extension(w, Oids.AuthorityKeyId, false, v => v.Sequence(q => q.WriteOctetString(authorityKeyId, KeyIdentifierTag)));
                }
            }
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
                var parsed = CertificateStructure.Parse(issuer.RawData);
                issuerName = parsed.SubjectName;   // the CA's subject, byte for byte
                authorityKeyId = CertificateReader.KeyIdentifier(issuer);
            }

            var signatureAlgorithm = signingKey.SignatureAlgorithm();
            var tbsCertificate = Der.Encode(w =>
            {
                using (w.PushSequence())
                {
                    using (w.PushSequence(Der.Context0)) w.WriteInteger(2);   // v3
                    w.WriteUnsignedInteger(NewSerial());
                    w.WriteEncodedValue(signatureAlgorithm);
                    w.WriteEncodedValue(issuerName);
                    using (w.PushSequence())
                    {
                        w.WriteTime(spec.NotBefore);
                        w.WriteTime(spec.NotAfter);
                    }
                    w.WriteEncodedValue(subjectName);
                    subjectKey.PublicKey().Write(w);
                    using (w.PushSequence(Der.Context3)) Extensions(w, spec, subjectKey, authorityKeyId);
                }
            });
            var signature = signingKey.Sign(tbsCertificate);
            return Der.Encode(w => w.Sequence(q =>
            {
                q.WriteEncodedValue(tbsCertificate);
                q.WriteEncodedValue(signatureAlgorithm);
                q.WriteBitString(signature);
            }));
        }

        /// <summary>Builds a PKCS#10 request with the names as a requested subjectAltName extension.</summary>
        public static byte[] BuildRequest(CertificateSpec spec, KeyPair key)
        {
            var info = Der.Encode(w =>
            {
                using (w.PushSequence())
                {
                    w.WriteInteger(0);
                    w.WriteEncodedValue(EncodeName(spec.Subject));
                    key.PublicKey().Write(w);
                    using (w.PushSetOf(Der.Context0))
                    using (w.PushSequence())
                    {
                        w.WriteObjectIdentifier(Oids.ExtensionRequest);
                        using (w.PushSetOf()) Extensions(w, spec, key, authorityKeyId: null);
                    }
                }
            });
            var signatureAlgorithm = key.SignatureAlgorithm();
            return Der.Encode(w => w.Sequence(q =>
            {
                q.WriteEncodedValue(info);
                q.WriteEncodedValue(signatureAlgorithm);
                q.WriteBitString(key.Sign(info));
            }));
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

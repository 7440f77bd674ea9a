using System;
using System.Collections.Generic;
using System.Formats.Asn1;
using System.Net;

namespace PlatformOps.Certificates
{
    /// <summary>One extension of a certificate: its OID, whether it is critical, and its value (the OCTET STRING content).</summary>
    internal sealed class CertificateExtension
    {
        public CertificateExtension(string oid, bool critical, byte[] value)
        {
            Oid = oid;
            Critical = critical;
            Value = value;
        }

        public string Oid { get; }
        public bool Critical { get; }
        public byte[] Value { get; }
    }

    /// <summary>
    /// An X.509 certificate (RFC 5280 4.1) read strictly with AsnReader under DER rules: every field in its place, nothing
    /// after the last, and the exact bytes of the signed part, the issuer and the subject kept for signatures and chaining.
    /// Throws <see cref="AsnContentException"/> on anything else.
    /// </summary>
    internal sealed class CertificateStructure
    {
        private static readonly Asn1Tag IssuerUniqueId = new Asn1Tag(TagClass.ContextSpecific, 1);
        private static readonly Asn1Tag SubjectUniqueId = new Asn1Tag(TagClass.ContextSpecific, 2);
        private static readonly Asn1Tag DnsNameTag = new Asn1Tag(TagClass.ContextSpecific, 2);
        private static readonly Asn1Tag IPAddressTag = new Asn1Tag(TagClass.ContextSpecific, 7);

        private CertificateStructure() { }

        public int Version { get; private set; }
        public byte[] SerialNumber { get; private set; } = Array.Empty<byte>();
        /// <summary>The DER TBSCertificate, the bytes the signature covers.</summary>
        public byte[] SignedPart { get; private set; } = Array.Empty<byte>();
        public string SignatureAlgorithmOid { get; private set; } = string.Empty;
        public byte[] Signature { get; private set; } = Array.Empty<byte>();
        public byte[] IssuerName { get; private set; } = Array.Empty<byte>();
        public byte[] SubjectName { get; private set; } = Array.Empty<byte>();
        public DateTime NotBefore { get; private set; }
        public DateTime NotAfter { get; private set; }
        public PublicKeyInfo PublicKey { get; private set; } = null!;
        public IReadOnlyList<CertificateExtension> Extensions { get; private set; } = Array.Empty<CertificateExtension>();

        public static CertificateStructure Parse(byte[] der)
        {
            var outer = Der.Reader(der);
            var certificate = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var result = new CertificateStructure { SignedPart = certificate.PeekEncodedValue().ToArray() };

            var tbs = certificate.ReadSequence();
            var (signatureOid, _) = certificate.ReadAlgorithm();
            result.SignatureAlgorithmOid = signatureOid;
            result.Signature = certificate.ReadOctetAlignedBits();
            certificate.ThrowIfNotEmpty();

            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Der.Context0))
            {
                var version = tbs.ReadSequence(Der.Context0);
                if (!version.TryReadInt32(out var v) || v < 0 || v > 2) throw new AsnContentException("The certificate version is not v1, v2 or v3.");
                version.ThrowIfNotEmpty();
                result.Version = v;
            }
            result.SerialNumber = tbs.ReadIntegerBytes().ToArray();
            var (innerSignatureOid, _) = tbs.ReadAlgorithm();
            if (innerSignatureOid != signatureOid)
                throw new AsnContentException("The signature algorithm inside the certificate differs from the one outside (RFC 5280 4.1.1.2).");
            result.IssuerName = ReadName(tbs);
            var validity = tbs.ReadSequence();
            result.NotBefore = validity.ReadTime();
            result.NotAfter = validity.ReadTime();
            validity.ThrowIfNotEmpty();
            result.SubjectName = ReadName(tbs);
            result.PublicKey = PublicKeyInfo.Read(tbs);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(IssuerUniqueId)) tbs.ReadBitString(out _, IssuerUniqueId);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(SubjectUniqueId)) tbs.ReadBitString(out _, SubjectUniqueId);
            var extensions = new List<CertificateExtension>();
            if (tbs.HasData)
            {
                var wrapper = tbs.ReadSequence(Der.Context3);
                var list = wrapper.ReadSequence();
                wrapper.ThrowIfNotEmpty();
                while (list.HasData)
                {
                    var extension = list.ReadSequence();
                    var oid = extension.ReadObjectIdentifier();
                    var critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
                    var value = extension.ReadOctetString();
                    extension.ThrowIfNotEmpty();
                    extensions.Add(new CertificateExtension(oid, critical, value));
                }
            }
            tbs.ThrowIfNotEmpty();
            result.Extensions = extensions;
            return result;
        }

        /// <summary>A Name: a SEQUENCE of SETs of (OID, value) pairs; returns its exact encoding.</summary>
        private static byte[] ReadName(AsnReader reader)
        {
            var encoded = reader.PeekEncodedValue().ToArray();
            var name = reader.ReadSequence();
            while (name.HasData)
            {
                var set = name.ReadSetOf();
                if (!set.HasData) throw new AsnContentException("An empty relative distinguished name.");
                while (set.HasData)
                {
                    var attribute = set.ReadSequence();
                    attribute.ReadObjectIdentifier();
                    attribute.ReadEncodedValue();
                    attribute.ThrowIfNotEmpty();
                }
            }
            return encoded;
        }

        public CertificateExtension? Extension(string oid)
        {
            foreach (var e in Extensions) if (e.Oid == oid) return e;
            return null;
        }

        /// <summary>basicConstraints cA (false when the extension is absent).</summary>
        public bool IsAuthority()
        {
            var extension = Extension(Oids.BasicConstraints);
            if (extension == null) return false;
            var outer = Der.Reader(extension.Value);
            var constraints = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var ca = constraints.HasData && constraints.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && constraints.ReadBoolean();
            if (constraints.HasData) constraints.ReadInteger();   // pathLenConstraint
            constraints.ThrowIfNotEmpty();
            return ca;
        }

        /// <summary>subjectAltName: the DNS names and IP addresses (other kinds of names are skipped).</summary>
        public (List<string> Dns, List<string> Ips) SubjectAltNames()
        {
            var dns = new List<string>();
            var ips = new List<string>();
            var extension = Extension(Oids.SubjectAltName);
            if (extension == null) return (dns, ips);
            var outer = Der.Reader(extension.Value);
            var names = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(DnsNameTag)) dns.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, DnsNameTag));
                else if (tag.HasSameClassAndValue(IPAddressTag))
                {
                    var address = names.ReadOctetString(IPAddressTag);
                    if (address.Length == 4 || address.Length == 16) ips.Add(new IPAddress(address).ToString());
                }
                else names.ReadEncodedValue();
            }
            return (dns, ips);
        }

        /// <summary>subjectKeyIdentifier, when present.</summary>
        public byte[]? SubjectKeyIdentifier()
        {
            var extension = Extension(Oids.SubjectKeyId);
            if (extension == null) return null;
            var outer = Der.Reader(extension.Value);
            var id = outer.ReadOctetString();
            outer.ThrowIfNotEmpty();
            return id;
        }
    }
}

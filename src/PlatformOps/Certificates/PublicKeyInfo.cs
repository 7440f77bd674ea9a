using System;
using System.Formats.Asn1;
using System.IO;
using System.Linq;
using System.Security.Cryptography;

namespace PlatformOps.Certificates
{
    /// <summary>A SubjectPublicKeyInfo: the algorithm, its size, the public numbers, and signature verification.</summary>
    internal sealed class PublicKeyInfo
    {
        private PublicKeyInfo(string algorithmOid, string? curveOid, byte[] keyBits)
        {
            AlgorithmOid = algorithmOid;
            CurveOid = curveOid;
            KeyBits = keyBits;
        }

        public string AlgorithmOid { get; }
        public string? CurveOid { get; }
        /// <summary>The BIT STRING content: RSAPublicKey DER for RSA, the uncompressed point for EC.</summary>
        public byte[] KeyBits { get; }

        public static PublicKeyInfo ForRsa(byte[] modulus, byte[] exponent)
            => new PublicKeyInfo(Oids.Rsa, null, Der.Encode(w => w.Sequence(s =>
            {
                s.WriteUnsignedInteger(modulus);
                s.WriteUnsignedInteger(exponent);
            })));

        public static PublicKeyInfo ForEc(string curveOid, byte[] x, byte[] y)
        {
            var fieldBytes = (Oids.CurveBits(curveOid) + 7) / 8;
            var point = new byte[1 + 2 * fieldBytes];
            point[0] = 0x04;
            Buffer.BlockCopy(KeyPair.LeftPad(x, fieldBytes), 0, point, 1, fieldBytes);
            Buffer.BlockCopy(KeyPair.LeftPad(y, fieldBytes), 0, point, 1 + fieldBytes, fieldBytes);
            return new PublicKeyInfo(Oids.EcPublicKey, curveOid, point);
        }

        /// <summary>Reads a SubjectPublicKeyInfo SEQUENCE; an RSA key's numbers are checked to be a well-formed RSAPublicKey.</summary>
        public static PublicKeyInfo Read(AsnReader reader)
        {
            var spki = reader.ReadSequence();
            var (oid, curve) = spki.ReadAlgorithm();
            var bits = spki.ReadOctetAlignedBits();
            spki.ThrowIfNotEmpty();
            var info = new PublicKeyInfo(oid, curve, bits);
            if (oid == Oids.Rsa) info.RsaNumbers();
            return info;
        }

        /// <summary>The DER SubjectPublicKeyInfo.</summary>
        public byte[] Encode() => Der.Encode(Write);

        public void Write(AsnWriter writer)
        {
            using (writer.PushSequence())
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(AlgorithmOid);
                    if (AlgorithmOid == Oids.Rsa) writer.WriteNull();
                    else if (CurveOid != null) writer.WriteObjectIdentifier(CurveOid);
                }
                writer.WriteBitString(KeyBits);
            }
        }

        /// <summary>The modulus and exponent of an RSA key (RSAPublicKey, RFC 8017).</summary>
        private (byte[] Modulus, byte[] Exponent) RsaNumbers()
        {
            var outer = Der.Reader(KeyBits);
            var key = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var modulus = key.ReadUnsignedInteger();
            var exponent = key.ReadUnsignedInteger();
            key.ThrowIfNotEmpty();
            return (modulus, exponent);
        }

        /// <summary>RFC 5280 method 1 key identifier: SHA-1 of the public key bits.</summary>
        // CA5350: RFC 5280 defines the key identifier as SHA-1; it names a key, it protects nothing.
#pragma warning disable CA5350
        public byte[] KeyIdentifier()
        {
            using var sha1 = SHA1.Create();
            return sha1.ComputeHash(KeyBits);
        }
#pragma warning restore CA5350

        public string AlgorithmName => AlgorithmOid switch
        {
            Oids.Rsa => "RSA",
            Oids.EcPublicKey => "ECDSA",
            Oids.Ed25519 => "Ed25519",
            "1.3.101.113" => "Ed448",
            "1.2.840.10040.4.1" => "DSA",
            _ => AlgorithmOid,
        };

        public int KeySize
        {
            get
            {
                if (AlgorithmOid == Oids.Rsa)
                {
                    var modulus = RsaNumbers().Modulus;
                    var bits = modulus.Length * 8;
                    for (var b = modulus[0]; (b & 0x80) == 0 && bits > 0; b <<= 1) bits--;
                    return bits;
                }
                if (AlgorithmOid == Oids.EcPublicKey) return Oids.CurveBits(CurveOid);
                if (AlgorithmOid == Oids.Ed25519) return 256;
                return 0;
            }
        }

        public bool SameKeyAs(PublicKeyInfo other)
            => AlgorithmOid == other.AlgorithmOid && CurveOid == other.CurveOid && KeyBits.SequenceEqual(other.KeyBits);

        /// <summary>Verifies a signature made by the private half of this key; false when invalid or of an unsupported kind.</summary>
        public bool Verify(byte[] data, byte[] signature, string signatureOid)
        {
            try
            {
                HashAlgorithmName hash;
                switch (signatureOid)
                {
                    case Oids.Sha256WithRsa: case Oids.EcdsaSha256: hash = HashAlgorithmName.SHA256; break;
                    case Oids.Sha384WithRsa: case Oids.EcdsaSha384: hash = HashAlgorithmName.SHA384; break;
                    case Oids.Sha512WithRsa: case Oids.EcdsaSha512: hash = HashAlgorithmName.SHA512; break;
                    case Oids.Sha1WithRsa: case Oids.EcdsaSha1: hash = HashAlgorithmName.SHA1; break;
                    default: return false;
                }
                if (AlgorithmOid == Oids.Rsa)
                {
                    var (modulus, exponent) = RsaNumbers();
                    using var rsa = RSA.Create();
                    rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = exponent });
                    return rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
                }
                if (AlgorithmOid == Oids.EcPublicKey && CurveOid != null)
                {
                    var fieldBytes = (Oids.CurveBits(CurveOid) + 7) / 8;
                    if (fieldBytes == 0 || KeyBits.Length != 1 + 2 * fieldBytes) return false;
                    using var ec = ECDsa.Create();
                    ec.ImportParameters(new ECParameters
                    {
                        Curve = ECCurve.CreateFromValue(CurveOid),
                        Q = new ECPoint { X = KeyBits.Skip(1).Take(fieldBytes).ToArray(), Y = KeyBits.Skip(1 + fieldBytes).ToArray() },
                    });
                    var outer = Der.Reader(signature);
                    var rs = outer.ReadSequence();
                    outer.ThrowIfNotEmpty();
                    var r = KeyPair.LeftPad(rs.ReadUnsignedInteger(), fieldBytes);
                    var s = KeyPair.LeftPad(rs.ReadUnsignedInteger(), fieldBytes);
                    rs.ThrowIfNotEmpty();
                    var p1363 = new byte[2 * fieldBytes];
                    Buffer.BlockCopy(r, 0, p1363, 0, fieldBytes);
                    Buffer.BlockCopy(s, 0, p1363, fieldBytes, fieldBytes);
                    return ec.VerifyData(data, p1363, hash);
                }
                return false;
            }
            catch (CryptographicException)
            {
                return false;
            }
            catch (InvalidDataException)
            {
                return false;
            }
            catch (AsnContentException)
            {
                return false;
            }
        }
    }
}

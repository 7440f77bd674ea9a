using System;
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
            => new PublicKeyInfo(Oids.Rsa, null, Der.Seq(Der.UnsignedInteger(modulus), Der.UnsignedInteger(exponent)));

        public static PublicKeyInfo ForEc(string curveOid, byte[] x, byte[] y)
        {
            var fieldBytes = (Oids.CurveBits(curveOid) + 7) / 8;
            return new PublicKeyInfo(Oids.EcPublicKey, curveOid,
                Der.Concat(new byte[] { 0x04 }, KeyPair.LeftPad(x, fieldBytes), KeyPair.LeftPad(y, fieldBytes)));
        }

        public static PublicKeyInfo Parse(DerElement spki)
        {
            var items = spki.Children();
            var algorithm = items[0].Children();
            var oid = algorithm[0].ObjectId();
            string? curve = algorithm.Count > 1 && algorithm[1].Tag == Der.Oid ? algorithm[1].ObjectId() : null;
            return new PublicKeyInfo(oid, curve, items[1].BitStringBytes());
        }

        /// <summary>The DER SubjectPublicKeyInfo.</summary>
        public byte[] Encode()
        {
            var algorithm = AlgorithmOid == Oids.Rsa ? Der.Seq(Der.ObjectId(Oids.Rsa), Der.NullValue())
                : CurveOid != null ? Der.Seq(Der.ObjectId(AlgorithmOid), Der.ObjectId(CurveOid))
                : Der.Seq(Der.ObjectId(AlgorithmOid));
            return Der.Seq(algorithm, Der.Bits(KeyBits));
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
                    var modulus = DerReader.Read(KeyBits).Children()[0].UnsignedInteger();
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
                    var f = DerReader.Read(KeyBits).Children();
                    using var rsa = RSA.Create();
                    rsa.ImportParameters(new RSAParameters { Modulus = f[0].UnsignedInteger(), Exponent = f[1].UnsignedInteger() });
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
                    var rs = DerReader.Read(signature).Children();
                    var p1363 = Der.Concat(KeyPair.LeftPad(rs[0].UnsignedInteger(), fieldBytes), KeyPair.LeftPad(rs[1].UnsignedInteger(), fieldBytes));
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
        }
    }
}

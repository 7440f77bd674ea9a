using System;
using System.Formats.Asn1;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>The key algorithms PlatformOps generates.</summary>
    public enum CertificateKeyAlgorithm
    {
        RSA,
        ECDSA,
    }

    /// <summary>Object identifiers used by the certificate code.</summary>
    internal static class Oids
    {
        public const string Rsa = "1.2.840.113549.1.1.1";
        public const string EcPublicKey = "1.2.840.10045.2.1";
        public const string Ed25519 = "1.3.101.112";
        public const string P256 = "1.2.840.10045.3.1.7";
        public const string P384 = "1.3.132.0.34";
        public const string P521 = "1.3.132.0.35";
        public const string Sha256WithRsa = "1.2.840.113549.1.1.11";
        public const string Sha384WithRsa = "1.2.840.113549.1.1.12";
        public const string Sha512WithRsa = "1.2.840.113549.1.1.13";
        public const string Sha1WithRsa = "1.2.840.113549.1.1.5";
        public const string Md5WithRsa = "1.2.840.113549.1.1.4";
        public const string RsaPss = "1.2.840.113549.1.1.10";
        public const string EcdsaSha1 = "1.2.840.10045.4.1";
        public const string EcdsaSha256 = "1.2.840.10045.4.3.2";
        public const string EcdsaSha384 = "1.2.840.10045.4.3.3";
        public const string EcdsaSha512 = "1.2.840.10045.4.3.4";
        public const string SubjectAltName = "2.5.29.17";
        public const string BasicConstraints = "2.5.29.19";
        public const string KeyUsage = "2.5.29.15";
        public const string ExtendedKeyUsage = "2.5.29.37";
        public const string SubjectKeyId = "2.5.29.14";
        public const string AuthorityKeyId = "2.5.29.35";
        public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
        public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
        public const string ExtensionRequest = "1.2.840.113549.1.9.14";

        public static string SignatureName(string oid) => oid switch
        {
            Sha256WithRsa => "sha256RSA",
            Sha384WithRsa => "sha384RSA",
            Sha512WithRsa => "sha512RSA",
            Sha1WithRsa => "sha1RSA",
            Md5WithRsa => "md5RSA",
            RsaPss => "RSASSA-PSS",
            EcdsaSha1 => "sha1ECDSA",
            EcdsaSha256 => "sha256ECDSA",
            EcdsaSha384 => "sha384ECDSA",
            EcdsaSha512 => "sha512ECDSA",
            "1.3.101.112" => "Ed25519",
            _ => oid,
        };

        public static bool IsWeakSignature(string oid) => oid == Sha1WithRsa || oid == Md5WithRsa || oid == EcdsaSha1 || oid == "1.2.840.113549.1.1.2";

        public static int CurveBits(string? curveOid) => curveOid switch
        {
            P256 => 256,
            P384 => 384,
            P521 => 521,
            _ => 0,
        };

        public static string CurveName(string? curveOid) => curveOid switch
        {
            P256 => "P-256",
            P384 => "P-384",
            P521 => "P-521",
            _ => curveOid ?? "unknown",
        };
    }

    /// <summary>
    /// A private key (RSA or ECDSA) with the encodings certificates need: PKCS#8, SubjectPublicKeyInfo, signatures.
    /// Keys are read from PKCS#8, PKCS#1 and SEC1 PEM without the runtime's PEM helpers (absent in .NET Standard 2.0).
    /// </summary>
    internal sealed class KeyPair : IDisposable
    {
        private readonly RSA? _rsa;
        private readonly ECDsa? _ec;
        private readonly string? _curveOid;

        private KeyPair(RSA rsa)
        {
            _rsa = rsa;
            KeySize = rsa.KeySize;
        }

        private KeyPair(ECDsa ec, string curveOid)
        {
            _ec = ec;
            _curveOid = curveOid;
            KeySize = Oids.CurveBits(curveOid);
        }

        public CertificateKeyAlgorithm Algorithm => _rsa != null ? CertificateKeyAlgorithm.RSA : CertificateKeyAlgorithm.ECDSA;
        public int KeySize { get; }

        public static KeyPair Generate(CertificateKeyAlgorithm algorithm, int keySize)
        {
            if (algorithm == CertificateKeyAlgorithm.RSA)
            {
                if (keySize < 2048 || keySize > 16384 || keySize % 8 != 0)
                    throw new PlatformOpsException("PlatformCertificateKeySizeInvalid", System.Management.Automation.ErrorCategory.InvalidArgument, keySize,
                        $"An RSA key of {keySize} bits is not allowed. Use 2048, 3072 or 4096.");
                var rsa = RSA.Create();
                rsa.KeySize = keySize;
                rsa.ExportParameters(false);   // generate now, not lazily in the middle of a write
                return new KeyPair(rsa);
            }
            var (curve, oid) = keySize switch
            {
                256 => (ECCurve.NamedCurves.nistP256, Oids.P256),
                384 => (ECCurve.NamedCurves.nistP384, Oids.P384),
                521 => (ECCurve.NamedCurves.nistP521, Oids.P521),
                _ => throw new PlatformOpsException("PlatformCertificateKeySizeInvalid", System.Management.Automation.ErrorCategory.InvalidArgument, keySize,
                    $"An ECDSA key of {keySize} bits is not allowed. Use 256 (P-256) or 384 (P-384)."),
            };
            return new KeyPair(ECDsa.Create(curve), oid);
        }

        /// <summary>The DER AlgorithmIdentifier of the signatures this key makes (SHA-256 for RSA and P-256, SHA-384 for P-384).</summary>
        public byte[] SignatureAlgorithm() => Der.Encode(w =>
        {
            using (w.PushSequence())
            {
                if (_rsa != null)
                {
                    w.WriteObjectIdentifier(Oids.Sha256WithRsa);
                    w.WriteNull();
                }
                else
                {
                    w.WriteObjectIdentifier(KeySize >= 384 ? (KeySize > 384 ? Oids.EcdsaSha512 : Oids.EcdsaSha384) : Oids.EcdsaSha256);
                }
            }
        });

        private HashAlgorithmName Hash => _rsa != null || KeySize <= 256 ? HashAlgorithmName.SHA256
            : KeySize <= 384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA512;

        /// <summary>Signs data; ECDSA signatures are converted from IEEE P1363 (r||s) to the DER form X.509 uses.</summary>
        public byte[] Sign(byte[] data)
        {
            if (_rsa != null) return _rsa.SignData(data, Hash, RSASignaturePadding.Pkcs1);
            var p1363 = _ec!.SignData(data, Hash);
            var half = p1363.Length / 2;
            var r = new byte[half];
            var s = new byte[half];
            Buffer.BlockCopy(p1363, 0, r, 0, half);
            Buffer.BlockCopy(p1363, half, s, 0, half);
            return Der.Encode(w => w.Sequence(q =>
            {
                q.WriteUnsignedInteger(r);
                q.WriteUnsignedInteger(s);
            }));
        }

        public PublicKeyInfo PublicKey()
        {
            if (_rsa != null)
            {
                var p = _rsa.ExportParameters(false);
                return PublicKeyInfo.ForRsa(p.Modulus!, p.Exponent!);
            }
            var e = _ec!.ExportParameters(false);
            return PublicKeyInfo.ForEc(_curveOid!, e.Q.X!, e.Q.Y!);
        }

        /// <summary>PKCS#8 PrivateKeyInfo DER ("PRIVATE KEY" in PEM), which OpenSSL, PostgreSQL, Redis and nginx read.</summary>
        public byte[] Pkcs8()
        {
            byte[] inner;
            string? curve = null;
            if (_rsa != null)
            {
                var p = _rsa.ExportParameters(true);
                try
                {
                    inner = Der.Encode(w => w.Sequence(q =>
                    {
                        q.WriteInteger(0);
                        foreach (var number in new[] { p.Modulus!, p.Exponent!, p.D!, p.P!, p.Q!, p.DP!, p.DQ!, p.InverseQ! }) q.WriteUnsignedInteger(number);
                    }));
                }
                finally
                {
                    foreach (var secret in new[] { p.D, p.P, p.Q, p.DP, p.DQ, p.InverseQ }) if (secret != null) Array.Clear(secret, 0, secret.Length);
                }
            }
            else
            {
                var e = _ec!.ExportParameters(true);
                var fieldBytes = (KeySize + 7) / 8;
                curve = _curveOid!;
                var d = LeftPad(e.D!, fieldBytes);
                try
                {
                    inner = Der.Encode(w => w.Sequence(q =>
                    {
                        q.WriteInteger(1);
                        q.WriteOctetString(d);
                        using (q.PushSequence(Der.Context1)) q.WriteBitString(PublicKey().KeyBits);
                    }));
                }
                finally
                {
                    Array.Clear(d, 0, d.Length);
                    Array.Clear(e.D!, 0, e.D!.Length);
                }
            }
            try
            {
                return Der.Encode(w => w.Sequence(q =>
                {
                    q.WriteInteger(0);
                    using (q.PushSequence())
                    {
                        q.WriteObjectIdentifier(_rsa != null ? Oids.Rsa : Oids.EcPublicKey);
                        if (curve == null) q.WriteNull();
                        else q.WriteObjectIdentifier(curve);
                    }
                    q.WriteOctetString(inner);
                }));
            }
            finally
            {
                Array.Clear(inner, 0, inner.Length);
            }
        }

        public string ToPem() => Pem.Encode("PRIVATE KEY", Pkcs8());

        /// <summary>Reads the first private key of a PEM text (PKCS#8, PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY").</summary>
        /// <exception cref="KeyEncryptedException">The key is encrypted with a pass phrase.</exception>
        /// <exception cref="AsnContentException">The key is not valid DER.</exception>
        public static KeyPair FromPem(string text)
        {
            foreach (var block in Pem.Decode(text))
            {
                if (block.Label == "ENCRYPTED PRIVATE KEY" || (block.LegacyEncrypted && block.Label.EndsWith("PRIVATE KEY", StringComparison.Ordinal)))
                    throw new KeyEncryptedException();
                switch (block.Label)
                {
                    case "PRIVATE KEY": return FromPkcs8(block.Data);
                    case "RSA PRIVATE KEY": return FromPkcs1(Single(block.Data));
                    case "EC PRIVATE KEY": return FromSec1(Single(block.Data), null);
                }
            }
            throw new InvalidDataException("No private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) was found.");
        }

        /// <summary>The one SEQUENCE that <paramref name="der"/> holds, with nothing after it.</summary>
        private static AsnReader Single(byte[] der)
        {
            var outer = Der.Reader(der);
            var sequence = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            return sequence;
        }

        public static KeyPair FromPkcs8(byte[] der)
        {
            var info = Single(der);
            info.ReadInteger();   // version
            var (oid, curve) = info.ReadAlgorithm();
            var inner = Single(info.ReadOctetString());
            if (oid == Oids.Rsa) return FromPkcs1(inner);
            if (oid == Oids.EcPublicKey) return FromSec1(inner, curve);
            throw new InvalidDataException($"Private keys of algorithm {oid} are not supported (RSA and ECDSA are).");
        }

        private static KeyPair FromPkcs1(AsnReader sequence)
        {
            sequence.ReadInteger();   // version
            var modulus = sequence.ReadUnsignedInteger();
            var exponent = sequence.ReadUnsignedInteger();
            var numbers = new byte[6][];
            for (var i = 0; i < numbers.Length; i++) numbers[i] = sequence.ReadUnsignedInteger();
            var half = (modulus.Length + 1) / 2;
            var p = new RSAParameters
            {
                Modulus = modulus,
                Exponent = exponent,
                D = LeftPad(numbers[0], modulus.Length),
                P = LeftPad(numbers[1], half),
                Q = LeftPad(numbers[2], half),
                DP = LeftPad(numbers[3], half),
                DQ = LeftPad(numbers[4], half),
                InverseQ = LeftPad(numbers[5], half),
            };
            var rsa = RSA.Create();
            try
            {
                rsa.ImportParameters(p);
            }
            catch
            {
                rsa.Dispose();
                throw;
            }
            return new KeyPair(rsa);
        }

        private static KeyPair FromSec1(AsnReader sequence, string? curveOid)
        {
            sequence.ReadInteger();   // version 1
            var d = sequence.ReadOctetString();
            byte[]? point = null;
            while (sequence.HasData)
            {
                var tag = sequence.PeekTag();
                if (tag.HasSameClassAndValue(Der.Context0))
                {
                    var parameters = sequence.ReadSequence(Der.Context0);
                    var named = parameters.ReadObjectIdentifier();
                    parameters.ThrowIfNotEmpty();
                    curveOid ??= named;
                }
                else if (tag.HasSameClassAndValue(Der.Context1))
                {
                    var publicKey = sequence.ReadSequence(Der.Context1);
                    point = publicKey.ReadOctetAlignedBits();
                    publicKey.ThrowIfNotEmpty();
                }
                else
                {
                    sequence.ReadEncodedValue();
                }
            }
            if (curveOid == null) throw new InvalidDataException("The EC private key does not name its curve.");
            var fieldBytes = (Oids.CurveBits(curveOid) + 7) / 8;
            if (fieldBytes == 0) throw new InvalidDataException($"The curve {curveOid} is not supported (P-256, P-384 and P-521 are).");
            var ecParameters = new ECParameters { Curve = ECCurve.CreateFromValue(curveOid), D = LeftPad(d, fieldBytes) };
            if (point != null && point.Length == 1 + 2 * fieldBytes && point[0] == 0x04)
            {
                ecParameters.Q = new ECPoint
                {
                    X = point.Skip(1).Take(fieldBytes).ToArray(),
                    Y = point.Skip(1 + fieldBytes).Take(fieldBytes).ToArray(),
                };
            }
            var ec = ECDsa.Create();
            try
            {
                ec.ImportParameters(ecParameters);
            }
            catch
            {
                ec.Dispose();
                throw;
            }
            return new KeyPair(ec, curveOid);
        }

        internal static byte[] LeftPad(byte[] value, int length)
        {
            if (value.Length == length) return value;
            if (value.Length > length)
            {
                var skip = value.Length - length;
                if (value.Take(skip).Any(b => b != 0)) throw new InvalidDataException("A key component is longer than its field.");
                return value.Skip(skip).ToArray();
            }
            var result = new byte[length];
            Buffer.BlockCopy(value, 0, result, length - value.Length, value.Length);
            return result;
        }

        public void Dispose()
        {
            _rsa?.Dispose();
            _ec?.Dispose();
        }
    }

    /// <summary>The private key is protected by a pass phrase, so it cannot be compared with a certificate.</summary>
    [Serializable]
    public sealed class KeyEncryptedException : Exception
    {
        public KeyEncryptedException() : base("The private key is encrypted with a pass phrase.") { }
        public KeyEncryptedException(string message) : base(message) { }
        public KeyEncryptedException(string message, Exception inner) : base(message, inner) { }
    }
}

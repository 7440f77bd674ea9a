using System;
using System.IO;
using System.Linq;
using PlatformOps.Certificates;
using PlatformOps.Common;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Certificates
{
    /// <summary>
    /// Test-PlatformCertificate judges the issuer chain: against the given CA (-CaPath) or the system store, and says
    /// which. OpenSSL (openssl verify) and python's cryptography make the chains and agree with each verdict.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class CertificateTrustTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly string _dir;

        public CertificateTrustTests(PowerShellFixture ps)
        {
            _ps = ps;
            _dir = Tool.TempFolder("po-trust");
        }

        public void Dispose()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { }
        }

        private PlatformCertificateTest TestOne(string script, params object[] args)
        {
            var r = _ps.Invoke(script, args);
            r.ShouldSucceed();
            return Assert.Single(r.Objects<PlatformCertificateTest>());
        }

        private static CertificateCheck Trust(PlatformCertificateTest t) => Assert.Single(t.Checks, c => c.Name == "Trust");

        [Fact]
        public void A_leaf_of_the_modules_own_CA_passes_with_CaPath_and_a_self_signed_one_fails_as_untrusted()
        {
            var r = _ps.Invoke("$ca = New-PlatformCertificateAuthority -Path $args[0] -KeySize 2048; " +
                               "New-PlatformCertificate -Path $args[1] -KeyAlgorithm ECDSA -DnsName api.test -Authority $ca | Out-Null; " +
                               "New-PlatformCertificate -Path $args[2] -KeyAlgorithm ECDSA -DnsName api.test | Out-Null",
                Path.Combine(_dir, "ca"), Path.Combine(_dir, "leaf"), Path.Combine(_dir, "self"));
            r.ShouldSucceed();
            var ca = Path.Combine(_dir, "ca", "ca.crt");
            var leaf = Path.Combine(_dir, "leaf", "certificate.crt");
            var self = Path.Combine(_dir, "self", "certificate.crt");
            Assert.Contains(": OK", Tool.OpenSsl("verify", "-CAfile", ca, leaf));
            Assert.NotEqual(0, TestProcess.Run("openssl", "verify", "-CAfile", ca, self).ExitCode);

            var good = TestOne("Test-PlatformCertificate -Path $args[0] -CaPath $args[1] -HostName api.test", leaf, ca);
            Assert.Equal(Verdict.Pass, good.Status);
            Assert.Equal(Verdict.Pass, Trust(good).Status);
            Assert.Contains(ca, Trust(good).Detail);

            var selfSigned = TestOne("Test-PlatformCertificate -Path $args[0] -CaPath $args[1] -HostName api.test", self, ca);
            Assert.Equal(Verdict.Fail, selfSigned.Status);
            Assert.Equal(Verdict.Fail, Trust(selfSigned).Status);
            Assert.Contains("untrusted issuer", Trust(selfSigned).Detail);
            Assert.Contains("self-signed", Trust(selfSigned).Detail);

            // Without -CaPath the system store judges: neither the local CA's leaf nor the self-signed one is trusted there.
            foreach (var file in new[] { leaf, self })
            {
                var t = TestOne("Test-PlatformCertificate -Path $args[0] -HostName api.test", file);
                Assert.Equal(Verdict.Fail, t.Status);
                Assert.Contains("untrusted issuer", Trust(t).Detail);
                Assert.Contains("system", Trust(t).Detail);
            }

            // The same verdict for what an endpoint serves.
            using var server = new TlsServer(leaf, Path.Combine(_dir, "leaf", "key.pem"));
            var served = TestOne("Test-PlatformCertificate -Server 127.0.0.1 -Port $args[0] -Protocol Tls -CaPath $args[1]", server.Port, ca);
            Assert.Equal(Verdict.Pass, Trust(served).Status);
            var servedUntrusted = TestOne("Test-PlatformCertificate -Server 127.0.0.1 -Port $args[0] -Protocol Tls", server.Port);
            Assert.Equal(Verdict.Fail, Trust(servedUntrusted).Status);
        }

        [Fact]
        public void An_expired_intermediate_fails_the_chain_and_a_valid_one_passes()
        {
            var script = Path.Combine(_dir, "chain.py");
            File.WriteAllText(script, ChainScript);
            var (code, output) = TestProcess.Run("python3", script, _dir);
            Assert.True(code == 0, output);
            var root = Path.Combine(_dir, "root.crt");
            foreach (var kind in new[] { "expired", "valid" })
            {
                var verify = TestProcess.Run("openssl", "verify", "-CAfile", root, "-untrusted", Path.Combine(_dir, $"inter-{kind}.crt"), Path.Combine(_dir, $"leaf-{kind}.crt"));
                Assert.True(kind == "valid" ? verify.ExitCode == 0 : verify.ExitCode != 0, verify.Output);
            }

            // The leaf file holds its chain (leaf, then intermediate), as servers are configured.
            var ok = TestOne("Test-PlatformCertificate -Path $args[0] -CaPath $args[1]", Path.Combine(_dir, "chain-valid.crt"), root);
            Assert.Equal(Verdict.Pass, Trust(ok).Status);
            var expired = TestOne("Test-PlatformCertificate -Path $args[0] -CaPath $args[1]", Path.Combine(_dir, "chain-expired.crt"), root);
            Assert.Equal(Verdict.Fail, expired.Status);
            Assert.Equal(Verdict.Fail, Trust(expired).Status);
            Assert.Contains("CN=Expired Intermediate", Trust(expired).Detail);
            Assert.Contains("expired", Trust(expired).Detail);
            // Without the intermediate the chain cannot be built at all.
            var partial = TestOne("Test-PlatformCertificate -Path $args[0] -CaPath $args[1]", Path.Combine(_dir, "leaf-valid.crt"), root);
            Assert.Equal(Verdict.Fail, Trust(partial).Status);
            Assert.Contains("untrusted issuer", Trust(partial).Detail);

            // A server that sends the intermediate in its handshake is judged on the chain it sent.
            using var server = new TlsServer(Path.Combine(_dir, "leaf-expired.crt"), Path.Combine(_dir, "leaf-expired.key"), Path.Combine(_dir, "inter-expired.crt"));
            var served = TestOne("Test-PlatformCertificate -Server 127.0.0.1 -Port $args[0] -Protocol Tls -CaPath $args[1]", server.Port, root);
            Assert.Equal(Verdict.Fail, Trust(served).Status);
            Assert.Contains("CN=Expired Intermediate", Trust(served).Detail);
        }

        [Fact]
        public void A_CaPath_that_holds_no_certificate_is_a_clear_error()
        {
            var empty = Path.Combine(_dir, "empty.crt");
            File.WriteAllText(empty, "not a certificate\n");
            var r = _ps.Invoke("New-PlatformCertificate -Path $args[0] -KeySize 2048 | Out-Null; Test-PlatformCertificate -Path (Join-Path $args[0] certificate.crt) -CaPath $args[1]",
                Path.Combine(_dir, "x"), empty);
            Assert.Equal("PlatformCertificateAuthorityInvalid", r.ErrorId);
            Assert.Contains(empty, r.ErrorMessage);
            var missing = _ps.Invoke("Test-PlatformCertificate -Path (Join-Path $args[0] certificate.crt) -CaPath $args[1]", Path.Combine(_dir, "x"), Path.Combine(_dir, "nope.crt"));
            Assert.Equal("PlatformCertificateAuthorityNotFound", missing.ErrorId);
        }

        private const string ChainScript = @"
import sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

out = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
day = datetime.timedelta(days=1)

def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

def make(subject, issuer, key, signer, start, end, ca):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if ca:
        b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                          key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
    else:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName('chain.test')]), critical=False)
    return b.sign(signer, hashes.SHA256())

def pem(c):
    return c.public_bytes(serialization.Encoding.PEM)

root_key = ec.generate_private_key(ec.SECP256R1())
root = make(name('Chain Root'), name('Chain Root'), root_key, root_key, now - day, now + 3650 * day, True)
open(f'{out}/root.crt', 'wb').write(pem(root))
for kind, start, end in (('expired', now - 400 * day, now - 30 * day), ('valid', now - day, now + 365 * day)):
    ikey = ec.generate_private_key(ec.SECP256R1())
    inter = make(name(f'{kind.capitalize()} Intermediate'), root.subject, ikey, root_key, start, end, True)
    lkey = ec.generate_private_key(ec.SECP256R1())
    leaf = make(name(f'leaf {kind}'), inter.subject, lkey, ikey, now - day, now + 90 * day, False)
    open(f'{out}/inter-{kind}.crt', 'wb').write(pem(inter))
    open(f'{out}/leaf-{kind}.crt', 'wb').write(pem(leaf))
    open(f'{out}/chain-{kind}.crt', 'wb').write(pem(leaf) + pem(inter))
    open(f'{out}/leaf-{kind}.key', 'wb').write(lkey.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
";
    }
}

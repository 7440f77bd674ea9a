using System;
using System.IO;
using System.Linq;
using PlatformOps.Certificates;
using PlatformOps.Common;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Certificates
{
    /// <summary>Certificates made by PlatformOps, read back by OpenSSL, served by real TLS endpoints, and judged.</summary>
    [Collection(LabCollection.Name)]
    public sealed class CertificateTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly string _dir;

        public CertificateTests(PowerShellFixture ps)
        {
            _ps = ps;
            _dir = Tool.TempFolder("po-certs");
        }

        public void Dispose()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { }
        }

        private PlatformCertificate One(string script, params object[] args)
        {
            var r = _ps.Invoke(script, args);
            r.ShouldSucceed();
            return Assert.Single(r.Objects<PlatformCertificate>());
        }

        [Fact]
        public void Default_certificate_is_RSA_4096_for_365_days_with_localhost_names_and_a_0600_key_that_OpenSSL_reads()
        {
            var ssl = Path.Combine(_dir, "ssl");
            var cert = One("New-PlatformCertificate -Path $args[0]", ssl);
            Assert.Equal("RSA", cert.KeyAlgorithm);
            Assert.Equal(4096, cert.KeySize);
            Assert.InRange(cert.DaysLeft, 364, 365);
            Assert.True(cert.IsSelfSigned);
            Assert.True(cert.KeyMatches);
            Assert.Equal("600", cert.KeyFileMode);
            Assert.Equal("644", AtomicFile.ModeOf(Path.Combine(ssl, "certificate.crt")));

            var text = Tool.OpenSsl("x509", "-in", Path.Combine(ssl, "certificate.crt"), "-noout", "-text");
            Assert.Contains("Public-Key: (4096 bit)", text);
            Assert.Contains("DNS:localhost, IP Address:127.0.0.1", text);
            Assert.Contains("sha256WithRSAEncryption", text);
            Assert.Contains("CA:FALSE", text);
            Assert.Contains("TLS Web Server Authentication", text);
            Assert.Contains("RSA key ok", Tool.OpenSsl("rsa", "-in", Path.Combine(ssl, "key.pem"), "-check", "-noout"));
            // Same key: the modulus of the certificate and of the key agree.
            Assert.Equal(Tool.OpenSsl("x509", "-in", Path.Combine(ssl, "certificate.crt"), "-noout", "-modulus"),
                Tool.OpenSsl("rsa", "-in", Path.Combine(ssl, "key.pem"), "-noout", "-modulus"));
            var fingerprint = Tool.OpenSsl("x509", "-in", Path.Combine(ssl, "certificate.crt"), "-noout", "-fingerprint", "-sha256");
            Assert.Contains(string.Join(":", Enumerable.Range(0, 32).Select(i => cert.Sha256Fingerprint.Substring(i * 2, 2))), fingerprint);
        }

        [Fact]
        public void A_local_CA_signs_leaves_that_openssl_verify_accepts_and_a_TLS_client_trusts_through_the_root()
        {
            var ca = One("New-PlatformCertificateAuthority -Path $args[0] -KeySize 2048 -Subject 'CN=Test Root, O=PlatformOps'", Path.Combine(_dir, "ca"));
            Assert.True(ca.IsCertificateAuthority);
            Assert.True(ca.IsSelfSigned);
            Assert.InRange(ca.DaysLeft, 3649, 3650);
            var caFile = Path.Combine(_dir, "ca", "ca.crt");
            Assert.Contains("CA:TRUE", Tool.OpenSsl("x509", "-in", caFile, "-noout", "-text"));
            Assert.Contains("Certificate Sign", Tool.OpenSsl("x509", "-in", caFile, "-noout", "-text"));

            // The CA object pipes into -Authority; an ECDSA leaf signed by an RSA CA.
            var leafDir = Path.Combine(_dir, "api");
            var r = _ps.Invoke("New-PlatformCertificateAuthority -Path $args[0] -KeySize 2048 -Force | Out-Null; $ca = Get-PlatformCertificate -Path $args[1]; " +
                               "New-PlatformCertificate -Path $args[2] -DnsName api.test, localhost -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA -Authority $ca",
                Path.Combine(_dir, "ca"), caFile, leafDir);
            r.ShouldSucceed();
            var leaf = Assert.Single(r.Objects<PlatformCertificate>());
            Assert.False(leaf.IsSelfSigned);
            Assert.Equal("ECDSA", leaf.KeyAlgorithm);
            Assert.Equal("P-256", leaf.Curve);
            Assert.Equal(new[] { "api.test", "localhost" }, leaf.DnsNames);
            var leafFile = Path.Combine(leafDir, "certificate.crt");
            Assert.Contains(": OK", Tool.OpenSsl("verify", "-CAfile", caFile, leafFile));
            var leafText = Tool.OpenSsl("x509", "-in", leafFile, "-noout", "-text");
            Assert.Contains("id-ecPublicKey", leafText);
            Assert.Contains("sha256WithRSAEncryption", leafText);   // signed by the RSA CA
            Assert.Contains("Key is valid", Tool.OpenSsl("pkey", "-in", Path.Combine(leafDir, "key.pem"), "-noout", "-check"));

            // A real TLS endpoint serves the leaf; PlatformOps reads it back, and an OpenSSL client verifies it against the root only.
            using var server = new TlsServer(leafFile, Path.Combine(leafDir, "key.pem"));
            var served = One("Get-PlatformCertificate -Server 127.0.0.1 -Port $args[0] -Protocol Tls", server.Port);
            Assert.Equal(leaf.Thumbprint, served.Thumbprint);
            Assert.Equal($"127.0.0.1:{server.Port}", served.Endpoint);
            Assert.StartsWith("Tls", served.TlsProtocol);
            var (code, output) = TestProcess.Run("openssl", "s_client", "-connect", $"127.0.0.1:{server.Port}", "-CAfile", caFile, "-verify_return_error",
                "-verify_hostname", "api.test", "-brief");
            Assert.True(code == 0, output);
            Assert.Contains("Verification: OK", output);

            var test = Assert.Single(_ps.Invoke("Test-PlatformCertificate -Path $args[0] -Server 127.0.0.1 -Port $args[1] -HostName api.test, 127.0.0.1 -CaPath $args[2]",
                leafFile, server.Port, caFile).Objects<PlatformCertificateTest>());
            Assert.Equal(Verdict.Pass, test.Status);
            Assert.Contains(test.Checks, c => c.Name == "Trust" && c.Status == Verdict.Pass && c.Detail.Contains("CN=PlatformOps Local CA"));
            Assert.Contains(test.Checks, c => c.Name == "ServedMatchesFile" && c.Status == Verdict.Pass);
        }

        [Fact]
        [Trait(Category.Name, Category.Docker)]
        public void The_lab_PostgreSQL_certificate_is_read_through_the_SSLRequest_negotiation()
        {
            var labCert = Lab.TlsCertificate;
            var server = "127.0.0.1:" + Lab.PostgresPort;
            var served = One("Get-PlatformCertificate -Server 127.0.0.1 -Port $args[0] -Protocol Postgres", Lab.PostgresPort);
            var file = One("Get-PlatformCertificate -Path $args[0]", labCert);
            Assert.Equal(file.Thumbprint, served.Thumbprint);
            Assert.Equal("CN=platformops-lab", served.Subject);
            Assert.Contains("127.0.0.1", served.IPAddresses);
            // Auto falls back from plain TLS to the PostgreSQL negotiation.
            Assert.Equal(file.Thumbprint, One("Get-PlatformCertificate -Server $args[0]", server).Thumbprint);
            Assert.True(file.KeyMatches);

            var same = Assert.Single(_ps.Invoke("Test-PlatformCertificate -Path $args[0] -Server $args[2] -HostName localhost -CaPath $args[1]", labCert, Lab.CertificateAuthority, server)
                .Objects<PlatformCertificateTest>());
            Assert.Equal(Verdict.Pass, same.Status);

            var mine = One("New-PlatformCertificate -Path $args[0] -KeySize 2048 -DnsName localhost", Path.Combine(_dir, "other"));
            var differs = Assert.Single(_ps.Invoke("Test-PlatformCertificate -Path $args[0] -Server $args[1]", mine.Path!, server).Objects<PlatformCertificateTest>());
            Assert.Equal(Verdict.Fail, differs.Status);
            Assert.Contains(differs.Reasons, r => r.Contains("serves a different certificate"));
        }

        [Fact]
        [Trait(Category.Name, Category.Docker)]
        public void An_endpoint_without_TLS_gives_a_clear_error_within_the_timeout()
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var r = _ps.Invoke("Get-PlatformCertificate -Server 127.0.0.1 -Port $args[0] -TimeoutSec 2", Lab.RedisPort);
            // Redis waits for a newline that a ClientHello never sends: the handshake fails or the one deadline ends it.
            Assert.Contains(r.ErrorId, new[] { "PlatformCertificateHandshakeFailed", "PlatformCertificateEndpointTimeout" });
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.5), clock.Elapsed.ToString());
            var closed = _ps.Invoke("Get-PlatformCertificate -Server 127.0.0.1 -Port $args[0] -TimeoutSec 2", PlatformOps.Common.LoopbackPort.Free());
            Assert.Equal("PlatformCertificateEndpointUnreachable", closed.ErrorId);
        }

        [Fact]
        public void Expired_and_nearly_expired_certificates_fail_and_warn()
        {
            var expired = One("New-PlatformCertificate -Path $args[0] -KeySize 2048 -NotBefore (Get-Date).AddDays(-10) -ValidityDays 5", Path.Combine(_dir, "expired"));
            Assert.True(expired.IsExpired);
            var (code, output) = TestProcess.Run("openssl", "x509", "-in", expired.Path!, "-noout", "-checkend", "0");
            Assert.True(code != 0, "openssl should call it expired: " + output);
            var t1 = Assert.Single(_ps.Invoke("Test-PlatformCertificate -Path $args[0]", expired.Path!).Objects<PlatformCertificateTest>());
            Assert.Equal(Verdict.Fail, t1.Status);
            Assert.Contains(t1.Reasons, r => r.StartsWith("expired on", StringComparison.Ordinal));

            var soon = One("New-PlatformCertificate -Path $args[0] -KeyAlgorithm ECDSA -NotBefore (Get-Date).AddDays(-360) -ValidityDays 365", Path.Combine(_dir, "soon"));
            Assert.InRange(soon.DaysLeft, 3, 5);
            // A self-signed certificate given as its own trust anchor: only the dates decide here.
            var t2 = Assert.Single(_ps.Invoke("Test-PlatformCertificate -Path $args[0] -CaPath $args[0]", soon.Path!).Objects<PlatformCertificateTest>());
            Assert.Equal(Verdict.Warn, t2.Status);
            Assert.Contains(t2.Reasons, r => r.Contains("warning window 30 days"));
            var t3 = Assert.Single(_ps.Invoke("Get-PlatformCertificate -Path $args[0] | Test-PlatformCertificate -WarningDays 2 -CaPath $args[0]", soon.Path!).Objects<PlatformCertificateTest>());
            Assert.Equal(Verdict.Pass, t3.Status);
        }

        [Fact]
        public void A_foreign_key_a_loose_key_file_and_a_missing_host_name_fail_with_reasons()
        {
            var a = One("New-PlatformCertificate -Path $args[0] -KeyAlgorithm ECDSA -DnsName db.internal", Path.Combine(_dir, "a"));
            One("New-PlatformCertificate -Path $args[0] -KeyAlgorithm ECDSA", Path.Combine(_dir, "b"));
            var foreignKey = Path.Combine(_dir, "b", "key.pem");
            var mismatch = One("Get-PlatformCertificate -Path $args[0] -KeyPath $args[1]", a.Path!, foreignKey);
            Assert.False(mismatch.KeyMatches);
            var t = Assert.Single(_ps.Invoke("Test-PlatformCertificate -Path $args[0] -KeyPath $args[1] -HostName db.internal, cache.internal", a.Path!, foreignKey)
                .Objects<PlatformCertificateTest>());
            Assert.Equal(Verdict.Fail, t.Status);
            Assert.Contains(t.Checks, c => c.Name == "KeyMatch" && c.Status == Verdict.Fail);
            Assert.Contains(t.Checks, c => c.Name == "HostName" && c.Status == Verdict.Pass && c.Detail.Contains("db.internal"));
            Assert.Contains(t.Checks, c => c.Name == "HostName" && c.Status == Verdict.Fail && c.Detail.Contains("cache.internal"));

            AtomicFile.SetMode(a.KeyPath!, 0x1A4);   // 0644
            var loose = Assert.Single(_ps.Invoke("Test-PlatformCertificate -Path $args[0]", a.Path!).Objects<PlatformCertificateTest>());
            Assert.Equal(Verdict.Fail, loose.Status);
            Assert.Contains(loose.Reasons, r => r.Contains("mode 0644") && r.Contains("readable by others"));
        }

        [Fact]
        public void A_weak_key_made_elsewhere_fails()
        {
            var key = Path.Combine(_dir, "weak.key");
            var crt = Path.Combine(_dir, "weak.crt");
            Tool.OpenSsl("req", "-x509", "-newkey", "rsa:1024", "-nodes", "-days", "30", "-subj", "/CN=weak", "-keyout", key, "-out", crt, "-sha1");
            var t = Assert.Single(_ps.Invoke("Test-PlatformCertificate -Path $args[0]", crt).Objects<PlatformCertificateTest>());
            Assert.Equal(Verdict.Fail, t.Status);
            Assert.Contains(t.Checks, c => c.Name == "KeyStrength" && c.Status == Verdict.Fail && c.Detail.Contains("1024"));
            Assert.Contains(t.Checks, c => c.Name == "SignatureAlgorithm" && c.Status == Verdict.Fail);
            Assert.Contains(t.Checks, c => c.Name == "SubjectAltName" && c.Status == Verdict.Warn);
            var read = One("Get-PlatformCertificate -Path $args[0]", crt);
            Assert.Equal(crt.Replace(".crt", ".key"), read.KeyPath);
            Assert.True(read.KeyMatches);   // PKCS#8 key written by OpenSSL, read by PlatformOps
        }

        [Fact]
        public void An_existing_key_is_never_overwritten_without_Force_and_WhatIf_writes_nothing()
        {
            var folder = Path.Combine(_dir, "keep");
            var whatIf = _ps.Invoke("New-PlatformCertificate -Path $args[0] -WhatIf", folder);
            whatIf.ShouldSucceed();
            Assert.False(Directory.Exists(folder));

            var first = One("New-PlatformCertificate -Path $args[0] -KeyAlgorithm ECDSA", folder);
            var keyBefore = File.ReadAllBytes(first.KeyPath!);
            var again = _ps.Invoke("New-PlatformCertificate -Path $args[0] -KeyAlgorithm ECDSA", folder);
            Assert.Equal("PlatformCertificateKeyExists", again.ErrorId);
            Assert.Contains("-Force", again.ErrorMessage);
            Assert.Equal(keyBefore, File.ReadAllBytes(first.KeyPath!));
            _ps.Invoke("New-PlatformCertificate -Path $args[0] -KeyAlgorithm ECDSA -Force -WhatIf", folder).ShouldSucceed();
            Assert.Equal(keyBefore, File.ReadAllBytes(first.KeyPath!));

            var replaced = One("New-PlatformCertificate -Path $args[0] -KeyAlgorithm ECDSA -Force", folder);
            Assert.NotEqual(keyBefore, File.ReadAllBytes(replaced.KeyPath!));
            Assert.True(replaced.KeyMatches);
            Assert.Equal("600", replaced.KeyFileMode);
            Assert.Empty(Directory.GetFiles(folder, ".*partial*"));
        }

        [Fact]
        public void A_request_for_a_production_CA_is_a_valid_PKCS10_with_the_names()
        {
            var r = _ps.Invoke("New-PlatformCertificateRequest -Path $args[0] -DnsName www.example.test, api.example.test -IPAddress 127.0.0.1 -Subject 'CN=www.example.test, O=Example, C=DE' -KeySize 2048",
                Path.Combine(_dir, "req"));
            r.ShouldSucceed();
            var req = Assert.Single(r.Objects<PlatformCertificateRequest>());
            Assert.True(req.NewKey);
            Assert.Equal("600", req.KeyFileMode);
            var text = Tool.OpenSsl("req", "-in", req.Path, "-noout", "-verify", "-text");
            Assert.Contains("verify OK", text, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("C = DE, O = Example, CN = www.example.test", text);
            Assert.Contains("DNS:www.example.test, DNS:api.example.test, IP Address:127.0.0.1", text);

            // Reusing the key: the CA can sign the request with OpenSSL and the result matches the key.
            var again = Assert.Single(_ps.Invoke("New-PlatformCertificateRequest -Path $args[0] -DnsName renew.example.test -KeyPath $args[1] -RequestFileName renew.csr",
                Path.Combine(_dir, "req"), req.KeyPath).Objects<PlatformCertificateRequest>());
            Assert.False(again.NewKey);
            var signed = Path.Combine(_dir, "req", "signed.crt");
            Tool.OpenSsl("x509", "-req", "-in", again.Path, "-signkey", req.KeyPath, "-days", "10", "-out", signed);
            Assert.True(One("Get-PlatformCertificate -Path $args[0] -KeyPath $args[1]", signed, req.KeyPath).KeyMatches);
        }

        [Fact]
        public void No_private_key_material_appears_in_any_output()
        {
            var folder = Path.Combine(_dir, "quiet");
            var r = _ps.Invoke("New-PlatformCertificate -Path $args[0] -KeyAlgorithm ECDSA -Verbose | Format-List * | Out-String; " +
                               "Get-PlatformCertificate -Path (Join-Path $args[0] certificate.crt) -Verbose | Format-List * | Out-String; " +
                               "Test-PlatformCertificate -Path (Join-Path $args[0] certificate.crt) -Verbose | Format-List * | Out-String; " +
                               "New-PlatformCertificate -Path $args[0] -KeyAlgorithm ECDSA", folder);
            var keyLines = File.ReadAllLines(Path.Combine(folder, "key.pem")).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(keyLines);
            foreach (var line in keyLines) Assert.DoesNotContain(line, r.Transcript);
            Assert.Equal("PlatformCertificateKeyExists", r.ErrorId);
        }
    }
}

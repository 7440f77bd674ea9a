using System;
using System.Diagnostics;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Certificates
{
    /// <summary>-TimeoutSec is the whole bound of reading a served certificate: connect, SSLRequest and handshake together.</summary>
    [Collection(LabCollection.Name)]
    public sealed class TlsTimeoutTests
    {
        private readonly PowerShellFixture _ps;

        public TlsTimeoutTests(PowerShellFixture ps) => _ps = ps;

        [Theory]
        [InlineData("Auto")]
        [InlineData("Tls")]
        [InlineData("Postgres")]
        public void A_port_that_accepts_and_never_answers_ends_within_TimeoutSec(string protocol)
        {
            using var silent = FakeTcpServer.Silent();
            var clock = Stopwatch.StartNew();
            var r = _ps.Invoke("Get-PlatformCertificate -Server 127.0.0.1 -Port $args[0] -Protocol $args[1] -TimeoutSec 2", silent.Port, protocol);
            clock.Stop();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.0), $"-Protocol {protocol} -TimeoutSec 2 took {clock.Elapsed.TotalSeconds:0.00} s");
            Assert.Equal("PlatformCertificateEndpointTimeout", r.ErrorId);
            Assert.Contains("2 s", r.ErrorMessage);

            clock.Restart();
            var t = _ps.Invoke("Test-PlatformCertificate -Server 127.0.0.1 -Port $args[0] -Protocol $args[1] -TimeoutSec 2", silent.Port, protocol);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.0), $"Test-PlatformCertificate -Protocol {protocol} -TimeoutSec 2 took {clock.Elapsed.TotalSeconds:0.00} s");
            Assert.Equal("PlatformCertificateEndpointTimeout", t.ErrorId);
        }
    }
}

using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Health;
using PlatformOps.Services;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Health
{
    /// <summary>
    /// Health endpoints are untrusted: one that sends headers and then an endless body, one that never finishes its
    /// headers, and one that accepts and never answers are each judged within the timeout given, reading a few KB at most.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class HostileEndpointTests
    {
        private readonly PowerShellFixture _ps;

        public HostileEndpointTests(PowerShellFixture ps) => _ps = ps;

        private static async Task<(ServiceCheck Check, TimeSpan Elapsed)> ProbeWithin(int port, TimeSpan timeout)
        {
            var endpoint = new EndpointSettings { Name = "hostile", Url = $"http://127.0.0.1:{port}/health" };
            var clock = Stopwatch.StartNew();
            var probe = ServiceProber.ProbeAsync(endpoint, timeout, CancellationToken.None);
            // A guard far beyond the timeout, so that a hanging probe fails the test instead of hanging the run.
            var finished = await Task.WhenAny(probe, Task.Delay(timeout + TimeSpan.FromSeconds(10))).ConfigureAwait(false);
            Assert.True(finished == probe, $"the probe was still running {clock.Elapsed.TotalSeconds:0.0} s after it started (timeout {timeout.TotalSeconds} s)");
            return (await probe.ConfigureAwait(false), clock.Elapsed);
        }

        [Fact]
        public async Task An_endless_body_is_read_only_a_few_KB_and_the_probe_ends_within_the_timeout()
        {
            FakeTcpServer? server = null;
            server = new FakeTcpServer(async (stream, ct) =>
            {
                await FakeTcpServer.ReceiveAsync(stream, ct);
                await server!.SendAsync(stream, Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"), ct);
                var chunk = Encoding.ASCII.GetBytes("10000\r\n" + new string('x', 0x10000) + "\r\n");
                while (server.BytesSent < 64L << 20) await server.SendAsync(stream, chunk, ct);   // 64 MB, then silence
                await Task.Delay(Timeout.Infinite, ct);
            });
            using (server)
            {
                var before = GC.GetTotalAllocatedBytes(true);
                var (check, elapsed) = await ProbeWithin(server.Port, TimeSpan.FromSeconds(2));
                var allocated = GC.GetTotalAllocatedBytes(true) - before;
                Assert.True(elapsed < TimeSpan.FromSeconds(2.5), elapsed.ToString());
                Assert.Equal(200, check.StatusCode);
                Assert.Equal(HealthStatus.Healthy, check.Status);
                Assert.True(check.Detail!.Length <= 200, check.Detail);
                Thread.Sleep(300);
                Assert.True(server.BytesSent < 16L << 20, $"the client let {server.BytesSent} bytes through; it should stop reading after a few KB");
                Assert.True(allocated < 32L << 20, $"the probe allocated {allocated} bytes");
            }
        }

        [Fact]
        public async Task A_body_that_trickles_forever_ends_the_probe_at_the_timeout_as_unhealthy()
        {
            using var server = new FakeTcpServer(async (stream, ct) =>
            {
                await FakeTcpServer.ReceiveAsync(stream, ct);
                var head = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                await stream.WriteAsync(head.AsMemory(), ct);
                while (true)
                {
                    await stream.WriteAsync(new[] { (byte)'.' }.AsMemory(), ct);
                    await Task.Delay(100, ct);
                }
            });
            var (check, elapsed) = await ProbeWithin(server.Port, TimeSpan.FromSeconds(2));
            Assert.True(elapsed < TimeSpan.FromSeconds(2.5), elapsed.ToString());
            Assert.Equal(HealthStatus.Unhealthy, check.Status);
            Assert.Contains("2 s", check.Detail);
        }

        [Fact]
        public async Task Headers_that_never_end_and_a_silent_server_are_unhealthy_within_the_timeout()
        {
            using var slow = new FakeTcpServer(async (stream, ct) =>
            {
                await FakeTcpServer.ReceiveAsync(stream, ct);
                var partial = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nX-Slow: ");
                await stream.WriteAsync(partial.AsMemory(), ct);
                await Task.Delay(Timeout.Infinite, ct);
            });
            using var silent = FakeTcpServer.Silent();
            foreach (var port in new[] { slow.Port, silent.Port })
            {
                var (check, elapsed) = await ProbeWithin(port, TimeSpan.FromSeconds(2));
                Assert.True(elapsed < TimeSpan.FromSeconds(2.5), elapsed.ToString());
                Assert.Equal(HealthStatus.Unhealthy, check.Status);
                Assert.Contains("no answer within 2 s", check.Detail);
            }
        }

        [Fact]
        public void Wait_PlatformHealthy_returns_within_its_WaitSec_when_the_last_round_would_run_past_it()
        {
            using var silent = FakeTcpServer.Silent();
            var dir = Path.Combine(Path.GetTempPath(), "po-wait-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            try
            {
                var profile = Path.Combine(dir, "hostile.profile.json");
                File.WriteAllText(profile, $"{{ \"Name\": \"hostile\", \"Services\": [ {{ \"Name\": \"silent\", \"Url\": \"http://127.0.0.1:{silent.Port}/health\" }} ] }}");
                // Rounds of 4 s with 1 s between: the second round starts at 5 s; before the fix it ran on to 9 s.
                var clock = Stopwatch.StartNew();
                var r = _ps.Invoke("Wait-PlatformHealthy -Profile $args[0] -Component Service -WaitSec 5 -TimeoutSec 4 -IntervalSec 1", profile);
                clock.Stop();
                Assert.Equal("PlatformNotHealthyInTime", r.ErrorId);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5.5), $"Wait-PlatformHealthy -WaitSec 5 took {clock.Elapsed.TotalSeconds:0.00} s");
                var result = Assert.Single(r.Objects<PlatformWaitResult>());
                Assert.False(result.Healthy);
                Assert.Contains(result.NotHealthy, i => i.Name == "silent");

                // Probes that answer fast: many short rounds, still cut at the deadline.
                clock.Restart();
                File.WriteAllText(profile, "{ \"Name\": \"hostile\", \"Services\": [ { \"Name\": \"closed\", \"Url\": \"http://127.0.0.1:" + PlatformOps.Common.LoopbackPort.Free() + "/health\" } ] }");
                r = _ps.Invoke("Wait-PlatformHealthy -Profile $args[0] -Component Service -WaitSec 3 -IntervalSec 2", profile);
                Assert.Equal("PlatformNotHealthyInTime", r.ErrorId);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.5), $"Wait-PlatformHealthy -WaitSec 3 took {clock.Elapsed.TotalSeconds:0.00} s");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}

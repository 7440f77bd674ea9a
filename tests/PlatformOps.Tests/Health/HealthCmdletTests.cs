using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PlatformOps.Common;
using PlatformOps.Containers;
using PlatformOps.Health;
using PlatformOps.Postgres;
using PlatformOps.Redis;
using PlatformOps.Services;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Health
{
    /// <summary>The health cmdlets against the running Docker lab: a healthy lab, then each fault on purpose.</summary>
    [Collection(LabCollection.Name)]
    [Trait(Category.Name, Category.Docker)]
    public sealed class HealthCmdletTests
    {
        private static readonly string[] ExpectedContainers =
        {
            "agentic-db-tools", "agentic-grafana", "agentic-postgres", "agentic-postgres-exporter", "agentic-prometheus",
            "agentic-redis", "agentic-redis-exporter", "l01-data-layer", "l02-runtime", "l03-tool-execution", "l04-model-gateway",
            "l05-planning", "l06-evaluation", "l07-learning", "l09-api-gateway", "l10-human-interface", "l11-integration",
            "l12-service-hub", "platform-ui",
        };

        private readonly PowerShellFixture _ps;

        public HealthCmdletTests(PowerShellFixture ps)
        {
            _ps = ps;
            Lab.RequireProfile(Lab.DockerProfile);
            _ps.Invoke("Import-PlatformProfile -Path $args[0]", Lab.DockerProfile).ShouldSucceed();
            // A previous run or test may have left the lab degraded: wait until it is whole before each test.
            var ready = _ps.Invoke("Wait-PlatformHealthy -WaitSec 90 -IntervalSec 1");
            ready.ShouldSucceed();
        }

        [Fact]
        public void A_healthy_lab_reads_all_healthy_with_every_component()
        {
            var result = _ps.Invoke("Get-PlatformHealth");
            result.ShouldSucceed();
            var items = result.Objects<HealthItem>().ToList();
            Assert.All(items, i => Assert.True(i.Status == HealthStatus.Healthy, $"{i}: {i.Detail}"));
            Assert.Equal(ExpectedContainers, items.Where(i => i.Component == "Container").Select(i => i.Name).ToArray());
            Assert.Single(items, i => i.Component == "Postgres");
            Assert.Single(items, i => i.Component == "Redis");
            Assert.Equal(12, items.Count(i => i.Component == "Service"));
            Assert.Equal(4, items.Count(i => i.Component == "Monitoring"));

            var summary = _ps.Invoke("Get-PlatformHealth -Summary").Objects<HealthSummary>().ToList();
            Assert.Equal(new[] { "Container", "Postgres", "Redis", "Service", "Monitoring" }, summary.Select(s => s.Component).ToArray());
            Assert.All(summary, s => Assert.Equal(s.Total, s.Healthy));
        }

        [Fact]
        public void Containers_carry_compose_service_health_and_limits()
        {
            var result = _ps.Invoke("Get-PlatformContainer");
            result.ShouldSucceed();
            var containers = result.Objects<PlatformContainer>().ToList();
            Assert.Equal(ExpectedContainers, containers.Select(c => c.Name).ToArray());
            Assert.All(containers, c =>
            {
                Assert.Equal("agentic", c.Project);
                Assert.False(string.IsNullOrEmpty(c.Service));
                Assert.Equal("running", c.State);
                Assert.True(c.HasHealthCheck, c.Name);
                Assert.Equal(ContainerHealth.Healthy, c.Health);
                Assert.NotNull(c.Uptime);
                Assert.NotNull(c.LastProbeTime);
            });

            var filtered = _ps.Invoke("Get-PlatformContainer -Name 'l0*', 'platform-ui'").Objects<PlatformContainer>().Select(c => c.Name).ToList();
            Assert.Equal(9, filtered.Count);

            var missing = _ps.Invoke("Get-PlatformContainer -Name no-such-container");
            Assert.Equal("PlatformContainerNotFound", missing.ErrorId);
        }

        [Fact]
        public void A_stopped_container_reads_unhealthy_with_the_reason_and_its_endpoint_fails()
        {
            Lab.Run("break", "stop-container", "l07-learning");
            try
            {
                var items = _ps.Invoke("Get-PlatformHealth").Objects<HealthItem>().ToList();
                var container = items.Single(i => i.Component == "Container" && i.Name == "l07-learning");
                Assert.Equal(HealthStatus.Unhealthy, container.Status);
                Assert.Contains("exited", container.Detail, StringComparison.Ordinal);
                var service = items.Single(i => i.Component == "Service" && i.Name == "l07-learning");
                Assert.Equal(HealthStatus.Unhealthy, service.Status);
                Assert.Contains("refused", service.Detail, StringComparison.OrdinalIgnoreCase);
                Assert.All(items.Where(i => i.Name != "l07-learning"), i => Assert.Equal(HealthStatus.Healthy, i.Status));

                var summary = _ps.Invoke("Get-PlatformHealth -Summary -Component Container").Objects<HealthSummary>().Single();
                Assert.Equal(HealthStatus.Unhealthy, summary.Status);
                Assert.Equal(18, summary.Healthy);
                Assert.Contains("l07-learning", summary.Detail, StringComparison.Ordinal);
            }
            finally
            {
                Lab.Run("fix", "stop-container", "l07-learning");
            }
        }

        [Fact]
        public void A_failing_health_check_reads_unhealthy_with_the_probe_output()
        {
            Lab.Run("break", "fast-health", "l06-evaluation");
            try
            {
                _ps.Invoke("Wait-PlatformHealthy -WaitSec 60 -IntervalSec 1").ShouldSucceed();
                Lab.Run("break", "fail-health", "l06-evaluation");
                var service = _ps.Invoke("Test-PlatformService -Name l06-evaluation").Objects<ServiceCheck>().Single();
                Assert.Equal(HealthStatus.Unhealthy, service.Status);
                Assert.Equal(404, service.StatusCode);

                PlatformContainer? container = null;
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    container = _ps.Invoke("Get-PlatformContainer l06-evaluation").Objects<PlatformContainer>().Single();
                    if (container.Health == ContainerHealth.Unhealthy) break;
                    Thread.Sleep(500);
                }
                Assert.NotNull(container);
                Assert.Equal(ContainerHealth.Unhealthy, container!.Health);
                Assert.True(container.FailingStreak >= 1);
                Assert.NotEqual(0, container.LastProbeExitCode);

                var item = _ps.Invoke("Get-PlatformHealth -Component Container").Objects<HealthItem>().Single(i => i.Name == "l06-evaluation");
                Assert.Equal(HealthStatus.Unhealthy, item.Status);
                Assert.Contains("failed probe", item.Detail, StringComparison.Ordinal);
            }
            finally
            {
                Lab.Run("fix", "fail-health", "l06-evaluation");
                Lab.Run("fix", "fast-health", "l06-evaluation");
            }
        }

        [Fact]
        public void A_stopped_redis_reads_unhealthy_with_the_reason()
        {
            Lab.Run("break", "stop-redis");
            try
            {
                var item = _ps.Invoke("Get-PlatformHealth -Component Redis").Objects<HealthItem>().Single();
                Assert.Equal(HealthStatus.Unhealthy, item.Status);
                Assert.Contains("Cannot connect to Redis", item.Detail, StringComparison.Ordinal);

                var direct = _ps.Invoke("Get-PlatformRedisStatus -TimeoutSec 1");
                Assert.Equal("RedisUnreachable", direct.ErrorId);
            }
            finally
            {
                Lab.Run("fix", "stop-redis");
            }
        }

        [Fact]
        public void Redis_with_persistence_off_is_degraded_with_a_warning()
        {
            Lab.Run("break", "redis-persistence-off");
            try
            {
                var result = _ps.Invoke("Get-PlatformRedisStatus");
                var status = result.Objects<RedisStatus>().Single();
                Assert.False(status.PersistenceEnabled);
                Assert.Contains(result.Warnings, w => w.Contains("Persistence is off", StringComparison.Ordinal));
                var item = _ps.Invoke("Get-PlatformHealth -Component Redis").Objects<HealthItem>().Single();
                Assert.Equal(HealthStatus.Degraded, item.Status);
            }
            finally
            {
                Lab.Run("fix", "redis-persistence-off");
            }
            var restored = _ps.Invoke("Get-PlatformRedisStatus").Objects<RedisStatus>().Single();
            Assert.True(restored.PersistenceEnabled);
            Assert.Empty(restored.Warnings);
        }

        [Fact]
        public void A_wrong_postgres_password_is_an_authentication_error_that_never_shows_the_password()
        {
            const string wrong = "not-the-password-5f1c";
            var result = _ps.Invoke(
                "$c = [pscredential]::new('postgres', (ConvertTo-SecureString $args[0] -AsPlainText -Force)); Get-PlatformPostgresStatus -Credential $c -Verbose",
                wrong);
            Assert.Equal("PostgresAuthenticationFailed", result.ErrorId);
            Assert.Contains("password authentication failed", result.ErrorMessage, StringComparison.Ordinal);
            Assert.DoesNotContain(wrong, result.Transcript, StringComparison.Ordinal);
            Assert.DoesNotContain(Lab.PostgresPassword, result.Transcript, StringComparison.Ordinal);
        }

        [Fact]
        public void A_wrong_password_in_the_profile_makes_postgres_unhealthy_in_get_platform_health()
        {
            var dir = System.IO.Directory.CreateTempSubdirectory("po-wrongpw-").FullName;
            try
            {
                var passFile = System.IO.Path.Combine(dir, "pgpass");
                System.IO.File.WriteAllText(passFile, "*:*:*:*:definitely-wrong\n");
                var profile = System.IO.Path.Combine(dir, "p.json");
                System.IO.File.WriteAllText(profile, "{\"Name\":\"wrong\",\"Postgres\":{\"Host\":\"127.0.0.1\",\"Port\":" + Lab.PostgresPort + ",\"Database\":\"agentic\",\"Username\":\"postgres\",\"PassFile\":\"pgpass\"}}");
                var item = _ps.Invoke("Get-PlatformHealth -Profile $args[0]", profile).Objects<HealthItem>().Single();
                Assert.Equal("Postgres", item.Component);
                Assert.Equal(HealthStatus.Unhealthy, item.Status);
                Assert.Contains("refused user 'postgres'", item.Detail, StringComparison.Ordinal);
                Assert.DoesNotContain("definitely-wrong", item.Detail, StringComparison.Ordinal);
            }
            finally
            {
                System.IO.Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void Postgres_status_reports_the_servers_real_figures()
        {
            var result = _ps.Invoke("Get-PlatformPostgresStatus");
            result.ShouldSucceed();
            var s = result.Objects<PostgresStatus>().Single();
            Assert.Equal(15, s.MajorVersion);
            Assert.True(s.Ssl);
            Assert.True(s.ConnectionEncrypted);
            Assert.Contains(s.Databases, d => d.Name == "agentic" && d.SizeBytes > 0);
            Assert.True(s.MaxConnections > 0 && s.Connections >= 1);
            Assert.NotNull(s.CurrentWalFile);
            Assert.NotNull(s.ReadyBacklog);
            Assert.True(s.Uptime > TimeSpan.Zero);
        }

        [Theory]
        [InlineData("tcp://127.0.0.1:1")]
        [InlineData("unix:///nonexistent/docker.sock")]
        public void An_unreachable_docker_endpoint_is_a_clear_error_within_bounded_time(string endpoint)
        {
            var clock = Stopwatch.StartNew();
            var result = _ps.Invoke("Get-PlatformContainer -DockerEndpoint $args[0] -TimeoutSec 3", endpoint);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"took {clock.Elapsed}");
            Assert.Equal("DockerEngineUnreachable", result.ErrorId);
            Assert.Contains(endpoint, result.ErrorMessage, StringComparison.Ordinal);

            var health = _ps.Invoke("Get-PlatformHealth -DockerEndpoint $args[0] -Component Container -TimeoutSec 3", endpoint);
            health.ShouldSucceed();
            var item = health.Objects<HealthItem>().Single();
            Assert.Equal(("Docker", HealthStatus.Unhealthy), (item.Component, item.Status));
        }

        [Fact]
        public void Wait_platform_healthy_returns_at_once_on_a_healthy_lab_and_names_what_is_not_on_timeout()
        {
            var ok = _ps.Invoke("Wait-PlatformHealthy -WaitSec 20");
            ok.ShouldSucceed();
            var healthy = ok.Objects<PlatformWaitResult>().Single();
            Assert.True(healthy.Healthy);
            Assert.Equal(1, healthy.Attempts);

            Lab.Run("break", "stop-container", "l11-integration");
            try
            {
                var clock = Stopwatch.StartNew();
                var late = _ps.Invoke("Wait-PlatformHealthy -WaitSec 3 -IntervalSec 1");
                Assert.InRange(clock.Elapsed.TotalSeconds, 2.5, 15);
                var result = late.Objects<PlatformWaitResult>().Single();
                Assert.False(result.Healthy);
                Assert.Contains(result.NotHealthy, i => i.Name == "l11-integration");
                Assert.Equal("PlatformNotHealthyInTime", late.ErrorId);
                Assert.Contains("l11-integration", late.Errors[0].ToString(), StringComparison.Ordinal);
            }
            finally
            {
                Lab.Run("fix", "stop-container", "l11-integration");
            }
        }

        [Fact]
        public void Stopping_the_pipeline_cancels_a_wait_within_a_second()
        {
            Lab.Run("break", "stop-container", "l10-human-interface");
            try
            {
                using var ps = PowerShell.Create();
                ps.Runspace = _ps.Runspace;
                ps.AddScript("Wait-PlatformHealthy -WaitSec 120 -IntervalSec 1");
                var handle = ps.BeginInvoke();
                Thread.Sleep(1500);
                var clock = Stopwatch.StartNew();
                ps.Stop();
                Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(handle));
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"stop took {clock.Elapsed}");
            }
            finally
            {
                Lab.Run("fix", "stop-container", "l10-human-interface");
            }
        }
    }
}

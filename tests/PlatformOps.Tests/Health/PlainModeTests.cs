using System;
using System.Linq;
using PlatformOps.Common;
using PlatformOps.Health;
using PlatformOps.Postgres;
using PlatformOps.Redis;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Health
{
    /// <summary>PostgreSQL and Redis running as plain processes, no Docker: the profile, explicit parameters and the environment.</summary>
    [Collection(LabCollection.Name)]
    [Trait(Category.Name, Category.Plain)]
    public sealed class PlainModeTests
    {
        private static int PlainPostgresPort => Lab.PlainPostgresPort;
        private static int PlainRedisPort => Lab.PlainRedisPort;
        private readonly PowerShellFixture _ps;

        public PlainModeTests(PowerShellFixture ps)
        {
            _ps = ps;
            Lab.RequireProfile(Lab.PlainProfile);
        }

        [Fact]
        public void A_profile_without_docker_checks_postgres_and_redis_only()
        {
            var result = _ps.Invoke("Get-PlatformHealth -Profile $args[0]", Lab.PlainProfile);
            result.ShouldSucceed();
            var items = result.Objects<HealthItem>().ToList();
            Assert.Equal(new[] { "Postgres", "Redis" }, items.Select(i => i.Component).ToArray());
            Assert.All(items, i => Assert.Equal(HealthStatus.Healthy, i.Status));
            Assert.Equal($"127.0.0.1:{PlainPostgresPort}", items[0].Name);
        }

        [Fact]
        public void Explicit_parameters_alone_are_enough()
        {
            var pg = _ps.Invoke("Get-PlatformPostgresStatus -Profile $args[3] -Server $args[0] -Port $args[1] -UserName postgres -PassFile $args[2] -Database postgres",
                "127.0.0.1", PlainPostgresPort, Lab.PgPassFile, EmptyProfile());
            pg.ShouldSucceed();
            Assert.Equal($"127.0.0.1:{PlainPostgresPort}", pg.Objects<PostgresStatus>().Single().Endpoint);

            var redis = _ps.Invoke("Get-PlatformRedisStatus -Profile $args[2] -Server \"127.0.0.1:$($args[0])\" -PasswordFile $args[1]",
                PlainRedisPort, Lab.RedisPasswordFile, EmptyProfile());
            redis.ShouldSucceed();
            var status = redis.Objects<RedisStatus>().Single();
            Assert.Equal("master", status.Role);
            Assert.True(status.PasswordRequired);
        }

        [Fact]
        public void The_libpq_environment_variables_are_the_fallback()
        {
            var result = _ps.Invoke(@"
                $saved = @{ PGHOST = $env:PGHOST; PGPORT = $env:PGPORT; PGUSER = $env:PGUSER; PGPASSFILE = $env:PGPASSFILE; PGDATABASE = $env:PGDATABASE; PLATFORMOPS_PROFILE = $env:PLATFORMOPS_PROFILE }
                try {
                    $env:PGHOST = '127.0.0.1'; $env:PGPORT = $args[0]; $env:PGUSER = 'postgres'; $env:PGPASSFILE = $args[1]; $env:PGDATABASE = 'postgres'
                    Get-PlatformPostgresStatus -Profile $args[2]
                } finally { foreach ($k in $saved.Keys) { Set-Item ""env:$k"" -Value $saved[$k] } }",
                PlainPostgresPort, Lab.PgPassFile, EmptyProfile());
            result.ShouldSucceed();
            Assert.Equal($"127.0.0.1:{PlainPostgresPort}", result.Objects<PostgresStatus>().Single().Endpoint);
        }

        [Fact]
        public void A_wrong_redis_password_is_an_authentication_error()
        {
            var result = _ps.Invoke(
                "$c = [pscredential]::new('default', (ConvertTo-SecureString 'wrong-redis-pw-77' -AsPlainText -Force)); Get-PlatformRedisStatus -Profile $args[0] -Credential $c",
                Lab.PlainProfile);
            Assert.Equal("RedisAuthenticationFailed", result.ErrorId);
            Assert.DoesNotContain("wrong-redis-pw-77", result.Transcript, StringComparison.Ordinal);
            Assert.DoesNotContain(Lab.RedisPassword, result.Transcript, StringComparison.Ordinal);
        }

        [Fact]
        public void An_unreachable_postgres_is_a_clear_error_and_an_unhealthy_item()
        {
            var direct = _ps.Invoke("Get-PlatformPostgresStatus -Profile $args[0] -Server 127.0.0.1 -Port 1 -TimeoutSec 2", EmptyProfile());
            Assert.Equal("PostgresUnreachable", direct.ErrorId);
            Assert.Contains("127.0.0.1:1", direct.ErrorMessage, StringComparison.Ordinal);
        }

        [Fact]
        public void A_missing_profile_file_is_a_clear_error()
        {
            var result = _ps.Invoke("Import-PlatformProfile -Path /nonexistent/profile.json");
            Assert.Equal("PlatformProfileNotFound", result.ErrorId);
        }

        /// <summary>A profile that names nothing, so that only parameters and the environment count.</summary>
        private static string EmptyProfile()
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "platformops-empty.profile.json");
            System.IO.File.WriteAllText(path, "{\"Name\":\"empty\"}");
            return path;
        }
    }
}

using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using Xunit;
using PlatformOps.Postgres;

namespace PlatformOps.Tests.Common
{
    public sealed class CommonTests
    {
        [Fact]
        public void Pass_file_lines_honour_wildcards_and_escapes()
        {
            var file = Path.GetTempFileName();
            try
            {
                File.WriteAllLines(file, new[]
                {
                    "# comment",
                    "otherhost:5432:*:postgres:wrong",
                    @"127.0.0.1:55432:*:postgres:a\:b\\c",
                    "*:*:*:*:fallback",
                });
                Assert.Equal(@"a:b\c", PgPassFile.Lookup(file, "127.0.0.1", 55432, "agentic", "postgres"));
                Assert.Equal(@"a:b\c", PgPassFile.Lookup(file, "localhost", 55432, "agentic", "postgres"));
                Assert.Equal("fallback", PgPassFile.Lookup(file, "db", 5432, "x", "app"));
            }
            finally
            {
                File.Delete(file);
            }
        }

        [Theory]
        [InlineData("Host=h;Username=u;Password=s3cret;Database=d", "s3cret")]
        [InlineData("postgresql://app:s3cret@db:5432/app", "s3cret")]
        [InlineData("redis://default:s3cret@cache:6379", "s3cret")]
        [InlineData("password='s3cret value'", "s3cret value")]
        public void Redact_masks_passwords_in_connection_strings_and_urls(string text, string secret)
        {
            var redacted = Sensitive.Redact(text);
            Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
            Assert.Contains("********", redacted, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("plain")]
        [InlineData("with space")]
        [InlineData("quote\"inside")]
        [InlineData("back\\slash\\")]
        [InlineData("x\"; DROP TABLE t; --")]
        [InlineData("")]
        public async Task Process_runner_passes_each_argument_through_unchanged(string argument)
        {
            var spec = new ProcessSpec("printf", "%s|", argument, "tail");
            var result = await ProcessRunner.RunAsync(spec, CancellationToken.None);
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(argument + "|tail|", result.StandardOutput);
        }

        [Fact]
        public async Task Process_runner_kills_the_child_when_cancelled()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ProcessRunner.RunAsync(new ProcessSpec("sleep", "30"), cts.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        }

        [Fact]
        public async Task Process_runner_gives_secrets_to_the_environment_not_the_command_line()
        {
            var spec = new ProcessSpec("sh", "-c", "printf %s \"$SECRET_FOR_TEST\"");
            spec.Environment["SECRET_FOR_TEST"] = "hunter2";
            var result = await ProcessRunner.RunAsync(spec, CancellationToken.None);
            Assert.Equal("hunter2", result.StandardOutput);
            Assert.DoesNotContain("hunter2", spec.ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public void Atomic_file_appears_only_on_commit_and_leaves_nothing_when_abandoned()
        {
            var dir = Directory.CreateTempSubdirectory("po-atomic-").FullName;
            try
            {
                var path = Path.Combine(dir, "manifest.json");
                using (var file = new AtomicFile(path))
                {
                    file.Stream.WriteByte(42);
                    Assert.False(File.Exists(path));
                }
                Assert.Empty(Directory.GetFiles(dir));

                AtomicFile.WriteAllText(path, "{}");
                Assert.Equal("{}", File.ReadAllText(path));
                AtomicFile.WriteAllText(path, "{\"v\":2}");
                Assert.Equal("{\"v\":2}", File.ReadAllText(path));
                Assert.Single(Directory.GetFiles(dir));
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void Secret_files_are_created_with_mode_0600()
        {
            var dir = Directory.CreateTempSubdirectory("po-secret-").FullName;
            try
            {
                var path = Path.Combine(dir, "key.pem");
                AtomicFile.WriteAllText(path, "secret", secret: true);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                Assert.Equal("600", AtomicFile.ModeOf(path));
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Theory]
        [InlineData("db", "db", null)]
        [InlineData("db:5433", "db", 5433)]
        [InlineData("[::1]:5433", "::1", 5433)]
        [InlineData("::1", "::1", null)]
        [InlineData("[::1]", "::1", null)]
        public void Server_parameters_split_into_host_and_port(string server, string host, int? port)
            => Assert.Equal((host, port), ConnectionSettings.SplitHostPort(server));

        [Fact]
        public void Postgres_target_resolves_parameters_then_profile_then_environment()
        {
            var env = new System.Collections.Generic.Dictionary<string, string?>
            {
                ["PGHOST"] = "envhost", ["PGPORT"] = "6543", ["PGUSER"] = "envuser", ["PGDATABASE"] = "envdb", ["PGPASSWORD"] = "envpw",
            };
            var fromEnv = PostgresTarget.Resolve(null, null, null, null, null, null, k => env.TryGetValue(k, out var v) ? v : null);
            Assert.Equal(("envhost", 6543, "envdb", "envuser"), (fromEnv.Host, fromEnv.Port, fromEnv.Database, fromEnv.Username));
            Assert.Equal("envpw", fromEnv.Password);

            var profile = new PlatformOps.Common.PlatformProfile { Postgres = new PlatformOps.Common.PostgresSettings { Host = "profilehost", Port = 1111, Database = "pdb", Username = "puser" } };
            var fromProfile = PostgresTarget.Resolve(null, null, null, null, null, profile, k => env.TryGetValue(k, out var v) ? v : null);
            Assert.Equal(("profilehost", 1111, "pdb", "puser"), (fromProfile.Host, fromProfile.Port, fromProfile.Database, fromProfile.Username));

            var explicitServer = PostgresTarget.Resolve("cli:2222", null, "clidb", null, null, profile, k => null);
            Assert.Equal(("cli", 2222, "clidb"), (explicitServer.Host, explicitServer.Port, explicitServer.Database));
            Assert.DoesNotContain("envpw", fromEnv.ToString(), StringComparison.Ordinal);
        }
    }
}

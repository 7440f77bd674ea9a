using System;
using System.IO;
using System.Linq;
using PlatformOps.Common;
using PlatformOps.Readiness;
using Xunit;

namespace PlatformOps.Tests.Readiness
{
    /// <summary>How Invoke-PlatformTest reads the child's summary and finds the pwsh to run it in.</summary>
    public sealed class PlatformTestRunnerTests
    {
        private static PlatformTestRequest Request()
        {
            var request = new PlatformTestRequest { Platform = "lab", PwshPath = "/usr/bin/pwsh", OutputPath = "/tmp/x.xml", OutputFormat = "JUnitXml" };
            request.AcceptancePaths.Add("/m/Acceptance");
            request.UserPaths.Add("/t/own");
            return request;
        }

        [Fact]
        public void The_summary_becomes_a_result_with_every_test_and_masked_messages()
        {
            const string json = @"{ ""PesterVersion"": ""6.2.0"", ""Total"": 4, ""Passed"": 2, ""Failed"": 1, ""Skipped"": 1, ""NotRun"": 0, ""Errors"": 1,
              ""Tests"": [
                { ""Name"": ""Containers.a is running"", ""File"": ""/m/Acceptance/I.ps1"", ""Result"": ""Passed"", ""DurationMs"": 12.34 },
                { ""Name"": ""PostgreSQL.archives WAL"", ""Result"": ""Failed"", ""DurationMs"": 5, ""Message"": ""connect password=hunter2 failed"" },
                { ""Name"": ""Backups.verified"", ""Result"": ""Skipped"", ""Message"": ""capability not available in this build"" },
                { ""Name"": ""Own.ok"", ""Result"": ""Passed"" } ],
              ""ErrorMessages"": [ ""/t/own/Broken.Tests.ps1: syntax error"" ] }";
            var started = new DateTime(2026, 11, 26, 6, 0, 0, DateTimeKind.Utc);
            var result = PlatformTestRunner.Parse(json, Request(), started, TimeSpan.FromSeconds(20));

            Assert.Equal("Failed", result.Result);
            Assert.Equal((4, 2, 1, 1, 1), (result.Total, result.Passed, result.Failed, result.Skipped, result.Errors));
            Assert.Equal("6.2.0", result.PesterVersion);
            Assert.Equal(new[] { "/m/Acceptance", "/t/own" }, result.Paths.ToArray());
            Assert.Equal("JUnitXml", result.OutputFormat);
            Assert.Equal(4, result.Tests.Count);
            Assert.Equal(12.3, result.Tests[0].DurationMs);
            Assert.Equal("connect password=******** failed", result.Tests[1].Message);
            Assert.Equal("/t/own/Broken.Tests.ps1: syntax error", Assert.Single(result.ErrorMessages));

            var record = PlatformTestRecord.From(result);
            Assert.Equal(started.AddSeconds(20), record.FinishedAt);
            Assert.Equal(1, record.Skipped);
            Assert.Equal("PostgreSQL.archives WAL: connect password=******** failed", Assert.Single(record.FailedTests));
        }

        [Fact]
        public void A_run_without_failures_or_errors_passed_and_an_error_summary_is_an_exception()
        {
            var passed = PlatformTestRunner.Parse(@"{ ""Total"": 1, ""Passed"": 1, ""Tests"": [] }", Request(), DateTime.UtcNow, TimeSpan.Zero);
            Assert.Equal("Passed", passed.Result);

            var ex = Assert.Throws<PlatformOpsException>(() =>
                PlatformTestRunner.Parse(@"{ ""Error"": ""PlatformTestSetupFailed"", ""Message"": ""the profile could not be loaded"" }", Request(), DateTime.UtcNow, TimeSpan.Zero));
            Assert.Equal("PlatformTestSetupFailed", ex.ErrorId);
            Assert.Equal("the profile could not be loaded", ex.Message);
        }

        [Fact]
        public void The_pwsh_comes_from_PLATFORMOPS_PWSH_first_then_PSHOME()
        {
            var folder = Path.Combine(Path.GetTempPath(), "rdy-pwsh-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(folder);
            var custom = Path.Combine(folder, "my-pwsh");
            var home = Path.Combine(folder, "home");
            Directory.CreateDirectory(home);
            File.WriteAllText(custom, string.Empty);
            File.WriteAllText(Path.Combine(home, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh"), string.Empty);
            var saved = Environment.GetEnvironmentVariable("PLATFORMOPS_PWSH");
            try
            {
                Environment.SetEnvironmentVariable("PLATFORMOPS_PWSH", custom);
                Assert.Equal(custom, PlatformTestRunner.FindPwsh(home));
                Environment.SetEnvironmentVariable("PLATFORMOPS_PWSH", null);
                Assert.Equal(Path.Combine(home, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh"), PlatformTestRunner.FindPwsh(home));
            }
            finally
            {
                Environment.SetEnvironmentVariable("PLATFORMOPS_PWSH", saved);
                Directory.Delete(folder, true);
            }
        }
    }
}

using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PlatformOps.Common;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Common
{
    [Collection(LabCollection.Name)]
    public sealed class StopReportTests
    {
        private readonly PowerShellFixture _ps;

        public StopReportTests(PowerShellFixture ps) => _ps = ps;

        [Theory]
        [InlineData(true, "pwsh.dll", "-NoProfile", "-c", "Invoke-PlatformBackup")]
        [InlineData(true, "pwsh.dll", "-NoProfile", "-NonInteractive", "-File", "/etc/job.ps1")]
        [InlineData(true, "pwsh.dll", "-f", "/etc/job.ps1", "-NoExit")]
        [InlineData(true, "pwsh.dll", "/etc/job.ps1")]
        [InlineData(true, "pwsh.dll", "-ExecutionPolicy", "Bypass", "-WorkingDirectory", "/tmp", "job.ps1")]
        [InlineData(true, "pwsh.dll", "-ec", "ZQBjAGgAbwA=")]
        [InlineData(true, "pwsh.dll", "-CommandWithArgs", "$args", "x")]
        [InlineData(true, "pwsh.dll", "--command", "x")]
        [InlineData(false, "pwsh.dll")]
        [InlineData(false, "pwsh.dll", "-NoProfile", "-NoLogo")]
        [InlineData(false, "pwsh.dll", "-NoExit", "-c", "Import-Module PlatformOps")]
        [InlineData(false, "pwsh.dll", "-noe", "-File", "/etc/profile.ps1")]
        [InlineData(false, "pwsh.dll", "-NonInteractive")]
        [InlineData(false, "pwsh.dll", "-ExecutionPolicy", "Bypass")]
        public void A_non_interactive_pwsh_is_told_from_its_command_line(bool expected, params string[] args)
            => Assert.Equal(expected, StopReport.IsNonInteractiveRun(args));

        [Fact]
        public void A_stopped_cmdlet_leaves_a_Cancelled_record_in_Error_and_stops_within_a_second()
        {
            _ps.Invoke("$Error.Clear()");
            using var ps = PowerShell.Create();
            ps.Runspace = _ps.Runspace;
            // A long scan: the whole /usr tree (the SDK host is not the console host, so no exit code is set here).
            ps.AddScript("Find-PlatformSecret -Path /usr | Out-Null");
            var running = ps.BeginInvoke();
            Thread.Sleep(1500);
            Assert.False(running.IsCompleted, "the scan ended before it could be stopped");
            var clock = Stopwatch.StartNew();
            ps.Stop();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"stopping took {clock.Elapsed}");
            var ids = _ps.Invoke("$Error | ForEach-Object FullyQualifiedErrorId").Output.Select(o => o.ToString()).ToList();
            Assert.Contains("PlatformSecretCancelled", ids);
            var record = _ps.Invoke("$Error | Where-Object FullyQualifiedErrorId -eq 'PlatformSecretCancelled' | Select-Object -First 1").Output.Single().BaseObject as ErrorRecord;
            Assert.NotNull(record);
            Assert.Equal(ErrorCategory.OperationStopped, record!.CategoryInfo.Category);
            Assert.Contains("Find-PlatformSecret was cancelled", record.ToString());
        }
    }
}

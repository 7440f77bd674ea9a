using System;
using System.IO;
using System.Linq;
using PlatformOps.Tests.Infrastructure;
using PlatformOps.Wal;
using Xunit;

namespace PlatformOps.Tests.Wal
{
    /// <summary>
    /// Archiving on the lab's own PostgreSQL: turned on (the container is restarted through the Docker API the first
    /// time only) into the lab's archive folder, and left on and working, as the lab's later users expect.
    /// </summary>
    [Collection(LabCollection.Name)]
    [Trait(Category.Name, Category.Docker)]
    public sealed class LabWalTests
    {
        private readonly PowerShellFixture _ps;

        public LabWalTests(PowerShellFixture ps)
        {
            _ps = ps;
            Lab.RequireProfile(Lab.DockerProfile);
        }

        [Fact]
        public void The_lab_server_archives_into_the_lab_archive_and_a_switch_arrives()
        {
            var archive = Path.Combine(Lab.Root, "wal-archive");
            var enable = _ps.Invoke("Enable-PlatformWalArchiving -Profile $args[0] -Restart -Confirm:$false", Lab.DockerProfile);
            enable.ShouldSucceed();
            var result = enable.Objects<WalArchivingResult>().Single();
            Assert.True(result.Active, $"restart required: {result.RestartRequired}");
            Assert.Equal("agentic-postgres", result.Container);
            Assert.Equal(archive, result.ArchiveDirectory);
            Assert.DoesNotContain(File.ReadAllText(Path.Combine(Lab.Root, "secrets", "postgres.password")).Trim(), result.ArchiveCommand, StringComparison.Ordinal);

            // A second run finds nothing to do and restarts nothing.
            var again = _ps.Invoke("Enable-PlatformWalArchiving -Profile $args[0] -Restart -Confirm:$false", Lab.DockerProfile).Objects<WalArchivingResult>().Single();
            Assert.False(again.Changed);

            var sw = _ps.Invoke("Invoke-PlatformWalSwitch -Profile $args[0] -TimeoutSec 60", Lab.DockerProfile);
            sw.ShouldSucceed();
            var switched = sw.Objects<WalSwitchResult>().Single();
            Assert.True(switched.Archived);
            Assert.True(File.Exists(Path.Combine(archive, switched.Segment)), $"{switched.Segment} is not in {archive}");

            var status = _ps.Invoke("Get-PlatformWalStatus -Profile $args[0] -SampleSec 0.5", Lab.DockerProfile).Objects<PlatformWalStatus>().Single();
            Assert.True(status.ArchivingEnabled);
            Assert.False(status.ArchiveFailing, status.FailureReason);
            Assert.True(status.RpoOk, status.RpoDetail);
        }
    }
}

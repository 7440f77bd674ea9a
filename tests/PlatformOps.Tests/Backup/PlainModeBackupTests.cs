using System;
using System.IO;
using System.Linq;
using PlatformOps.Backup;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Backup
{
    /// <summary>Backups without Docker: PostgreSQL and Redis as plain processes, host tools only.</summary>
    [Collection(LabCollection.Name)]
    [Trait(Category.Name, Category.Plain)]
    public sealed class PlainModeBackupTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly string _root = Path.Combine(Path.GetTempPath(), "bk-plain-" + Guid.NewGuid().ToString("N")[..8]);

        public PlainModeBackupTests(PowerShellFixture ps)
        {
            _ps = ps;
            Lab.RequireProfile(Lab.PlainProfile);
        }

        public void Dispose() => BackupTestKit.DeleteFolder(_root);

        [Fact]
        public void A_platform_without_docker_is_backed_up_with_host_tools_and_proven_to_restore()
        {
            var r = _ps.Invoke("Invoke-PlatformBackup -Profile $args[0] -Path $args[1] -Database agentic | Test-PlatformBackup -Profile $args[0] -Restore", Lab.PlainProfile, _root);
            r.ShouldSucceed();
            var test = Assert.Single(r.Objects<BackupTestResult>());
            Assert.True(test.Passed, string.Join("; ", test.Failures));
            Assert.Contains(test.Checks, c => c.Kind == "Restore" && c.Detail!.Contains("Host tools"));
            Assert.Contains(test.Checks, c => c.Kind == "KeyCount" && c.Passed);
            var set = Assert.Single(_ps.Invoke("Get-PlatformBackup -Path $args[0]", _root).Objects<PlatformBackupSet>());
            Assert.Equal("Host", set.ToolMode);
            Assert.True(set.HasRedis && set.HasGlobals);

            // Container mode needs a container: the plain profile names none, and the error says so.
            var container = _ps.Invoke("Invoke-PlatformBackup -Profile $args[0] -Path $args[1] -Database agentic -SkipRedis -ToolMode Container", Lab.PlainProfile, _root);
            Assert.Equal("PostgresContainerUnknown", container.ErrorId);
            Assert.Single(Directory.GetDirectories(_root));
        }
    }
}

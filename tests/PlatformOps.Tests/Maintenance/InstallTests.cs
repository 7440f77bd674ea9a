using System;
using System.IO;
using System.Linq;
using PlatformOps.Maintenance;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Maintenance
{
    /// <summary>
    /// Install-/Get-/Uninstall-PlatformMaintenance through the cmdlets. Units are judged by systemd-analyze verify
    /// (Debian's systemd); uninstalling must give back the folders and crontabs exactly as they were.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class InstallTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly MaintenanceFolder _folder = new MaintenanceFolder("install");

        public InstallTests(PowerShellFixture ps) => _ps = ps;

        public void Dispose() => _folder.Dispose();

        private string Units => Path.Combine(_folder.Root, "units");

        private string SystemdProfile(string name = "inst")
            => _folder.Profile(name, m => { m["UnitPath"] = Units; m["OnFailureUnit"] = "notify-ops@%n.service"; m["Jobs"] = new System.Text.Json.Nodes.JsonObject
            {
                ["Backup"] = new System.Text.Json.Nodes.JsonObject { ["Schedule"] = "15 1 * * *", ["TimeLimitMinutes"] = 90 },
            }; });

        [Fact]
        public void Systemd_units_pass_systemd_analyze_verify_and_a_broken_one_does_not()
        {
            var profile = SystemdProfile();
            var result = _ps.Invoke("Install-PlatformMaintenance -Profile $args[0] -Scheduler Systemd -WarningVariable w; $w", profile);
            result.ShouldSucceed();
            var installs = result.Objects<MaintenanceJobInstall>().ToList();
            Assert.Equal(new[] { "Installed", "Installed", "Skipped", "Installed", "Skipped" }, installs.Select(i => i.Action));
            Assert.Contains(result.Output, o => o.ToString()!.Contains("systemd is not PID 1"));
            var units = Directory.GetFiles(Units).Where(f => f.EndsWith(".service") || f.EndsWith(".timer")).OrderBy(f => f).ToList();
            Assert.Equal(6, units.Count);
            var (code, output) = MaintenanceFolder.Run("systemd-analyze", new[] { "verify" }.Concat(units).ToArray());
            Assert.True(code == 0 && output.Trim().Length == 0, "systemd-analyze verify: " + output);

            var backup = File.ReadAllText(Path.Combine(Units, "platformops-inst-backup.timer"));
            Assert.Contains("OnCalendar=*-*-* 01:15:00", backup);
            var service = File.ReadAllText(Path.Combine(Units, "platformops-inst-backup.service"));
            Assert.Contains("TimeoutStartSec=9300", service); // 90 min + 60 min lock wait + 5 min
            Assert.Contains("OnFailure=notify-ops@%n.service", service);
            Assert.Contains($"-Profile '{profile}'", service);
            foreach (var secret in MaintenanceFolder.LabSecrets()) Assert.DoesNotContain(secret, string.Concat(units.Select(File.ReadAllText)));
            Assert.Equal(Path.Combine(Units, "platformops-inst-backup.timer"), new FileInfo(Path.Combine(Units, "timers.target.wants", "platformops-inst-backup.timer")).LinkTarget);

            // The judge can fail: a unit with a relative ExecStart and a bad calendar is refused.
            var broken = Path.Combine(_folder.Root, "broken");
            Directory.CreateDirectory(broken);
            File.WriteAllText(Path.Combine(broken, "b.service"), service.Replace("ExecStart=\"/", "ExecStart=\"").Replace("Type=oneshot", "Type=oneshot-ish"));
            File.WriteAllText(Path.Combine(broken, "b.timer"), backup.Replace("01:15:00", "25:99:00").Replace("platformops-inst-backup.service", "b.service"));
            var (bad, why) = MaintenanceFolder.Run("systemd-analyze", "verify", Path.Combine(broken, "b.service"), Path.Combine(broken, "b.timer"));
            Assert.True(bad != 0 || why.Trim().Length > 0, "systemd-analyze verify accepted a broken unit");
        }

        [Fact]
        public void WhatIf_writes_nothing_and_shows_what_would_be_written()
        {
            var profile = SystemdProfile("whatif");
            var result = _ps.Invoke("Install-PlatformMaintenance -Profile $args[0] -Scheduler Systemd -WhatIf", profile);
            result.ShouldSucceed();
            var backup = result.Objects<MaintenanceJobInstall>().First(i => i.Job == MaintenanceJobName.Backup);
            Assert.Equal("WouldInstall", backup.Action);
            Assert.Contains("[Timer]", backup.Content);
            Assert.False(Directory.Exists(Units));
            Assert.False(Directory.Exists(_folder.State));

            var tasks = _ps.Invoke("Install-PlatformMaintenance -Profile $args[0] -Scheduler TaskScheduler -WhatIf", profile);
            tasks.ShouldSucceed();
            Assert.Contains("<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>", tasks.Objects<MaintenanceJobInstall>().First().Content);
            var refused = _ps.Invoke("Install-PlatformMaintenance -Profile $args[0] -Scheduler TaskScheduler", profile);
            Assert.Equal("PlatformMaintenanceSchedulerUnavailable", refused.ErrorId);
        }

        [Fact]
        public void Uninstall_gives_back_the_unit_folder_exactly_as_it_was_and_keeps_an_edited_unit()
        {
            Directory.CreateDirectory(Path.Combine(Units, "timers.target.wants"));
            File.WriteAllText(Path.Combine(Units, "someone-else.service"), "[Service]\nExecStart=/bin/true\n");
            File.CreateSymbolicLink(Path.Combine(Units, "timers.target.wants", "someone-else.timer"), Path.Combine(Units, "someone-else.timer"));
            var before = MaintenanceFolder.Snapshot(Units);
            var profile = SystemdProfile("exact");
            _ps.Invoke("Install-PlatformMaintenance -Profile $args[0] -Scheduler Systemd -WarningAction SilentlyContinue", profile).ShouldSucceed();
            Assert.NotEqual(before, MaintenanceFolder.Snapshot(Units));

            var status = _ps.Invoke("Get-PlatformMaintenance -Profile $args[0]", profile).Objects<MaintenanceJobStatus>().ToList();
            Assert.True(status.Single(s => s.Job == MaintenanceJobName.Backup).Installed);
            Assert.True(status.Single(s => s.Job == MaintenanceJobName.Backup).NextRun > DateTime.Now);
            Assert.False(status.Single(s => s.Job == MaintenanceJobName.WalSync).Installed);

            // Someone edits one unit: it is kept (with a warning) unless -Force.
            var edited = Path.Combine(Units, "platformops-exact-verify.service");
            File.AppendAllText(edited, "# local change\n");
            var first = _ps.Invoke("Uninstall-PlatformMaintenance -Profile $args[0] -Confirm:$false -WarningAction SilentlyContinue", profile);
            first.ShouldSucceed();
            Assert.Equal("Kept", first.Objects<MaintenanceRemoval>().Single(r => r.Item == edited).Action);
            Assert.True(File.Exists(edited));
            var second = _ps.Invoke("Uninstall-PlatformMaintenance -Profile $args[0] -Force -Confirm:$false", profile);
            second.ShouldSucceed();
            Assert.Equal(before, MaintenanceFolder.Snapshot(Units));
            Assert.False(File.Exists(Path.Combine(_folder.State, InstallRecord.FileName)));
        }

        [Fact]
        public void A_shared_crontab_gets_only_its_block_and_loses_only_that()
        {
            var crontab = Path.Combine(_folder.Root, "crontabs", "root");
            Directory.CreateDirectory(Path.GetDirectoryName(crontab)!);
            var original = "MAILTO=\"\"\n# the team's own job\n17 * * * * /usr/local/bin/rotate-things --quiet";
            File.WriteAllText(crontab, original);
            var profile = _folder.Profile("cron", m => m["CrontabPath"] = crontab);
            var install = _ps.Invoke("Install-PlatformMaintenance -Profile $args[0] -Scheduler Cron -Job Backup, Readiness", profile);
            install.ShouldSucceed();
            var text = File.ReadAllText(crontab);
            Assert.StartsWith(original + "\n# BEGIN PlatformOps maintenance of 'cron'", text);
            var lines = Crontab.LinesOf(text, "cron");
            Assert.Equal(2, lines.Count);
            Assert.StartsWith("30 2 * * * PLATFORMOPS_MAINTENANCE_TRIGGER='Cron' ", lines[0]);
            foreach (var secret in MaintenanceFolder.LabSecrets()) Assert.DoesNotContain(secret, text);
            // sh reads the line back into the words it was made of.
            var (code, words) = MaintenanceFolder.Run("sh", "-c", "set -- " + lines[1].Substring("*/5 * * * * ".Length).Replace("PLATFORMOPS_MAINTENANCE_TRIGGER='Cron' ", string.Empty) + "; printf '%s\\n' \"$@\"");
            Assert.Equal(0, code);
            Assert.Contains($"Import-Module -Name '{PlatformOps.Common.ModuleLayout.ImportPath}' -ErrorAction Stop; Invoke-PlatformMaintenance -Job Readiness -Profile '{profile}'", words);

            _ps.Invoke("Uninstall-PlatformMaintenance -Profile $args[0] -Confirm:$false", profile).ShouldSucceed();
            Assert.Equal(original, File.ReadAllText(crontab));
        }
    }
}

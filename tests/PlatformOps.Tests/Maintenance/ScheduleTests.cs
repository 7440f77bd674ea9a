using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PlatformOps.Maintenance;
using PlatformOps.Common;
using Xunit;

namespace PlatformOps.Tests.Maintenance
{
    /// <summary>Cron schedules, judged against systemd's own calendar parser and the Task Scheduler schema's shape.</summary>
    public sealed class ScheduleTests
    {
        private static readonly Regex Elapse = new Regex(@"(?:Next elapse|Iter\. #\d+|Iteration #\d+):\s+\w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", RegexOptions.CultureInvariant);

        [Theory]
        [InlineData("30 2 * * *")]
        [InlineData("*/5 * * * *")]
        [InlineData("0 */6 * * *")]
        [InlineData("15 3 * * mon,fri")]
        [InlineData("0 4 1,15 * *")]
        [InlineData("10-50/20 9-17 * * 1-5")]
        [InlineData("0 0 1 */3 *")]
        [InlineData("@weekly")]
        [InlineData("@hourly")]
        [InlineData("0 12 * * 7")]
        public void OnCalendar_fires_when_cron_would_as_systemd_analyze_calendar_computes_it(string expression)
        {
            var schedule = CronSchedule.Parse(expression);
            var onCalendar = schedule.ToOnCalendar();
            var (code, output) = MaintenanceFolder.Run("systemd-analyze", "calendar", "--iterations=8", "--base-time=2026-01-01 00:00:00 UTC", onCalendar);
            Assert.True(code == 0, $"systemd-analyze refused '{onCalendar}' (from '{expression}'): {output}");
            var systemd = Elapse.Matches(output).Select(m => DateTime.ParseExact(m.Groups[1].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(8, systemd.Count);
            var ours = new System.Collections.Generic.List<DateTime>();
            var t = new DateTime(2026, 1, 1, 0, 0, 0);
            for (var i = 0; i < 8; i++) { t = schedule.Next(t)!.Value; ours.Add(t); }
            Assert.Equal(systemd, ours);
        }

        [Theory]
        [InlineData("30 2 * *", "five fields")]
        [InlineData("60 2 * * *", "outside 0-59")]
        [InlineData("0 0 31 2 *", "never fires")]
        [InlineData("*/0 * * * *", "not a positive number")]
        [InlineData("0 9-5 * * *", "runs backwards")]
        [InlineData("0 0 * * someday", "is not a day-of-week")]
        public void A_bad_schedule_is_refused_with_the_reason(string expression, string reason)
        {
            var ex = Assert.Throws<MaintenanceException>(() => CronSchedule.Parse(expression, "Maintenance.Jobs.Backup.Schedule"));
            Assert.Equal("PlatformMaintenanceScheduleInvalid", ex.ErrorId);
            Assert.Contains(reason, ex.Message);
            Assert.Contains("Maintenance.Jobs.Backup.Schedule", ex.Message);
        }

        [Fact]
        public void Day_of_month_with_day_of_week_is_refused_for_systemd_and_Task_Scheduler_because_cron_ors_them()
        {
            var s = CronSchedule.Parse("0 0 13 * 5");
            Assert.True(s.Next(new DateTime(2026, 1, 1)) == new DateTime(2026, 1, 2), "cron runs it on the first Friday as well as on the 13th");
            Assert.Equal("PlatformMaintenanceScheduleUnsupported", Assert.Throws<MaintenanceException>(() => s.ToOnCalendar()).ErrorId);
        }

        [Fact]
        public void The_default_window_is_one_period_plus_the_time_limit_and_slack()
        {
            var plan = MaintenancePlan.From(new PlatformProfile { Name = "w" });
            Assert.Equal(TimeSpan.FromHours(24) + TimeSpan.FromHours(2) + TimeSpan.FromHours(2.4), plan.Job(MaintenanceJobName.Backup).Window);
            Assert.Equal(TimeSpan.FromMinutes(5 + 4 + 5), plan.Job(MaintenanceJobName.Readiness).Window);
            Assert.False(plan.Job(MaintenanceJobName.WalSync).Enabled);
            Assert.Contains("WalSync.Script", plan.Job(MaintenanceJobName.WalSync).Reason);
            Assert.False(plan.Job(MaintenanceJobName.Retention).Enabled, "no Backup.Retention, no retention job");
        }

        private static XElement[] Triggers(string expression)
        {
            var plan = MaintenancePlan.From(new PlatformProfile { Name = "win", Maintenance = new MaintenanceSettings() });
            plan.Settings.Jobs["Backup"] = new MaintenanceJobSettings { Schedule = expression };
            plan = MaintenancePlan.From(plan.Profile);
            var command = new JobCommand(@"C:\Program Files\PowerShell\7\pwsh.exe", @"C:\Modules\PlatformOps\PlatformOps.psd1", @"C:\ops\it's.json", MaintenanceJobName.Backup);
            var xml = XDocument.Parse(TaskSchedulerXml.Render(plan, plan.Job(MaintenanceJobName.Backup), command));
            XNamespace ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
            Assert.Equal("IgnoreNew", xml.Root!.Element(ns + "Settings")!.Element(ns + "MultipleInstancesPolicy")!.Value);
            var arguments = xml.Root.Element(ns + "Actions")!.Element(ns + "Exec")!.Element(ns + "Arguments")!.Value;
            Assert.Contains("Invoke-PlatformMaintenance -Job Backup -Profile 'C:\\ops\\it''s.json'", arguments);
            return xml.Root.Element(ns + "Triggers")!.Elements().ToArray();
        }

        [Fact]
        public void Task_Scheduler_definitions_say_what_cron_says_or_refuse()
        {
            XNamespace ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
            var daily = Triggers("30 2 * * *");
            Assert.Single(daily);
            Assert.Equal("2000-01-01T02:30:00", daily[0].Element(ns + "StartBoundary")!.Value);
            Assert.NotNull(daily[0].Element(ns + "ScheduleByDay"));

            var every = Triggers("*/5 * * * *");
            Assert.Equal("PT5M", every[0].Element(ns + "Repetition")!.Element(ns + "Interval")!.Value);

            var weekly = Triggers("0 3,15 * * mon,fri");
            Assert.Equal(2, weekly.Length);
            Assert.Equal(new[] { "Monday", "Friday" }, weekly[0].Element(ns + "ScheduleByWeek")!.Element(ns + "DaysOfWeek")!.Elements().Select(e => e.Name.LocalName));

            Assert.Equal("PlatformMaintenanceScheduleUnsupported", Assert.Throws<MaintenanceException>(() => Triggers("*/7 * * * *")).ErrorId);
        }

        [Fact]
        public void Crontab_blocks_leave_every_other_byte_as_it_was()
        {
            foreach (var original in new[] { "", "MAILTO=ops\n0 1 * * * /usr/bin/true\n", "0 1 * * * /usr/bin/true" })
            {
                var merged = Crontab.Merge(original, "p", Crontab.Block("p", new[] { "* * * * * x" }), out var added);
                Assert.Contains("* * * * * x\n", merged);
                Assert.StartsWith(original, merged);
                var again = Crontab.Merge(Crontab.Remove(merged, "p", added, out _), "q", Crontab.Block("q", new[] { "1 * * * * y" }), out var addedQ);
                Assert.Equal(original, Crontab.Remove(Crontab.Remove(again, "q", addedQ, out var foundQ), "p", false, out _));
                Assert.True(foundQ);
                Assert.Equal(original, Crontab.Remove(merged, "p", added, out var found));
                Assert.True(found);
            }
        }
    }
}

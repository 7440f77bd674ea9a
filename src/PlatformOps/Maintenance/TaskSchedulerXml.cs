using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// A job as a Windows Task Scheduler task definition (schema 1.2, as schtasks /Create /XML takes it): calendar
    /// triggers derived from the cron schedule, IgnoreNew for overlapping starts, the time limit as the backstop.
    /// Schedules Task Scheduler cannot express exactly (a day of the month with days of the week, a minute step that
    /// does not divide the hour, more than 48 start times a day) are refused rather than approximated.
    /// </summary>
    public static class TaskSchedulerXml
    {
        private const string Ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        private static readonly string[] WeekDayElements = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };
        private static readonly string[] MonthElements = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames.Take(12).ToArray();

        /// <summary>\PlatformOps\&lt;platform&gt;\&lt;job&gt;.</summary>
        public static string TaskName(string platform, MaintenanceJobName job)
        {
            var safe = new string((platform ?? "platform").Select(c => Path.GetInvalidFileNameChars().Contains(c) || c == '\\' ? '_' : c).ToArray());
            return $"\\PlatformOps\\{safe}\\{job}";
        }

        public static string Render(MaintenancePlan plan, PlannedJob job, JobCommand command)
        {
            var sb = new StringBuilder();
            var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true };
            using (var w = XmlWriter.Create(new StringWriter(sb, CultureInfo.InvariantCulture), settings))
            {
                w.WriteStartElement("Task", Ns);
                w.WriteAttributeString("version", "1.2");
                w.WriteStartElement("RegistrationInfo", Ns);
                w.WriteElementString("Author", Ns, "PlatformOps (Install-PlatformMaintenance)");
                w.WriteElementString("Description", Ns, $"PlatformOps {plan.Platform}: {job.Description}, cron '{job.Schedule.CronText}'. Uninstall-PlatformMaintenance removes it.");
                w.WriteElementString("URI", Ns, TaskName(plan.Platform, job.Name));
                w.WriteEndElement();

                w.WriteStartElement("Triggers", Ns);
                foreach (var trigger in Triggers(job.Schedule)) WriteTrigger(w, job.Schedule, trigger);
                w.WriteEndElement();

                w.WriteStartElement("Principals", Ns);
                w.WriteStartElement("Principal", Ns);
                w.WriteAttributeString("id", "Author");
                w.WriteElementString("LogonType", Ns, "S4U");
                w.WriteElementString("RunLevel", Ns, "LeastPrivilege");
                w.WriteEndElement();
                w.WriteEndElement();

                w.WriteStartElement("Settings", Ns);
                w.WriteElementString("MultipleInstancesPolicy", Ns, "IgnoreNew");
                w.WriteElementString("DisallowStartIfOnBatteries", Ns, "false");
                w.WriteElementString("StopIfGoingOnBatteries", Ns, "false");
                w.WriteElementString("StartWhenAvailable", Ns, "true");
                w.WriteElementString("ExecutionTimeLimit", Ns, XmlConvert.ToString(job.TimeLimit + job.LockWait + TimeSpan.FromMinutes(5)));
                w.WriteElementString("Enabled", Ns, "true");
                w.WriteEndElement();

                w.WriteStartElement("Actions", Ns);
                w.WriteAttributeString("Context", "Author");
                w.WriteStartElement("Exec", Ns);
                w.WriteElementString("Command", Ns, command.Pwsh);
                w.WriteElementString("Arguments", Ns, command.WindowsArguments());
                w.WriteEndElement();
                w.WriteEndElement();
                w.WriteEndElement();
            }
            return "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n" + sb + "\n";
        }

        /// <summary>A start time of day and, for minute steps, how often it repeats within the day.</summary>
        private sealed class Start
        {
            public Start(int hour, int minute, int? everyMinutes) { Hour = hour; Minute = minute; EveryMinutes = everyMinutes; }
            public int Hour { get; }
            public int Minute { get; }
            public int? EveryMinutes { get; }
        }

        private static MaintenanceException Unsupported(CronSchedule s, string why)
            => new MaintenanceException("PlatformMaintenanceScheduleUnsupported", MaintenanceErrorKind.NotSupported, s.Expression,
                $"Task Scheduler cannot run '{s.Expression}' exactly: {why}. Choose a schedule of fixed times (or a minute step that divides the hour) on every day, some weekdays, or some days of the month.");

        private static IReadOnlyList<Start> Triggers(CronSchedule s)
        {
            if (!s.AnyDay && !s.AnyWeekDay) throw Unsupported(s, "it restricts both the day of the month and the day of the week");
            if (!s.AnyDay || s.Fields[3] != "*")
            {
                if (!s.AnyWeekDay) throw Unsupported(s, "it restricts months and days of the week together");
            }
            var minuteField = s.Fields[0];
            var allHours = s.Fields[1] == "*";
            if (allHours && (minuteField == "*" || minuteField.StartsWith("*/", StringComparison.Ordinal)))
            {
                var every = minuteField == "*" ? 1 : int.Parse(minuteField.Substring(2), CultureInfo.InvariantCulture);
                if (60 % every != 0) throw Unsupported(s, $"a step of {every} minutes does not divide the hour");
                return new[] { new Start(0, 0, every) };
            }
            var starts = new List<Start>();
            for (var h = 0; h < 24; h++)
                for (var m = 0; m < 60; m++)
                    if (s.Hours[h] && s.Minutes[m]) starts.Add(new Start(h, m, null));
            if (starts.Count > 48) throw Unsupported(s, $"it starts {starts.Count} times a day (at most 48 triggers are written)");
            return starts;
        }

        private static void WriteTrigger(XmlWriter w, CronSchedule s, Start start)
        {
            w.WriteStartElement("CalendarTrigger", Ns);
            if (start.EveryMinutes != null)
            {
                w.WriteStartElement("Repetition", Ns);
                w.WriteElementString("Interval", Ns, XmlConvert.ToString(TimeSpan.FromMinutes(start.EveryMinutes.Value)));
                w.WriteElementString("Duration", Ns, "P1D");
                w.WriteElementString("StopAtDurationEnd", Ns, "false");
                w.WriteEndElement();
            }
            w.WriteElementString("StartBoundary", Ns, new DateTime(2000, 1, 1, start.Hour, start.Minute, 0).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
            w.WriteElementString("Enabled", Ns, "true");
            if (!s.AnyWeekDay)
            {
                w.WriteStartElement("ScheduleByWeek", Ns);
                w.WriteStartElement("DaysOfWeek", Ns);
                for (var d = 0; d < 7; d++) if (s.WeekDays[d]) w.WriteElementString(WeekDayElements[d], Ns, string.Empty);
                w.WriteEndElement();
                w.WriteElementString("WeeksInterval", Ns, "1");
                w.WriteEndElement();
            }
            else if (!s.AnyDay || s.Fields[3] != "*")
            {
                w.WriteStartElement("ScheduleByMonth", Ns);
                w.WriteStartElement("DaysOfMonth", Ns);
                for (var d = 1; d <= 31; d++) if (s.Days[d]) w.WriteElementString("Day", Ns, d.ToString(CultureInfo.InvariantCulture));
                w.WriteEndElement();
                w.WriteStartElement("Months", Ns);
                for (var m = 1; m <= 12; m++) if (s.Months[m]) w.WriteElementString(MonthElements[m - 1], Ns, string.Empty);
                w.WriteEndElement();
                w.WriteEndElement();
            }
            else
            {
                w.WriteStartElement("ScheduleByDay", Ns);
                w.WriteElementString("DaysInterval", Ns, "1");
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// A five-field cron schedule (minute hour day-of-month month day-of-week, local time) with the macros @hourly,
    /// @daily, @midnight, @weekly, @monthly, @yearly and @annually. It is the one way a job's schedule is written in the
    /// profile; the scheduler-specific forms (systemd OnCalendar, Task Scheduler triggers) are derived from it.
    /// </summary>
    public sealed class CronSchedule
    {
        private static readonly string[] MonthNames = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec" };
        private static readonly string[] DayNames = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
        private static readonly Dictionary<string, string> Macros = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["@hourly"] = "0 * * * *",
            ["@daily"] = "0 0 * * *",
            ["@midnight"] = "0 0 * * *",
            ["@weekly"] = "0 0 * * 0",
            ["@monthly"] = "0 0 1 * *",
            ["@yearly"] = "0 0 1 1 *",
            ["@annually"] = "0 0 1 1 *",
        };

        private static readonly char[] Blanks = { ' ', '\t' };

        private CronSchedule(string expression, string[] fields)
        {
            Expression = expression;
            Fields = fields;
        }

        /// <summary>The schedule as the profile wrote it (a macro stays a macro).</summary>
        public string Expression { get; }
        /// <summary>The five fields after macro expansion.</summary>
        public IReadOnlyList<string> Fields { get; }
        internal bool[] Minutes { get; private set; } = new bool[60];
        internal bool[] Hours { get; private set; } = new bool[24];
        internal bool[] Days { get; private set; } = new bool[32];
        internal bool[] Months { get; private set; } = new bool[13];
        internal bool[] WeekDays { get; private set; } = new bool[7];
        /// <summary>The day-of-month field starts with '*' (cron then matches days by the day-of-week field alone).</summary>
        internal bool AnyDay { get; private set; }
        internal bool AnyWeekDay { get; private set; }

        /// <summary>The five-field form, as written into a crontab.</summary>
        public string CronText => string.Join(" ", Fields);

        public override string ToString() => Expression;

        /// <summary>Parses a schedule; <paramref name="setting"/> names where it came from in error messages.</summary>
        public static CronSchedule Parse(string text, string setting = "schedule")
        {
            var expression = (text ?? string.Empty).Trim();
            var expanded = Macros.TryGetValue(expression, out var macro) ? macro : expression;
            var fields = expanded.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 5)
                throw Invalid(setting, expression, "it needs five fields (minute hour day-of-month month day-of-week), e.g. '30 2 * * *', or a macro such as @daily");
            var s = new CronSchedule(expression, fields);
            s.Minutes = Field(fields[0], 0, 59, null, setting, expression, "minute");
            s.Hours = Field(fields[1], 0, 23, null, setting, expression, "hour");
            s.Days = Field(fields[2], 1, 31, null, setting, expression, "day-of-month");
            s.Months = Field(fields[3], 1, 12, MonthNames, setting, expression, "month");
            var week = Field(fields[4], 0, 7, DayNames, setting, expression, "day-of-week");
            if (week[7]) week[0] = true;
            s.WeekDays = week.Take(7).ToArray();
            s.AnyDay = fields[2].StartsWith("*", StringComparison.Ordinal);
            s.AnyWeekDay = fields[4].StartsWith("*", StringComparison.Ordinal);
            if (s.Next(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Local), 366 * 8) == null)
                throw Invalid(setting, expression, "it never fires (no such day)");
            return s;
        }

        private static MaintenanceException Invalid(string setting, string expression, string why)
            => new MaintenanceException("PlatformMaintenanceScheduleInvalid", MaintenanceErrorKind.InvalidArgument, expression,
                $"{setting} '{expression}' is not a cron schedule: {why}.");

        private static bool[] Field(string text, int min, int max, string[]? names, string setting, string expression, string what)
        {
            var set = new bool[max + 1];
            foreach (var part in text.Split(','))
            {
                var step = 1;
                var range = part;
                var slash = part.IndexOf('/');
                if (slash >= 0)
                {
                    if (!int.TryParse(part.Substring(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1)
                        throw Invalid(setting, expression, $"the {what} step in '{part}' is not a positive number");
                    range = part.Substring(0, slash);
                }
                int from, to;
                if (range == "*") { from = min; to = max == 7 ? 6 : max; }
                else
                {
                    var dash = range.IndexOf('-');
                    from = Value(dash < 0 ? range : range.Substring(0, dash), min, max, names, setting, expression, what);
                    to = dash < 0 ? (slash >= 0 ? (max == 7 ? 6 : max) : from) : Value(range.Substring(dash + 1), min, max, names, setting, expression, what);
                    if (to < from) throw Invalid(setting, expression, $"the {what} range '{range}' runs backwards");
                }
                for (var v = from; v <= to; v += step) set[v] = true;
            }
            return set;
        }

        private static int Value(string text, int min, int max, string[]? names, string setting, string expression, string what)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                if (n < min || n > max) throw Invalid(setting, expression, $"the {what} {n} is outside {min}-{max}");
                return n;
            }
            var index = names == null ? -1 : Array.FindIndex(names, x => string.Equals(x, text, StringComparison.OrdinalIgnoreCase));
            if (index < 0) throw Invalid(setting, expression, $"'{text}' is not a {what}");
            return names == MonthNames ? index + 1 : index;
        }

        /// <summary>True when cron would run the job on this day.</summary>
        internal bool DayMatches(DateTime day)
        {
            if (!Months[day.Month]) return false;
            var dom = Days[day.Day];
            var dow = WeekDays[(int)day.DayOfWeek];
            if (AnyDay && AnyWeekDay) return true;
            if (AnyDay) return dow;
            if (AnyWeekDay) return dom;
            return dom || dow; // cron: both restricted means either
        }

        /// <summary>The first time strictly after <paramref name="after"/> (local time) the job runs, or null within <paramref name="maxDays"/>.</summary>
        public DateTime? Next(DateTime after, int maxDays = 366 * 5)
        {
            var t = new DateTime(after.Year, after.Month, after.Day, after.Hour, after.Minute, 0, after.Kind).AddMinutes(1);
            var limit = t.AddDays(maxDays);
            while (t < limit)
            {
                if (!DayMatches(t)) { t = t.Date.AddDays(1); continue; }
                if (!Hours[t.Hour]) { t = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, t.Kind).AddHours(1); continue; }
                if (!Minutes[t.Minute]) { t = t.AddMinutes(1); continue; }
                return t;
            }
            return null;
        }

        /// <summary>The longest time between two runs (over the next 400 days or 2,000 runs): what "once per period" means for this schedule.</summary>
        public TimeSpan LongestGap()
        {
            var start = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
            var previous = Next(start, 366 * 8);
            var longest = TimeSpan.Zero;
            for (var i = 0; i < 2000 && previous != null && previous.Value < start.AddDays(400); i++)
            {
                var next = Next(previous.Value, 366 * 8);
                if (next == null) break;
                if (next.Value - previous.Value > longest) longest = next.Value - previous.Value;
                previous = next;
            }
            return longest == TimeSpan.Zero ? TimeSpan.FromDays(366) : longest;
        }

        /// <summary>
        /// The same schedule as a systemd OnCalendar= expression. cron runs a job whose day-of-month and day-of-week are
        /// both restricted on either day, systemd only on days that are both, so that form is refused.
        /// </summary>
        public string ToOnCalendar()
        {
            if (!AnyDay && !AnyWeekDay)
                throw new MaintenanceException("PlatformMaintenanceScheduleUnsupported", MaintenanceErrorKind.NotSupported, Expression,
                    $"The schedule '{Expression}' restricts both the day of the month and the day of the week: cron runs it on either, systemd only on both. Use one of the two.");
            var week = AnyWeekDay ? string.Empty : string.Join(",", Enumerable.Range(1, 7).Select(i => i % 7).Where(i => WeekDays[i])
                .Select(i => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(DayNames[i]))) + " ";
            var month = Part(Fields[3], Months, 1, 12);
            var day = Part(Fields[2], Days, 1, 31);
            return $"{week}*-{month}-{day} {Part(Fields[1], Hours, 0, 23)}:{Part(Fields[0], Minutes, 0, 59)}:00";
        }

        /// <summary>One field in systemd's words: * , a repetition from the first value (*/n), or the expanded list.</summary>
        private static string Part(string field, bool[] set, int min, int max)
        {
            if (field == "*") return "*";
            if (field.StartsWith("*/", StringComparison.Ordinal)) return $"{min:00}/{field.Substring(2)}";
            var values = Enumerable.Range(min, max - min + 1).Where(v => set[v]).ToList();
            return values.Count == max - min + 1 ? "*" : string.Join(",", values.Select(v => v.ToString("00", CultureInfo.InvariantCulture)));
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// The jobs as crontab lines inside a block marked with the platform's name, so that a crontab shared with other
    /// entries gets exactly this block added, replaced or removed and nothing else changed.
    /// </summary>
    public static class Crontab
    {
        public static string BeginMarker(string platform) => $"# BEGIN PlatformOps maintenance of '{OneLine(platform)}' (Install-PlatformMaintenance; Uninstall-PlatformMaintenance removes this block)";
        public static string EndMarker(string platform) => $"# END PlatformOps maintenance of '{OneLine(platform)}'";

        private static string OneLine(string text) => text.Replace("\r", " ").Replace("\n", " ");

        /// <summary>One job's line; <paramref name="user"/> is the user field of a system crontab (/etc/cron.d), null for a user's crontab.</summary>
        public static string Line(PlannedJob job, JobCommand command, string? user)
            => job.Schedule.CronText + " " + (user == null ? string.Empty : user + " ") + command.ForShell();

        public static string Block(string platform, IEnumerable<string> lines)
        {
            var sb = new StringBuilder();
            sb.Append(BeginMarker(platform)).Append('\n');
            foreach (var line in lines) sb.Append(line).Append('\n');
            sb.Append(EndMarker(platform)).Append('\n');
            return sb.ToString();
        }

        /// <summary>
        /// The crontab with the platform's block replaced by <paramref name="block"/> (or appended at the end);
        /// <paramref name="addedNewline"/> says a line break was added to a last line that had none.
        /// </summary>
        public static string Merge(string existing, string platform, string block, out bool addedNewline)
        {
            var text = Remove(existing, platform, false, out _);
            addedNewline = false;
            if (text.Length > 0 && !text.EndsWith("\n", StringComparison.Ordinal))
            {
                text += "\n";
                addedNewline = true;
            }
            return text + block;
        }

        /// <summary>The crontab without the platform's block; every other byte as it was.</summary>
        public static string Remove(string existing, string platform, bool addedNewline, out bool found)
        {
            var begin = BeginMarker(platform);
            var end = EndMarker(platform);
            found = false;
            var start = FindLine(existing, begin, 0);
            if (start < 0) return existing;
            var stop = FindLine(existing, end, start);
            if (stop < 0) return existing;
            var after = existing.IndexOf('\n', stop);
            after = after < 0 ? existing.Length : after + 1;
            found = true;
            var text = existing.Substring(0, start) + existing.Substring(after);
            // The line break Merge added to a last line that had none goes too, when the block was still last.
            if (addedNewline && after == existing.Length && text.EndsWith("\n", StringComparison.Ordinal)) text = text.Substring(0, text.Length - 1);
            return text;
        }

        /// <summary>The offset of a whole line equal to <paramref name="line"/>, from <paramref name="from"/>; -1 when absent.</summary>
        private static int FindLine(string text, string line, int from)
        {
            var at = from;
            while (at <= text.Length)
            {
                var i = text.IndexOf(line, at, StringComparison.Ordinal);
                if (i < 0) return -1;
                var startsLine = i == 0 || text[i - 1] == '\n';
                var endsLine = i + line.Length == text.Length || text[i + line.Length] == '\n';
                if (startsLine && endsLine) return i;
                at = i + 1;
            }
            return -1;
        }

        /// <summary>The job lines inside the platform's block (for Get-PlatformMaintenance).</summary>
        public static IReadOnlyList<string> LinesOf(string existing, string platform)
        {
            var lines = existing.Split('\n');
            var inside = false;
            var result = new List<string>();
            foreach (var line in lines)
            {
                if (line == BeginMarker(platform)) { inside = true; continue; }
                if (line == EndMarker(platform)) break;
                if (inside && line.Trim().Length > 0) result.Add(line);
            }
            return result;
        }
    }
}

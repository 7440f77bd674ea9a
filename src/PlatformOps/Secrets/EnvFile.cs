using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace PlatformOps.SecretHygiene
{
    /// <summary>One line of an env file, kept whole so that the file can be written back as it was.</summary>
    internal sealed class EnvLine
    {
        public string Raw { get; set; } = string.Empty;
        /// <summary>The variable name, or null for a blank line or a comment.</summary>
        public string? Key { get; set; }
        public string Value { get; set; } = string.Empty;
        /// <summary>"export " or the indentation before the key.</summary>
        public string Prefix { get; set; } = string.Empty;
        /// <summary>The quote around the value (' or "), or '\0'.</summary>
        public char Quote { get; set; }
        /// <summary>A trailing " # comment" after the value, with its leading blanks.</summary>
        public string Comment { get; set; } = string.Empty;
        public int Number { get; set; }
        /// <summary>Changed since read: written from its parts; unchanged lines are written back byte for byte.</summary>
        public bool Modified { get; set; }
    }

    /// <summary>
    /// Reads and writes Docker Compose style env files (KEY=value, optional export, quotes, # comments) line by line,
    /// keeping comments, blank lines and order.
    /// </summary>
    internal sealed class EnvFile
    {
        public EnvFile(List<EnvLine> lines, string newLine)
        {
            Lines = lines;
            NewLine = newLine;
        }

        public List<EnvLine> Lines { get; }
        public string NewLine { get; }
        public IEnumerable<EnvLine> Entries => Lines.Where(l => l.Key != null);
        public IEnumerable<string> Keys => Entries.Select(e => e.Key!);

        public static EnvFile Read(string path) => Parse(File.ReadAllText(path));

        public static EnvFile Parse(string text)
        {
            var newLine = text.IndexOf("\r\n", StringComparison.Ordinal) >= 0 ? "\r\n" : "\n";
            var raw = text.Replace("\r\n", "\n").Split('\n').ToList();
            if (raw.Count > 0 && raw[raw.Count - 1].Length == 0) raw.RemoveAt(raw.Count - 1);
            var lines = new List<EnvLine>();
            for (var i = 0; i < raw.Count; i++) lines.Add(ParseLine(raw[i], i + 1));
            return new EnvFile(lines, newLine);
        }

        internal static EnvLine ParseLine(string raw, int number)
        {
            var line = new EnvLine { Raw = raw, Number = number };
            var trimmed = raw.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#') return line;
            var indent = raw.Substring(0, raw.Length - trimmed.Length);
            if (trimmed.StartsWith("export ", StringComparison.Ordinal))
            {
                indent += "export ";
                trimmed = trimmed.Substring(7).TrimStart();
            }
            var eq = trimmed.IndexOf('=');
            if (eq <= 0) return line;
            var key = trimmed.Substring(0, eq).Trim();
            if (key.Length == 0 || key.Any(c => !(char.IsLetterOrDigit(c) || c == '_' || c == '.' || c == '-'))) return line;
            line.Key = key;
            line.Prefix = indent;
            var rest = trimmed.Substring(eq + 1);
            var valueText = rest.TrimStart();
            if (valueText.Length > 0 && (valueText[0] == '"' || valueText[0] == '\''))
            {
                var q = valueText[0];
                var close = 1;
                while (close < valueText.Length && valueText[close] != q)
                {
                    if (valueText[close] == '\\' && q == '"') close++;
                    close++;
                }
                if (close < valueText.Length)
                {
                    line.Quote = q;
                    line.Value = valueText.Substring(1, close - 1);
                    line.Comment = valueText.Substring(close + 1);
                    return line;
                }
            }
            var hash = -1;
            for (var i = 0; i < rest.Length; i++)
                if (rest[i] == '#' && (i == 0 || rest[i - 1] == ' ' || rest[i - 1] == '\t')) { hash = i; break; }
            if (hash >= 0)
            {
                var before = rest.Substring(0, hash);
                var value = before.TrimEnd();
                line.Value = value.Trim();
                line.Comment = rest.Substring(value.Length);
            }
            else
            {
                line.Value = rest.Trim();
            }
            return line;
        }

        public EnvLine? Find(string key) => Entries.LastOrDefault(e => string.Equals(e.Key, key, StringComparison.Ordinal));

        private static readonly char[] NeedsQuotes = { ' ', '\t', '#', '"', '\'', '$', '\\' };

        /// <summary>Formats one entry back (the value quoted when it has blanks, quotes or #).</summary>
        public static string Format(EnvLine line)
        {
            if (line.Key == null) return line.Raw;
            var value = line.Value;
            var quote = line.Quote;
            if (quote == '\0' && value.IndexOfAny(NeedsQuotes) >= 0) quote = value.IndexOf('\'') < 0 ? '\'' : '"';
            var formatted = quote == '\0' ? value : quote + (quote == '"' ? value.Replace("\\", "\\\\").Replace("\"", "\\\"") : value) + quote;
            return line.Prefix + line.Key + "=" + formatted + line.Comment;
        }

        public string ToText()
        {
            var sb = new StringBuilder();
            foreach (var l in Lines) sb.Append(l.Key == null || !l.Modified ? l.Raw : Format(l)).Append(NewLine);
            return sb.ToString();
        }
    }
}

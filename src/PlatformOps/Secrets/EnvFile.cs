using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace PlatformOps.Secrets
{
    /// <summary>
    /// One entry of an env file (which may span several physical lines when its value is quoted), or one blank, comment
    /// or unparsable line; kept whole so that the file can be written back as it was.
    /// </summary>
    internal sealed class EnvLine
    {
        /// <summary>The text as read, every physical line of the entry joined with "\n".</summary>
        public string Raw { get; set; } = string.Empty;
        /// <summary>The variable name, or null for a blank line, a comment or a line that is not KEY=value.</summary>
        public string? Key { get; set; }
        /// <summary>The value as Docker Compose reads it: quotes removed, escapes of a double-quoted value processed.</summary>
        public string Value { get; set; } = string.Empty;
        /// <summary>"export " or the indentation before the key.</summary>
        public string Prefix { get; set; } = string.Empty;
        /// <summary>The quote around the value (' or "), or '\0'.</summary>
        public char Quote { get; set; }
        /// <summary>A trailing " # comment" after the value, with its leading blanks.</summary>
        public string Comment { get; set; } = string.Empty;
        /// <summary>The first physical line (1-based).</summary>
        public int Number { get; set; }
        /// <summary>How many physical lines the entry spans.</summary>
        public int LineCount { get; set; } = 1;
        /// <summary>Why the line could not be read as a comment or a KEY=value entry; null when it could.</summary>
        public string? Problem { get; set; }
        /// <summary>Changed since read: written from its parts; unchanged lines are written back byte for byte.</summary>
        public bool Modified { get; set; }
    }

    /// <summary>
    /// Reads and writes env files as Docker Compose and python-dotenv read them: KEY=value, an optional "export "
    /// prefix, # comments (inline only after a blank on unquoted values), double-quoted values that may span lines and
    /// whose escapes (\n \r \t \\ \" \') are processed, single-quoted values that are literal and may span lines.
    /// Comments, blank lines and order are kept. Every reader of env files in the module uses this parser.
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
        /// <summary>Lines that are neither blank, comments nor entries (an unterminated quote, text without KEY=).</summary>
        public IEnumerable<EnvLine> Problems => Lines.Where(l => l.Problem != null);

        public static EnvFile Read(string path) => Parse(File.ReadAllText(path));

        public static EnvFile Parse(string text)
        {
            var newLine = text.IndexOf("\r\n", StringComparison.Ordinal) >= 0 ? "\r\n" : "\n";
            text = text.Replace("\r\n", "\n");
            if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
            var lines = new List<EnvLine>();
            var pos = 0;
            var number = 1;
            while (pos < text.Length)
            {
                var line = ParseAt(text, pos, number);
                lines.Add(line);
                pos += line.Raw.Length + 1; // and the "\n" that ends it
                number += line.LineCount;
            }
            return new EnvFile(lines, newLine);
        }

        /// <summary>Parses one line (for tests and callers with a single line).</summary>
        internal static EnvLine ParseLine(string raw, int number) => ParseAt(raw.Replace("\r\n", "\n").Split('\n')[0], 0, number);

        private static int EndOfLine(string text, int pos)
        {
            var end = text.IndexOf('\n', pos);
            return end < 0 ? text.Length : end;
        }

        private static EnvLine ParseAt(string text, int pos, int number)
        {
            var end = EndOfLine(text, pos);
            var physical = text.Substring(pos, end - pos);
            var line = new EnvLine { Raw = physical, Number = number };
            var trimmed = physical.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#') return line;
            var indent = physical.Substring(0, physical.Length - trimmed.Length);
            if (trimmed.StartsWith("export ", StringComparison.Ordinal) || trimmed.StartsWith("export\t", StringComparison.Ordinal))
            {
                var afterExport = trimmed.Substring(7).TrimStart(' ', '\t');
                indent += trimmed.Substring(0, trimmed.Length - afterExport.Length);
                trimmed = afterExport;
            }
            var eq = trimmed.IndexOf('=');
            if (eq <= 0)
            {
                line.Problem = "not a KEY=value entry";
                return line;
            }
            var key = trimmed.Substring(0, eq).Trim();
            if (key.Length == 0 || char.IsDigit(key[0]) || key.Any(c => !(char.IsLetterOrDigit(c) || c == '_' || c == '.' || c == '-')))
            {
                line.Problem = "not a KEY=value entry (the name has characters a variable name cannot have)";
                return line;
            }
            line.Key = key;
            line.Prefix = indent;

            // The value starts after '=' and any blanks, in the full text (a quoted value may run over several lines).
            var valueStart = pos + (physical.Length - trimmed.Length) + eq + 1;
            while (valueStart < end && (text[valueStart] == ' ' || text[valueStart] == '\t')) valueStart++;
            if (valueStart < end && (text[valueStart] == '"' || text[valueStart] == '\''))
            {
                var q = text[valueStart];
                var value = new StringBuilder();
                var i = valueStart + 1;
                var closed = false;
                for (; i < text.Length; i++)
                {
                    var c = text[i];
                    if (c == q) { closed = true; break; }
                    if (q == '"' && c == '\\' && i + 1 < text.Length)
                    {
                        var next = text[i + 1];
                        switch (next)
                        {
                            case 'n': value.Append('\n'); i++; continue;
                            case 'r': value.Append('\r'); i++; continue;
                            case 't': value.Append('\t'); i++; continue;
                            case '\\': case '"': case '\'': value.Append(next); i++; continue;
                        }
                    }
                    value.Append(c);
                }
                if (!closed)
                {
                    line.Key = null;
                    line.Prefix = string.Empty;
                    line.Problem = $"the {(q == '"' ? "double" : "single")} quote that opens {key}'s value is never closed";
                    return line;
                }
                var lastEnd = EndOfLine(text, i);
                var after = text.Substring(i + 1, lastEnd - i - 1);
                line.Raw = text.Substring(pos, lastEnd - pos);
                line.LineCount = line.Raw.Count(ch => ch == '\n') + 1;
                line.Quote = q;
                line.Value = value.ToString();
                line.Comment = after;
                var rest = after.TrimStart(' ', '\t');
                if (rest.Length > 0 && rest[0] != '#')
                    line.Problem = $"text after the closing quote of {key}'s value";
                return line;
            }

            var restOfLine = text.Substring(valueStart, end - valueStart);
            var hash = -1;
            for (var i = 0; i < restOfLine.Length; i++)
                if (restOfLine[i] == '#' && (i == 0 || restOfLine[i - 1] == ' ' || restOfLine[i - 1] == '\t')) { hash = i; break; }
            if (hash >= 0)
            {
                var value = restOfLine.Substring(0, hash).TrimEnd();
                line.Value = value;
                line.Comment = restOfLine.Substring(value.Length);
            }
            else
            {
                line.Value = restOfLine.TrimEnd();
            }
            return line;
        }

        public EnvLine? Find(string key) => Entries.LastOrDefault(e => string.Equals(e.Key, key, StringComparison.Ordinal));

        private static readonly char[] NeedsQuotes = { ' ', '\t', '#', '"', '\'', '$', '\\', '\n', '\r' };

        /// <summary>Formats one entry back (the value quoted when it has blanks, quotes, # or line breaks).</summary>
        public static string Format(EnvLine line)
        {
            if (line.Key == null) return line.Raw;
            var value = line.Value;
            var quote = line.Quote;
            var multiLine = value.IndexOf('\n') >= 0 || value.IndexOf('\r') >= 0;
            if (quote == '\0' && value.IndexOfAny(NeedsQuotes) >= 0) quote = value.IndexOf('\'') < 0 && !multiLine ? '\'' : '"';
            if (quote == '\'' && (value.IndexOf('\'') >= 0 || multiLine)) quote = '"';
            var formatted = quote == '\0' ? value
                : quote == '"' ? "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "\""
                : "'" + value + "'";
            return line.Prefix + line.Key + "=" + formatted + line.Comment;
        }

        public string ToText()
        {
            var sb = new StringBuilder();
            foreach (var l in Lines) sb.Append((l.Key == null || !l.Modified ? l.Raw : Format(l)).Replace("\n", NewLine)).Append(NewLine);
            return sb.ToString();
        }
    }
}

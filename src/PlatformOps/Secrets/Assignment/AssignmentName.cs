using System;
using System.Text.RegularExpressions;

namespace PlatformOps.Secrets.Assignment
{
    /// <summary>The name a keyword sits in, and what stands just before it.</summary>
    internal sealed class AssignmentName
    {
        private AssignmentName(string text, int start, int end, string raw)
        {
            Text = text;
            Start = start;
            End = end;
            Raw = raw;
        }

        /// <summary>The name without leading dashes or dots (--password -> password).</summary>
        public string Text { get; }
        public int Start { get; }
        public int End { get; }
        /// <summary>As written, with dashes (--db-password, -Password).</summary>
        public string Raw { get; }
        public char Before { get; private set; }
        public bool Quoted => Before == '"' || Before == '\'';
        /// <summary>A quoted first argument of a setter call: setProperty("db.password", "...").</summary>
        public bool CallArgument { get; private set; }

        private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '-' || c == '.';

        private static readonly Regex Setter = new Regex(@"(?i)(?:set|put|add|with|env|default|header|option|config|property|secret|credential|define)[A-Za-z]*\s*\(\s*$",
            RegexOptions.CultureInvariant | RegexOptions.RightToLeft);

        public static AssignmentName? Read(string text, int index, FileKind kind)
        {
            var s = index;
            while (s > 0 && IsNameChar(text[s - 1])) s--;
            var e = index;
            while (e < text.Length && IsNameChar(text[e])) e++;
            var raw = text.Substring(s, e - s);
            var trimmed = raw.Trim('-', '.');
            if (trimmed.Length == 0 || trimmed.Length > 100) return null;
            var name = new AssignmentName(trimmed, s, e, raw) { Before = s > 0 ? text[s - 1] : '\n' };
            if (kind == FileKind.Code && name.Quoted)
            {
                // In code a quoted name is usually a value (cond ? "password" : x, f("token", x), x = "secret"), unless it
                // is a dict/object/hash key ("password": ..., 'password' => ...) or the first argument of a setter
                // (System.setProperty("db.password", "...")).
                var b = s - 2;
                while (b >= 0 && (text[b] == ' ' || text[b] == '\t')) b--;
                var before = b >= 0 ? text[b] : '\n';
                var a = e < text.Length && text[e] == text[s - 1] ? e + 1 : e;
                while (a < text.Length && (text[a] == ' ' || text[a] == '\t')) a++;
                var keyOfLiteral = a < text.Length && (text[a] == ':' || (text[a] == '=' && a + 1 < text.Length && text[a + 1] == '>'));
                if (before == '?') return null;
                if (!keyOfLiteral)
                {
                    if (before == '(' && a < text.Length && text[a] == ',')
                    {
                        var lineStart = text.LastIndexOf('\n', b) + 1;
                        if (!Setter.IsMatch(text.Substring(lineStart, b + 1 - lineStart))) return null;
                        name.CallArgument = true;
                    }
                    else if (before == '(' || before == ',' || before == '=' || before == '+')
                    {
                        return null;
                    }
                }
            }
            return name;
        }
    }
}

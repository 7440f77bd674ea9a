using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace PlatformOps.Secrets.Assignment
{
    /// <summary>
    /// The name-based rule: a real-looking literal assigned to a name that sounds secret, in any of the ways files write it
    /// (NAME=value, name: value, "name": "value", $name = 'value', var name string = "...", name ::= value, $name .= "...",
    /// setProperty("name", "value"), &lt;name&gt;value&lt;/name&gt;, key="name" value="...", -Name 'value', --name value).
    /// Three steps, each in its own method: read the name around the keyword, read the operator and the value after it,
    /// judge the value.
    /// </summary>
    internal static class AssignmentDetector
    {
        /// <summary>Tries the name around <paramref name="index"/>; returns where the name ends, so each name is analysed once.</summary>
        public static int TryAt(string text, int index, FileKind kind, List<RawFinding> found)
        {
            var name = AssignmentName.Read(text, index, kind);
            if (name == null) return index + 1;
            var nameKind = SecretText.ClassifyName(name.Text);
            if (nameKind == SecretNameKind.None) return name.End;
            var value = AssignmentValue.Read(text, name, kind);
            if (value == null) return name.End;
            var verdict = JudgeValue(value, nameKind, kind);
            if (verdict == null) return name.End;
            found.Add(new RawFinding
            {
                Start = value.Start,
                Length = value.Text.Length,
                Rule = verdict,
                Description = verdict == "secret-assignment" ? "High-entropy value assigned to a secret-sounding name"
                    : verdict == "connection-string-password" ? "Password in a connection string" : "Password assigned in the clear",
                Severity = verdict == "connection-string-password" ? SecretSeverity.High : SecretSeverity.Medium,
                Key = name.Text,
                Redacted = SecretText.Redact(value.Text, 0),
                Secret = value.Text,
                Priority = 1,
            });
            return name.End;
        }

        /// <summary>The rule id when the value is a real secret, null when it is not.</summary>
        private static string? JudgeValue(AssignmentValue value, SecretNameKind nameKind, FileKind kind)
        {
            var v = value.Text;
            if (v.Length == 0 || SecretText.IsPlaceholder(v) || SecretText.IsReference(v) || SecretText.IsMasked(v)) return null;
            if (v.Length >= 16 && Judge.IsPublic(v)) return null;
            if (SecretText.IsRegexFragment(v)) return null;
            // A value with templates or interpolation in it ("pre${X}post", "$host:5432", f"{name}") counts only by what
            // is literal: a secret with a variable spliced in is still a secret if enough of it is written out.
            var literal = SecretText.LiteralPart(v, interpolation: kind == FileKind.Code || kind == FileKind.Shell);
            var partial = literal.Length != v.Length;
            if (partial && (literal.Length < 8 || SecretText.IsPlaceholder(literal))) return null;
            if (nameKind == SecretNameKind.Password)
            {
                if (!SecretText.LooksLikePassword(partial ? literal : v)) return null;
                return value.ConnectionString ? "connection-string-password" : "password-assignment";
            }
            if (partial ? SecretText.LooksRandom(literal, 8) : SecretText.LooksRandom(v) || SecretText.IsUuid(v)) return "secret-assignment";
            return null;
        }
    }

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

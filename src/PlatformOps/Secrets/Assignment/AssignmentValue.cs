using System;
using System.Text.RegularExpressions;

namespace PlatformOps.Secrets.Assignment
{
    /// <summary>The literal assigned to a name: found by reading the operator after the name, then the value after that.</summary>
    internal sealed class AssignmentValue
    {
        private AssignmentValue(int start, string text, bool connectionString)
        {
            Start = start;
            Text = text;
            ConnectionString = connectionString;
        }

        public int Start { get; }
        public string Text { get; }
        /// <summary>The value is one part of Host=...;Password=...; (the value ends at ';').</summary>
        public bool ConnectionString { get; }

        private static readonly Regex ConnectionStringHint = new Regex(
            @"(?i)(?:^|[;""'\s])(?:host|server|data source|datasource|address|addr|user id|uid|username|user|database|initial catalog|accountname|defaultendpointsprotocol|endpoint|sharedaccesskeyname|accountendpoint)\s*=",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        private static readonly char[] Blanks = { ' ', '\t', '\n' };

        private enum Operator { None, Assign, Colon, Argument, XmlElement, XmlValueAttribute, Parameter }

        public static AssignmentValue? Read(string text, AssignmentName name, FileKind kind)
        {
            var lineStart = name.Start > 0 ? text.LastIndexOf('\n', name.Start - 1) + 1 : 0;
            var lineEnd = text.IndexOf('\n', name.End);
            if (lineEnd < 0) lineEnd = text.Length;
            var p = name.End;
            var op = ReadOperator(text, name, kind, ref p, lineEnd);
            switch (op)
            {
                case Operator.None:
                    return null;
                case Operator.XmlElement:
                    return XmlElement(text, name, p);
            }
            while (p < lineEnd && (text[p] == ' ' || text[p] == '\t')) p++;
            if (p >= lineEnd) return null;
            var line = text.Substring(lineStart, lineEnd - lineStart);
            var connectionString = line.IndexOf(';') >= 0 && ConnectionStringHint.IsMatch(line);
            var q = text[p];
            if (q == '"' || q == '\'' || q == '`') return Quoted(text, p, lineEnd, connectionString);
            // Unquoted: a literal in config and shell files, an expression in code (and after -Name / a setter's comma).
            if (op == Operator.Parameter || op == Operator.Argument || op == Operator.XmlValueAttribute) return null;
            if (kind == FileKind.Code && !connectionString) return null;
            return Unquoted(text, p, lineEnd, kind, connectionString);
        }

        /// <summary>Moves <paramref name="p"/> past the operator; None when what follows the name is not an assignment.</summary>
        private static Operator ReadOperator(string text, AssignmentName name, FileKind kind, ref int p, int lineEnd)
        {
            if (name.Before == '<' && p < text.Length && text[p] == '>') { p++; return Operator.XmlElement; }
            if (p < lineEnd && name.Quoted && text[p] == name.Before) p++;
            if (p + 1 < lineEnd && text[p] == '[' && text[p + 1] == ']') p += 2;   // char password[] = "..."
            if (p < lineEnd && text[p] == ']') p++;                                 // settings["api_key"] = "..."
            if (p < lineEnd && name.Quoted && text[p] == ']') p++;
            var afterName = p;
            while (p < lineEnd && (text[p] == ' ' || text[p] == '\t')) p++;
            if (p >= lineEnd) return Operator.None;
            var c = text[p];
            var next = p + 1 < lineEnd ? text[p + 1] : '\n';
            switch (c)
            {
                case '=':
                    if (next == '=' || next == '~') return Operator.None;
                    p += next == '>' ? 2 : 1;
                    return Operator.Assign;
                case ':':
                    if (next == '=') { p += 2; return Operator.Assign; }
                    if (next == ':' && p + 2 < lineEnd && text[p + 2] == '=') { p += 3; return Operator.Assign; }   // Make ::=
                    if (next != ' ' && next != '\t' && next != '"' && next != '\'' && next != '\r') return Operator.None;
                    p++;
                    return SkipTypeAnnotation(text, kind, ref p, lineEnd) ? Operator.Assign : Operator.Colon;
                case '?': case '+': case '.': case '|':
                    if (next == '=' && (c != '|' || kind == FileKind.Shell)) { p += 2; return Operator.Assign; }   // ?= += .= (Make, PHP)
                    return Operator.None;
                case ',':
                    if (!name.CallArgument) return Operator.None;
                    p++;
                    return Operator.Argument;
                case '"': case '\'':
                    // -Password 'value' (PowerShell), --password "value" (a command line)
                    if (p > afterName && (name.Raw.StartsWith("-", StringComparison.Ordinal)) && (kind == FileKind.Code || kind == FileKind.Shell))
                        return Operator.Parameter;
                    return Operator.None;
            }
            if (name.Quoted && (kind == FileKind.Config || kind == FileKind.Code) && string.CompareOrdinal(text, p, "value", 0, 5) == 0)
            {
                // <add key="DbPassword" value="..." />, <property name="password" value="..."/>
                var eq = p + 5;
                while (eq < lineEnd && text[eq] == ' ') eq++;
                if (eq < lineEnd && text[eq] == '=') { p = eq + 1; return Operator.XmlValueAttribute; }
            }
            if (p > afterName && name.Raw.StartsWith("--", StringComparison.Ordinal) && kind == FileKind.Shell && char.IsLetterOrDigit(c))
                return Operator.Assign;   // --password s3cr3tValue
            if (p > afterName && kind == FileKind.Code && char.IsLetter(c) && SkipGoType(text, ref p, lineEnd))
                return Operator.Assign;   // var password string = "..."
            return Operator.None;
        }

        /// <summary>token: str = "..." (Python, TypeScript): skips the type to the '='.</summary>
        private static bool SkipTypeAnnotation(string text, FileKind kind, ref int p, int lineEnd)
        {
            var q = p;
            while (q < lineEnd && (text[q] == ' ' || text[q] == '\t')) q++;
            if (kind != FileKind.Code || q >= lineEnd || !char.IsLetter(text[q])) return false;
            var eq = text.IndexOf('=', q, lineEnd - q);
            if (eq < 0 || (eq + 1 < lineEnd && (text[eq + 1] == '=' || text[eq + 1] == '>'))) return false;
            for (var i = q; i < eq; i++)
                if (!(char.IsLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '.' || text[i] == ' ' || text[i] == '[' || text[i] == ']' || text[i] == '|' || text[i] == '<' || text[i] == '>' || text[i] == '?'))
                    return false;
            p = eq + 1;
            return true;
        }

        /// <summary>var password string = "..." (Go): one type word, then '='.</summary>
        private static bool SkipGoType(string text, ref int p, int lineEnd)
        {
            var q = p;
            while (q < lineEnd && (char.IsLetterOrDigit(text[q]) || text[q] == '_' || text[q] == '.' || text[q] == '*' || text[q] == '[' || text[q] == ']')) q++;
            while (q < lineEnd && (text[q] == ' ' || text[q] == '\t')) q++;
            if (q >= lineEnd || text[q] != '=' || (q + 1 < lineEnd && text[q + 1] == '=')) return false;
            p = q + 1;
            return true;
        }

        private static AssignmentValue? Quoted(string text, int p, int lineEnd, bool connectionString)
        {
            var q = text[p];
            if (p + 2 < lineEnd && text[p + 1] == q && text[p + 2] == q) return null;   // """ block strings
            var close = p + 1;
            while (close < lineEnd && text[close] != q)
            {
                if (text[close] == '\\' && q != '\'') close++;
                close++;
            }
            if (close >= lineEnd) return null;
            var start = p + 1;
            var value = text.Substring(start, close - start);
            if (connectionString)
            {
                var semi = value.IndexOf(';');
                if (semi >= 0) value = value.Substring(0, semi);
            }
            return new AssignmentValue(start, value, connectionString);
        }

        private static AssignmentValue? Unquoted(string text, int p, int lineEnd, FileKind kind, bool connectionString)
        {
            var q = text[p];
            if (q == '{' || q == '[' || q == '(' || q == '|' || q == '>' || q == '&' || q == '*' || q == '!' || q == '<') return null;
            var end = p;
            while (end < lineEnd)
            {
                var c = text[end];
                if (c == '\r') break;
                if (connectionString && (c == ';' || c == '"' || c == '\'')) break;
                if ((kind == FileKind.Shell || kind == FileKind.Json) && (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|' || c == '"' || c == '\'' || c == ',')) break;
                if (c == '#' && end > p && (text[end - 1] == ' ' || text[end - 1] == '\t')) break;
                end++;
            }
            var value = text.Substring(p, end - p).TrimEnd();
            if (kind == FileKind.Config && !connectionString) value = value.TrimEnd(',', ';');
            value = value.Trim('"', '\'', '`');
            return new AssignmentValue(p, value, connectionString);
        }

        /// <summary>&lt;password&gt;value&lt;/password&gt;, the value possibly on lines of its own.</summary>
        private static AssignmentValue? XmlElement(string text, AssignmentName name, int p)
        {
            var close = text.IndexOf("</", p, Math.Min(text.Length - p, 1024), StringComparison.Ordinal);
            if (close < 0) return null;
            var start = p;
            while (start < close && char.IsWhiteSpace(text[start])) start++;
            var end = close;
            while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
            if (end <= start || string.CompareOrdinal(text, close + 2, name.Raw, 0, name.Raw.Length) != 0) return null;
            var value = text.Substring(start, end - start);
            if (value.IndexOf('<') >= 0 || value.IndexOfAny(Blanks) >= 0) return null;
            if (value.StartsWith("<![CDATA[", StringComparison.Ordinal)) return null;
            return new AssignmentValue(start, value, false);
        }
    }
}

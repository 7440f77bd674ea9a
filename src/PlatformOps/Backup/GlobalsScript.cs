using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace PlatformOps.Backup
{
    /// <summary>What filtering a globals script (pg_dumpall --globals-only) decided.</summary>
    internal sealed class GlobalsPlan
    {
        public string Script { get; set; } = string.Empty;
        /// <summary>Roles the script creates (they did not exist).</summary>
        public List<string> Created { get; } = new List<string>();
        /// <summary>Roles that exist and were left as they are.</summary>
        public List<string> Skipped { get; } = new List<string>();
        /// <summary>Roles that exist and were set back to the backup's attributes, password and memberships (-OverwriteRoles).</summary>
        public List<string> Overwritten { get; } = new List<string>();
        /// <summary>Tablespaces that exist and were left as they are.</summary>
        public List<string> TablespacesSkipped { get; } = new List<string>();
    }

    /// <summary>
    /// Reads a pg_dumpall --globals-only script statement by statement and keeps only what creates the roles (and
    /// tablespaces) that do not exist yet, with their attributes, settings, comments and memberships. pg_dumpall writes
    /// "CREATE ROLE r; ALTER ROLE r WITH ... PASSWORD '...'", so running the script as it is would give a role that was
    /// disabled or given a new password after the backup its old LOGIN and password back.
    /// </summary>
    internal static class GlobalsScript
    {
        private enum Subject
        {
            None,
            Role,
            Tablespace,
        }

        /// <param name="currentUser">The role the restore is logged in as: never changed, even with <paramref name="overwriteRoles"/> (a new password or NOLOGIN would cut the restore off half-way).</param>
        public static GlobalsPlan Filter(string script, ISet<string> existingRoles, ISet<string> existingTablespaces, bool overwriteRoles, string? currentUser = null)
        {
            var plan = new GlobalsPlan();
            var output = new StringBuilder();
            foreach (var statement in Split(script))
            {
                var (subject, name, creates) = Classify(statement);
                var keep = true;
                if (subject == Subject.Role && name != null)
                {
                    if (existingRoles.Contains(name))
                    {
                        // CREATE ROLE of an existing role only fails; everything else would change it.
                        var overwrite = overwriteRoles && name != currentUser;
                        keep = overwrite && !creates;
                        var list = overwrite ? plan.Overwritten : plan.Skipped;
                        if (!list.Contains(name)) list.Add(name);
                    }
                    else if (creates && !plan.Created.Contains(name))
                    {
                        plan.Created.Add(name);
                    }
                }
                else if (subject == Subject.Tablespace && name != null && existingTablespaces.Contains(name))
                {
                    keep = false;
                    if (!plan.TablespacesSkipped.Contains(name)) plan.TablespacesSkipped.Add(name);
                }
                if (keep) output.Append(statement).Append('\n');
            }
            plan.Script = output.ToString();
            return plan;
        }

        /// <summary>
        /// Splits a script into SQL statements (each with its ';') and psql meta-command lines (\restrict, \connect),
        /// respecting quoted literals, E'' literals, quoted identifiers, dollar quotes and comments. Comments are dropped.
        /// </summary>
        public static List<string> Split(string script)
        {
            var statements = new List<string>();
            var current = new StringBuilder();
            var i = 0;
            var n = script.Length;
            while (i < n)
            {
                var c = script[i];
                if (current.Length == 0)
                {
                    if (char.IsWhiteSpace(c)) { i++; continue; }
                    if (c == '\\')
                    {
                        var end = script.IndexOf('\n', i);
                        if (end < 0) end = n;
                        statements.Add(script.Substring(i, end - i).TrimEnd('\r'));
                        i = end;
                        continue;
                    }
                }
                if (c == '-' && i + 1 < n && script[i + 1] == '-')
                {
                    var end = script.IndexOf('\n', i);
                    i = end < 0 ? n : end;
                    continue;
                }
                if (c == '/' && i + 1 < n && script[i + 1] == '*')
                {
                    var end = script.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    i = end < 0 ? n : end + 2;
                    continue;
                }
                if (c == '\'')
                {
                    var escaped = current.Length > 0 && (current[current.Length - 1] == 'E' || current[current.Length - 1] == 'e')
                                  && (current.Length == 1 || !IsIdentChar(current[current.Length - 2]));
                    var start = i++;
                    while (i < n)
                    {
                        if (escaped && script[i] == '\\') { i += 2; continue; }
                        if (script[i] == '\'')
                        {
                            if (i + 1 < n && script[i + 1] == '\'') { i += 2; continue; }
                            i++;
                            break;
                        }
                        i++;
                    }
                    current.Append(script, start, Math.Min(i, n) - start);
                    continue;
                }
                if (c == '"')
                {
                    var start = i++;
                    while (i < n)
                    {
                        if (script[i] == '"')
                        {
                            if (i + 1 < n && script[i + 1] == '"') { i += 2; continue; }
                            i++;
                            break;
                        }
                        i++;
                    }
                    current.Append(script, start, Math.Min(i, n) - start);
                    continue;
                }
                if (c == '$' && (current.Length == 0 || !IsIdentChar(current[current.Length - 1])))
                {
                    var close = script.IndexOf('$', i + 1);
                    if (close > i && script.Substring(i + 1, close - i - 1).All(IsIdentChar))
                    {
                        var tag = script.Substring(i, close - i + 1);
                        var end = script.IndexOf(tag, close + 1, StringComparison.Ordinal);
                        end = end < 0 ? n : end + tag.Length;
                        current.Append(script, i, end - i);
                        i = end;
                        continue;
                    }
                }
                current.Append(c);
                i++;
                if (c == ';')
                {
                    statements.Add(current.ToString().Trim());
                    current.Clear();
                }
            }
            if (current.ToString().Trim().Length > 0) statements.Add(current.ToString().Trim());
            return statements;
        }

        private static bool IsIdentChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '$';

        /// <summary>What a statement is about: a role (CREATE/ALTER/COMMENT ON/SECURITY LABEL ON ROLE, GRANT ... TO role), a tablespace, or nothing we filter.</summary>
        private static (Subject Subject, string? Name, bool Creates) Classify(string statement)
        {
            if (statement.StartsWith("\\", StringComparison.Ordinal)) return (Subject.None, null, false);
            var tokens = Tokenize(statement);
            bool Is(int at, string word) => at < tokens.Count && !tokens[at].Quoted && string.Equals(tokens[at].Text, word, StringComparison.OrdinalIgnoreCase);
            string? NameAt(int at) => at < tokens.Count && (tokens[at].Quoted || tokens[at].Text.All(IsIdentChar)) ? tokens[at].Name : null;

            if (Is(0, "CREATE") && Is(1, "ROLE")) return (Subject.Role, NameAt(2), true);
            if (Is(0, "CREATE") && Is(1, "USER")) return (Subject.Role, NameAt(2), true);
            if (Is(0, "ALTER") && (Is(1, "ROLE") || Is(1, "USER"))) return (Subject.Role, NameAt(2), false);
            if (Is(0, "COMMENT") && Is(1, "ON") && Is(2, "ROLE")) return (Subject.Role, NameAt(3), false);
            if (Is(0, "CREATE") && Is(1, "TABLESPACE")) return (Subject.Tablespace, NameAt(2), true);
            if (Is(0, "ALTER") && Is(1, "TABLESPACE")) return (Subject.Tablespace, NameAt(2), false);
            if (Is(0, "COMMENT") && Is(1, "ON") && Is(2, "TABLESPACE")) return (Subject.Tablespace, NameAt(3), false);
            if (Is(0, "SECURITY") && Is(1, "LABEL"))
            {
                var on = tokens.FindIndex(t => !t.Quoted && string.Equals(t.Text, "ON", StringComparison.OrdinalIgnoreCase));
                if (on > 0 && Is(on + 1, "ROLE")) return (Subject.Role, NameAt(on + 2), false);
                if (on > 0 && Is(on + 1, "TABLESPACE")) return (Subject.Tablespace, NameAt(on + 2), false);
            }
            if (Is(0, "GRANT") || Is(0, "REVOKE"))
            {
                var onTablespace = tokens.FindIndex(t => !t.Quoted && string.Equals(t.Text, "TABLESPACE", StringComparison.OrdinalIgnoreCase));
                if (onTablespace > 0 && Is(onTablespace - 1, "ON")) return (Subject.Tablespace, NameAt(onTablespace + 1), false);
                // GRANT a TO member [WITH ADMIN OPTION] [GRANTED BY g]; GRANT SET ON PARAMETER p TO member: the member changes.
                var to = tokens.FindIndex(t => !t.Quoted && string.Equals(t.Text, Is(0, "GRANT") ? "TO" : "FROM", StringComparison.OrdinalIgnoreCase));
                if (to > 0) return (Subject.Role, NameAt(to + 1), false);
            }
            return (Subject.None, null, false);
        }

        private readonly struct Token
        {
            public Token(string text, bool quoted)
            {
                Text = text;
                Quoted = quoted;
            }

            public string Text { get; }
            public bool Quoted { get; }
            /// <summary>The identifier it names: quoted as written, unquoted folded to lower case.</summary>
            public string Name => Quoted ? Text : Text.ToLowerInvariant();
        }

        /// <summary>Words and quoted identifiers up to the first string literal (enough to find the subject of a statement).</summary>
        private static List<Token> Tokenize(string statement)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (i < statement.Length)
            {
                var c = statement[i];
                if (char.IsWhiteSpace(c) || c == ',' || c == ';' || c == '(' || c == ')' || c == '=') { i++; continue; }
                if (c == '\'') break;
                if (c == '"')
                {
                    var sb = new StringBuilder();
                    i++;
                    while (i < statement.Length)
                    {
                        if (statement[i] == '"')
                        {
                            if (i + 1 < statement.Length && statement[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        sb.Append(statement[i++]);
                    }
                    tokens.Add(new Token(sb.ToString(), true));
                    continue;
                }
                var start = i;
                while (i < statement.Length && !char.IsWhiteSpace(statement[i]) && statement[i] != ',' && statement[i] != ';' && statement[i] != '"'
                       && statement[i] != '\'' && statement[i] != '(' && statement[i] != ')' && statement[i] != '=') i++;
                if (i == start) { i++; continue; }
                tokens.Add(new Token(statement.Substring(start, i - start), false));
            }
            return tokens;
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PlatformOps.Secrets.Assignment;
using PlatformOps.Secrets.Rules;

namespace PlatformOps.Secrets
{
    /// <summary>How sure a finding is to be a live secret, and how bad its leak would be.</summary>
    public enum SecretSeverity
    {
        Low = 0,
        Medium = 1,
        High = 2,
    }

    /// <summary>How values are written in a file: decides whether an unquoted value is a literal or an expression.</summary>
    internal enum FileKind
    {
        /// <summary>.env, YAML, INI, TOML, properties, XML, Markdown, plain text: unquoted values are literals.</summary>
        Config,
        /// <summary>JSON: values are quoted.</summary>
        Json,
        /// <summary>Shell, Dockerfile, Makefile: unquoted values are literals up to a blank.</summary>
        Shell,
        /// <summary>PowerShell, Python, JS, C#, Go, HCL, ...: only quoted strings are literals.</summary>
        Code,
    }

    /// <summary>One secret found in a text, before it is tied to a file.</summary>
    internal sealed class RawFinding
    {
        public int Line { get; set; }
        public int Column { get; set; }
        public int Start { get; set; }
        public int Length { get; set; }
        public string Rule { get; set; } = string.Empty;
        public string Description { get; set; } = string.Empty;
        public SecretSeverity Severity { get; set; }
        public string? Key { get; set; }
        public string Redacted { get; set; } = string.Empty;
        /// <summary>The secret itself: kept in memory for the baseline hash and -Verify, never shown.</summary>
        public string Secret { get; set; } = string.Empty;
        /// <summary>Specific shapes beat the generic assignment rule when both see the same value.</summary>
        public int Priority { get; set; }
    }

    /// <summary>
    /// Finds secrets in one text in a single pass: one case-insensitive walk finds every rule's keywords, then only the
    /// rules whose keyword occurred are tried, on the lines around it. The name-based assignment analysis, URL
    /// credentials and Kubernetes Secret manifests are code rather than patterns, and hang off the same walk.
    /// </summary>
    internal static class ContentScanner
    {
        public static FileKind KindOf(string fileName)
        {
            var name = Path.GetFileName(fileName).ToLowerInvariant();
            if (name == "dockerfile" || name.StartsWith("dockerfile.", StringComparison.Ordinal) || name == "makefile" || name.StartsWith(".bash", StringComparison.Ordinal)
                || name == ".profile" || name == ".zshrc" || name == "gnumakefile")
                return FileKind.Shell;
            switch (Path.GetExtension(name))
            {
                case ".json": case ".jsonc": case ".json5": case ".ipynb": return FileKind.Json;
                case ".sh": case ".bash": case ".zsh": case ".ksh": case ".fish": case ".mk": case ".mak": return FileKind.Shell;
                case ".ps1": case ".psm1": case ".psd1": case ".py": case ".js": case ".mjs": case ".cjs": case ".ts": case ".tsx": case ".jsx":
                case ".cs": case ".go": case ".rb": case ".java": case ".kt": case ".kts": case ".php": case ".swift": case ".rs": case ".c": case ".cpp":
                case ".cc": case ".h": case ".hpp": case ".scala": case ".groovy": case ".gradle": case ".dart": case ".lua": case ".r": case ".pl": case ".vb": case ".fs":
                case ".tf": case ".tfvars": case ".hcl": case ".ex": case ".exs": case ".erl": case ".clj": case ".m": case ".jl":
                    return FileKind.Code;
                default: return FileKind.Config;
            }
        }

        /// <summary>Whether any keyword of the default rules occurs in UTF-8 bytes: most files have none.</summary>
        public static bool MayContainSecret(byte[] data, int offset, int count) => RuleSet.Default.MayContainSecret(data, offset, count);

        /// <summary>Scans a text with the default rules; findings come back in text order with 1-based line and column.</summary>
        public static List<RawFinding> Scan(string text, FileKind kind) => Scan(text, kind, null, RuleSet.Default);

        /// <summary>Scans a text; <paramref name="path"/> (repository-relative, '/' separators) selects path-bound rules.</summary>
        public static List<RawFinding> Scan(string text, FileKind kind, string? path, RuleSet rules)
        {
            var found = new List<RawFinding>();
            var assignmentDoneUpTo = -1;
            var kubernetesDone = false;
            var triedUpTo = new Dictionary<SecretRule, int>();
            var seen = new HashSet<long>();
            var length = text.Length;
            for (var index = 0; index < length - 1; index++)
            {
                var keyword = rules.KeywordAt(text, index);
                if (keyword == null) continue;
                if (keyword == RuleSet.UrlKeyword && rules.BuiltInDetectors)
                {
                    UrlCredentials.TryAt(text, index, found);
                }
                else if (keyword.StartsWith("kind:", StringComparison.Ordinal) && rules.BuiltInDetectors)
                {
                    if (!kubernetesDone) KubernetesSecrets.Scan(text, path, found);
                    kubernetesDone = true;
                }
                else
                {
                    if (rules.RulesByKeyword.TryGetValue(keyword, out var hit))
                        foreach (var rule in hit)
                        {
                            if (triedUpTo.TryGetValue(rule, out var upTo) && index < upTo) continue;
                            triedUpTo[rule] = TryRule(rule, text, index, path, rules.Allow, seen, found);
                        }
                    if (index >= assignmentDoneUpTo && rules.IsAssignmentKeyword.TryGetValue(keyword, out var on) && on)
                        assignmentDoneUpTo = AssignmentDetector.TryAt(text, index, kind, found);
                }
                // The next position, not the keyword's end: a keyword inside a longer one ("token" in "private-token") counts too.
            }
            foreach (var rule in rules.PathRules)
                if (rule.Path != null && path != null && rule.Path.IsMatch(path) && !rule.AllowPaths.Any(p => p.IsMatch(path)))
                    Collect(rule, text, 0, text.Length, path, rules.Allow, seen, found);
            if (found.Count == 0) return found;
            return Finish(text, found, rules.Allow);
        }

        /// <summary>Tries a rule on the lines around a keyword; returns where its window ended (later hits before that are done).</summary>
        private static int TryRule(SecretRule rule, string text, int index, string? path, GlobalAllowlist allow, HashSet<long> seen, List<RawFinding> found)
        {
            var start = index > 0 ? text.LastIndexOf('\n', index - 1) + 1 : 0;
            for (var n = 0; n < rule.LinesBefore && start > 0; n++)
                start = start >= 2 ? text.LastIndexOf('\n', start - 2) + 1 : 0;
            var end = index;
            for (var n = 0; n <= rule.LinesAfter && end < text.Length; n++)
            {
                var nl = text.IndexOf('\n', end);
                end = nl < 0 ? text.Length : nl + 1;
            }
            if (rule.WholeText) { start = 0; end = text.Length; }
            if (rule.Path != null && (path == null || !rule.Path.IsMatch(path))) return end;
            if (path != null && rule.AllowPaths.Any(p => p.IsMatch(path))) return end;
            Collect(rule, text, start, end - start, path, allow, seen, found);
            return rule.LinesAfter > 0 ? index + 1 : end;
        }

        private static void Collect(SecretRule rule, string text, int start, int length, string? path, GlobalAllowlist allow, HashSet<long> seen, List<RawFinding> found)
        {
            System.Text.RegularExpressions.Match match;
            try
            {
                match = rule.Regex.Match(text, start, length);
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                return;
            }
            for (; match.Success; match = NextOrNone(match))
            {
                var group = SecretGroupOf(rule, match);
                var secret = group.Value;
                if (secret.Length == 0) continue;
                if (!seen.Add(((long)group.Index << 16) ^ rule.GetHashCode())) continue;
                if (!Judge.Accepts(rule, secret, match.Value, LineOf(text, group.Index), allow)) continue;
                var name = match.Groups["name"];
                found.Add(new RawFinding
                {
                    Start = group.Index,
                    Length = secret.Length,
                    Rule = rule.Id,
                    Description = rule.Description,
                    Severity = rule.Severity,
                    Key = name.Success && name.Length > 0 ? name.Value.Trim('"', '\'', '-', '.', ' ') : null,
                    Redacted = rule.Family == "private-key" && secret.Length > 60 ? "-----BEGIN PRIVATE KEY----- ********" : SecretText.Redact(secret, rule.VisiblePrefix),
                    Secret = secret,
                    Priority = rule.Priority,
                });
            }
        }

        private static System.Text.RegularExpressions.Match NextOrNone(System.Text.RegularExpressions.Match m)
        {
            try
            {
                return m.NextMatch();
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                return System.Text.RegularExpressions.Match.Empty;
            }
        }

        private static System.Text.RegularExpressions.Group SecretGroupOf(SecretRule rule, System.Text.RegularExpressions.Match match)
        {
            if (rule.SecretGroup != null)
            {
                var g = int.TryParse(rule.SecretGroup, out var n) ? match.Groups[n] : match.Groups[rule.SecretGroup];
                if (g.Success) return g;
            }
            var named = match.Groups["secret"];
            if (named.Success) return named;
            for (var i = 1; i < match.Groups.Count; i++)
            {
                var groupName = rule.Regex.GroupNameFromNumber(i);
                if (match.Groups[i].Success && match.Groups[i].Length > 0 && groupName != "name" && groupName != "q" && groupName != "user") return match.Groups[i];
            }
            return match;
        }

        internal static string LineOf(string text, int index)
        {
            var s = index > 0 ? text.LastIndexOf('\n', index - 1) + 1 : 0;
            var e = text.IndexOf('\n', index);
            return text.Substring(s, (e < 0 ? text.Length : e) - s);
        }

        private static readonly string[] AllowMarkers = { "platformops:allow", "pragma: allowlist secret", "gitleaks:allow" };

        /// <summary>Drops overlaps (the more specific rule wins) and allow-listed lines, then adds line and column.</summary>
        private static List<RawFinding> Finish(string text, List<RawFinding> candidates, GlobalAllowlist allow)
        {
            var ordered = candidates.OrderBy(c => c.Start).ThenByDescending(c => c.Priority).ThenByDescending(c => c.Severity).ToList();
            var kept = new List<RawFinding>();
            foreach (var c in ordered)
            {
                var last = kept.Count > 0 ? kept[kept.Count - 1] : null;
                if (last != null && c.Start < last.Start + last.Length)
                {
                    var winner = c.Priority > last.Priority || (c.Priority == last.Priority && (c.Severity > last.Severity || (c.Severity == last.Severity && c.Length > last.Length))) ? c : last;
                    var loser = winner == c ? last : c;
                    winner.Key ??= loser.Key;   // GITHUB_TOKEN=ghp_...: the shape rule wins and keeps the name
                    kept[kept.Count - 1] = winner;
                    continue;
                }
                kept.Add(c);
            }
            var result = new List<RawFinding>(kept.Count);
            var line = 1;
            var lineStart = 0;
            var position = 0;
            foreach (var f in kept.OrderBy(k => k.Start))
            {
                while (position < f.Start)
                {
                    var nl = text.IndexOf('\n', position, f.Start - position);
                    if (nl < 0) break;
                    line++;
                    lineStart = nl + 1;
                    position = nl + 1;
                }
                position = Math.Max(position, lineStart);
                var lineEnd = text.IndexOf('\n', f.Start);
                var lineText = text.Substring(lineStart, (lineEnd < 0 ? text.Length : lineEnd) - lineStart);
                if (AllowMarkers.Any(a => lineText.IndexOf(a, StringComparison.OrdinalIgnoreCase) >= 0)) continue;
                if (allow.Lines.Any(r => r.IsMatch(lineText))) continue;
                f.Line = line;
                f.Column = f.Start - lineStart + 1;
                result.Add(f);
            }
            return result;
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace PlatformOps.SecretHygiene
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
        /// <summary>.env, YAML, INI, TOML, properties, Markdown, plain text: unquoted values are literals.</summary>
        Config,
        /// <summary>JSON: values are quoted.</summary>
        Json,
        /// <summary>Shell, Dockerfile, Makefile: unquoted values are literals up to a blank.</summary>
        Shell,
        /// <summary>PowerShell, Python, JS, C#, ...: only quoted strings are literals.</summary>
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
        /// <summary>Specific shapes beat the generic assignment rule when both see the same value.</summary>
        public int Priority { get; set; }
    }

    /// <summary>A rule for a secret with a known shape, tried where one of its keywords occurs.</summary>
    internal sealed class ShapeRule
    {
        public ShapeRule(string id, string description, SecretSeverity severity, string[] keywords, string pattern, int visiblePrefix,
            bool wordBoundary = true, Func<string, bool>? accept = null, RegexOptions extra = RegexOptions.None, int priority = 3)
        {
            Priority = priority;
            Id = id;
            Description = description;
            Severity = severity;
            Keywords = keywords;
            Pattern = new Regex(@"\G" + pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant | extra);
            VisiblePrefix = visiblePrefix;
            WordBoundary = wordBoundary;
            Accept = accept;
        }

        public string Id { get; }
        public string Description { get; }
        public SecretSeverity Severity { get; }
        public string[] Keywords { get; }
        /// <summary>Anchored with \G at the keyword; the group "secret" (or the whole match) is the secret.</summary>
        public Regex Pattern { get; }
        public int VisiblePrefix { get; }
        /// <summary>The keyword must not follow a letter or digit.</summary>
        public bool WordBoundary { get; }
        public Func<string, bool>? Accept { get; }
        /// <summary>Which rule wins when two see the same value (a JWT beats the Bearer rule that also matches it).</summary>
        public int Priority { get; }
    }

    /// <summary>
    /// Finds secrets in one text in a single pass: one case-insensitive search for every rule's keywords (the regex engine
    /// vectorises a literal alternation), then only the rules whose keyword occurred are tried, anchored at that spot.
    /// </summary>
    internal static class ContentScanner
    {
        private const string GenericRule = "generic";

        public static readonly IReadOnlyList<ShapeRule> Rules = new List<ShapeRule>
        {
            new ShapeRule("private-key", "Private key (PEM)", SecretSeverity.High, new[] { "-----BEGIN" },
                @"-----BEGIN (?<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?)PRIVATE KEY(?: BLOCK)?-----[ \t]*\r?\n(?:[A-Za-z-]+:[^\n]*\n|\s*\r?\n)*[ \t]*(?<body>[A-Za-z0-9+/=]{40,})",
                visiblePrefix: 0, wordBoundary: false),
            new ShapeRule("aws-access-key-id", "AWS access key id", SecretSeverity.High, new[] { "AKIA", "ASIA", "ABIA", "ACCA", "A3T" },
                @"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])", 4),
            new ShapeRule("github-token", "GitHub token", SecretSeverity.High, new[] { "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_" },
                @"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})", 4),
            new ShapeRule("gitlab-token", "GitLab personal access token", SecretSeverity.High, new[] { "glpat-" }, @"glpat-[A-Za-z0-9_\-]{20,}", 6),
            new ShapeRule("slack-token", "Slack token", SecretSeverity.High, new[] { "xoxb-", "xoxa-", "xoxp-", "xoxo-", "xoxs-", "xoxr-" },
                @"xox[abposr]-[A-Za-z0-9\-]{10,250}", 5),
            new ShapeRule("slack-webhook", "Slack incoming webhook", SecretSeverity.High, new[] { "hooks.slack.com" },
                @"hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9+/_\-]{20,}", 0, wordBoundary: false),
            new ShapeRule("stripe-key", "Stripe live key", SecretSeverity.High, new[] { "sk_live_", "rk_live_" }, @"[sr]k_live_[0-9a-zA-Z]{20,247}", 8),
            new ShapeRule("google-api-key", "Google API key", SecretSeverity.High, new[] { "AIza" }, @"AIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])", 4),
            new ShapeRule("openai-key", "OpenAI or Anthropic API key", SecretSeverity.High, new[] { "sk-" },
                @"sk-(?:ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{80,}|(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}|proj-[A-Za-z0-9_\-]{48,})", 3),
            new ShapeRule("huggingface-token", "Hugging Face token", SecretSeverity.High, new[] { "hf_" }, @"hf_[A-Za-z0-9]{34,}(?![A-Za-z0-9])", 3,
                accept: v => SecretText.LooksRandom(v.Substring(3))),
            new ShapeRule("npm-token", "npm access token", SecretSeverity.High, new[] { "npm_" }, @"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", 4,
                accept: v => SecretText.LooksRandom(v.Substring(4))),
            new ShapeRule("sendgrid-key", "SendGrid API key", SecretSeverity.High, new[] { "SG." }, @"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}", 3),
            new ShapeRule("azure-storage-key", "Azure storage account key", SecretSeverity.High, new[] { "AccountKey=" },
                @"AccountKey=(?<secret>[A-Za-z0-9+/]{86}==)", 0, wordBoundary: false, extra: RegexOptions.IgnoreCase),
            new ShapeRule("jwt", "JSON Web Token", SecretSeverity.Medium, new[] { "eyJ" },
                @"eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,}", 3),
            new ShapeRule("basic-auth", "HTTP Basic credentials", SecretSeverity.High, new[] { "Basic " },
                @"Basic[ \t]+(?<secret>[A-Za-z0-9+/]{12,}={0,2})(?![A-Za-z0-9+/=])", 0, extra: RegexOptions.IgnoreCase, accept: IsBasicCredential),
            new ShapeRule("bearer-token", "Bearer token", SecretSeverity.Medium, new[] { "Bearer " },
                @"Bearer[ \t]+(?<secret>[A-Za-z0-9\-._~+/]{20,}=*)", 0, extra: RegexOptions.IgnoreCase, accept: v => SecretText.LooksRandom(v, 20), priority: 2),
            new ShapeRule("powershell-plaintext-password", "Plain-text password made into a SecureString", SecretSeverity.Medium, new[] { "ConvertTo-SecureString" },
                @"ConvertTo-SecureString[ \t]+(?:-String[ \t]+)?(?<q>[""'])(?<secret>[^""'\r\n]{4,})\k<q>[ \t]+-AsPlainText", 0, wordBoundary: false,
                extra: RegexOptions.IgnoreCase, accept: v => !SecretText.IsPlaceholder(v) && !SecretText.IsReference(v)),
        };

        /// <summary>Name fragments that start the generic "secret assigned to a secret-sounding name" analysis.</summary>
        private static readonly string[] GenericKeywords = { "pass", "pwd", "secret", "token", "key", "credential" };

        /// <summary>Every keyword, lower-case, and for each ASCII character the keywords that start with it.</summary>
        private static readonly string[] KeywordList;
        /// <summary>Keywords by their first two characters (c1 * 128 + c2), lower-case ASCII: most positions fail on one array read.</summary>
        private static readonly int[][] KeywordsByPrefix = new int[128 * 128][];
        private static readonly Dictionary<string, List<ShapeRule>> RulesByKeyword = new Dictionary<string, List<ShapeRule>>(StringComparer.OrdinalIgnoreCase);

        static ContentScanner()
        {
            foreach (var rule in Rules)
                foreach (var k in rule.Keywords)
                {
                    if (!RulesByKeyword.TryGetValue(k, out var list)) RulesByKeyword[k] = list = new List<ShapeRule>();
                    list.Add(rule);
                }
            KeywordList = RulesByKeyword.Keys.Concat(GenericKeywords).Concat(new[] { "://" })
                .Select(k => k.ToLowerInvariant()).Distinct(StringComparer.Ordinal).OrderByDescending(k => k.Length).ToArray();
            foreach (var group in Enumerable.Range(0, KeywordList.Length).GroupBy(i => KeywordList[i][0] * 128 + KeywordList[i][1]))
                KeywordsByPrefix[group.Key] = group.ToArray();
        }

        private static bool IsBasicCredential(string base64)
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
                var colon = decoded.IndexOf(':');
                return colon > 0 && colon < decoded.Length - 1 && !decoded.Any(char.IsControl)
                       && !SecretText.IsPlaceholder(decoded.Substring(colon + 1));
            }
            catch (FormatException)
            {
                return false;
            }
        }

        public static FileKind KindOf(string fileName)
        {
            var name = Path.GetFileName(fileName).ToLowerInvariant();
            if (name == "dockerfile" || name.StartsWith("dockerfile.", StringComparison.Ordinal) || name == "makefile" || name.StartsWith(".bash", StringComparison.Ordinal)
                || name == ".profile" || name == ".zshrc")
                return FileKind.Shell;
            var ext = Path.GetExtension(name);
            switch (ext)
            {
                case ".json": case ".jsonc": case ".json5": return FileKind.Json;
                case ".sh": case ".bash": case ".zsh": case ".ksh": case ".fish": return FileKind.Shell;
                case ".ps1": case ".psm1": case ".psd1": case ".py": case ".js": case ".mjs": case ".cjs": case ".ts": case ".tsx": case ".jsx":
                case ".cs": case ".go": case ".rb": case ".java": case ".kt": case ".php": case ".swift": case ".rs": case ".c": case ".cpp":
                case ".h": case ".scala": case ".groovy": case ".dart": case ".lua": case ".r": case ".pl": case ".vb": case ".fs":
                    return FileKind.Code;
                default: return FileKind.Config;
            }
        }

        /// <summary>
        /// Whether any keyword occurs in UTF-8 bytes (keywords are ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII):
        /// most files have none, and skipping their decoding is most of the scanner's speed.
        /// </summary>
        public static bool MayContainSecret(byte[] data, int offset, int count)
        {
            var prefixes = KeywordsByPrefix;
            var end = offset + count - 1;
            for (var i = offset; i < end; i++)
            {
                int c = data[i];
                if (c >= 128) continue;
                if ((uint)(c - 'A') <= 'Z' - 'A') c += 32;
                int c2 = data[i + 1];
                if (c2 >= 128) { i++; continue; }
                if ((uint)(c2 - 'A') <= 'Z' - 'A') c2 += 32;
                var candidates = prefixes[(c << 7) | c2];
                if (candidates == null) continue;
                foreach (var k in candidates)
                {
                    var word = KeywordList[k];
                    if (i + word.Length > offset + count) continue;
                    var j = 2;
                    for (; j < word.Length; j++)
                    {
                        int t = data[i + j];
                        if ((uint)(t - 'A') <= 'Z' - 'A') t += 32;
                        if (t != word[j]) break;
                    }
                    if (j == word.Length) return true;
                }
            }
            return false;
        }

        /// <summary>Scans a text; findings come back in text order with 1-based line and column.</summary>
        public static List<RawFinding> Scan(string text, FileKind kind)
        {
            var found = new List<RawFinding>();
            var genericDoneUpTo = -1;
            var length = text.Length;
            var prefixes = KeywordsByPrefix;
            for (var index = 0; index < length - 1; index++)
            {
                // One pass, ASCII case folded by hand, two characters looked up at once: a regex alternation of the
                // same literals was 20 times slower here.
                int c = text[index];
                if (c >= 128) continue;
                if ((uint)(c - 'A') <= 'Z' - 'A') c += 32;
                int c2 = text[index + 1];
                if (c2 >= 128) continue;
                if ((uint)(c2 - 'A') <= 'Z' - 'A') c2 += 32;
                var candidates = prefixes[(c << 7) | c2];
                if (candidates == null) continue;
                string? keyword = null;
                foreach (var k in candidates)
                {
                    var word = KeywordList[k];
                    if (index + word.Length > length) continue;
                    var j = 2;
                    for (; j < word.Length; j++)
                    {
                        int t = text[index + j];
                        if (t >= 'A' && t <= 'Z') t += 32;
                        if (t != word[j]) break;
                    }
                    if (j == word.Length) { keyword = word; break; }
                }
                if (keyword == null) continue;
                if (keyword == "://")
                {
                    TryUrl(text, index, found);
                }
                else
                {
                    if (RulesByKeyword.TryGetValue(keyword, out var rules))
                        foreach (var rule in rules) TryShape(rule, text, index, found);
                    if (index >= genericDoneUpTo && Array.IndexOf(GenericKeywords, keyword) >= 0)
                        genericDoneUpTo = TryAssignment(text, index, kind, found);
                }
                index += keyword.Length - 1;
            }
            if (found.Count == 0) return found;
            return Finish(text, found);
        }

        private static void TryShape(ShapeRule rule, string text, int index, List<RawFinding> found)
        {
            if (rule.WordBoundary && index > 0 && char.IsLetterOrDigit(text[index - 1])) return;
            var match = rule.Pattern.Match(text, index);
            if (!match.Success) return;
            var secretGroup = match.Groups["secret"];
            var secret = secretGroup.Success ? secretGroup.Value : match.Value;
            if (rule.Id != "private-key" && SecretText.IsPlaceholder(secret)) return;
            if (rule.Accept != null && !rule.Accept(secret)) return;
            var severity = rule.Severity;
            var redacted = SecretText.Redact(secret, rule.VisiblePrefix);
            if (rule.Id == "private-key")
            {
                var kind = match.Groups["kind"].Value;
                if (kind == "ENCRYPTED ") severity = SecretSeverity.Medium;
                redacted = $"-----BEGIN {kind}PRIVATE KEY----- ********";
            }
            found.Add(new RawFinding
            {
                Start = secretGroup.Success ? secretGroup.Index : match.Index,
                Length = secret.Length,
                Rule = rule.Id,
                Description = rule.Description,
                Severity = severity,
                Redacted = redacted,
                Priority = rule.Priority,
            });
        }

        private static void TryUrl(string text, int index, List<RawFinding> found)
        {
            var start = index;
            while (start > 0 && index - start < 32 && (char.IsLetterOrDigit(text[start - 1]) || text[start - 1] == '+' || text[start - 1] == '.' || text[start - 1] == '-')) start--;
            if (start == index || !char.IsLetter(text[start])) return;
            var match = UrlCredentials.Match(text, start);
            if (!match.Success) return;
            var secret = match.Groups["secret"].Value;
            if (SecretText.IsPlaceholder(secret) || SecretText.IsReference(secret) || secret.StartsWith("%", StringComparison.Ordinal) && secret.EndsWith("%", StringComparison.Ordinal)) return;
            found.Add(new RawFinding
            {
                Start = match.Groups["secret"].Index,
                Length = secret.Length,
                Rule = "url-credentials",
                Description = "Password in a URL (user:password@host)",
                Severity = SecretSeverity.High,
                Key = match.Groups["scheme"].Value + "://" + match.Groups["user"].Value + "@" + match.Groups["host"].Value,
                Redacted = SecretText.Redact(secret, 0),
                Priority = 3,
            });
        }

        private static readonly Regex UrlCredentials = new Regex(
            @"\G(?<scheme>[A-Za-z][A-Za-z0-9+.\-]{0,30})://(?<user>[^\s:/@'""<>`]{1,128}):(?<secret>[^\s@/'""<>`]{1,256})@(?<host>[A-Za-z0-9.\-_\[\]]+)",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '-' || c == '.';

        /// <summary>
        /// The generic rule: NAME = value, NAME: value, "name": "value", $name = 'value', --name=value, where NAME sounds secret
        /// and the value is a real-looking literal. Returns where the analysed name ends, so a name is analysed once.
        /// </summary>
        private static int TryAssignment(string text, int index, FileKind kind, List<RawFinding> found)
        {
            var s = index;
            while (s > 0 && IsIdentifierChar(text[s - 1])) s--;
            var e = index;
            while (e < text.Length && IsIdentifierChar(text[e])) e++;
            var nameEnd = e;
            var name = text.Substring(s, e - s).Trim('-', '.');
            // In code, a quoted name after '?' or ',' (cond ? "password" : "x", f("token", x)) is a value, not a key.
            if (kind == FileKind.Code && s > 0 && (text[s - 1] == '"' || text[s - 1] == '\''))
            {
                var b = s - 2;
                while (b >= 0 && (text[b] == ' ' || text[b] == '\t')) b--;
                if (b >= 0 && (text[b] == '?' || text[b] == ',' || text[b] == '(' || text[b] == '=' || text[b] == '+')) return e;
            }
            if (name.Length == 0 || name.Length > 100) return nameEnd;
            var nameKind = SecretText.ClassifyName(name);
            if (nameKind == SecretNameKind.None) return nameEnd;

            var lineStart = text.LastIndexOf('\n', Math.Max(0, s - 1)) + 1;
            if (s == 0) lineStart = 0;
            var lineEnd = text.IndexOf('\n', e);
            if (lineEnd < 0) lineEnd = text.Length;

            var p = e;
            if (p < lineEnd && (text[p] == '"' || text[p] == '\'')) p++;
            if (p < lineEnd && text[p] == ']') p++;
            while (p < lineEnd && (text[p] == ' ' || text[p] == '\t')) p++;
            if (p >= lineEnd) return nameEnd;
            var op = text[p];
            var powershellParameter = false;
            if (op == '=')
            {
                if (p + 1 < lineEnd && (text[p + 1] == '=' || text[p + 1] == '~')) return nameEnd;
                p++;
                if (p < lineEnd && text[p] == '>') p++;
            }
            else if (op == ':')
            {
                if (p + 1 < lineEnd && text[p + 1] == '=') p += 2;
                else if (p + 1 < lineEnd && text[p + 1] != ' ' && text[p + 1] != '\t' && text[p + 1] != '"' && text[p + 1] != '\'') return nameEnd;
                else p++;
            }
            else if ((op == '"' || op == '\'') && kind == FileKind.Code && s > 0 && text[s - 1] == '-' && p > e)
            {
                powershellParameter = true;   // -Password 'value'
            }
            else
            {
                return nameEnd;
            }
            while (p < lineEnd && (text[p] == ' ' || text[p] == '\t')) p++;
            if (p >= lineEnd) return nameEnd;

            // A type annotation (token: str = "...") : skip to the '='.
            if (op == ':' && kind == FileKind.Code && char.IsLetter(text[p]))
            {
                var eq = text.IndexOf('=', p, lineEnd - p);
                if (eq < 0 || (eq + 1 < lineEnd && text[eq + 1] == '=')) return nameEnd;
                p = eq + 1;
                while (p < lineEnd && (text[p] == ' ' || text[p] == '\t')) p++;
                if (p >= lineEnd) return nameEnd;
            }

            var line = text.Substring(lineStart, lineEnd - lineStart);
            var connectionString = line.IndexOf(';') >= 0 && ConnectionStringHint.IsMatch(line);

            int valueStart;
            string value;
            var q = text[p];
            if (q == '"' || q == '\'' || q == '`')
            {
                if (p + 2 < lineEnd && text[p + 1] == q && text[p + 2] == q) return nameEnd;   // """ block strings
                var close = p + 1;
                while (close < lineEnd && text[close] != q)
                {
                    if (text[close] == '\\' && q != '\'') close++;
                    close++;
                }
                if (close >= lineEnd) return nameEnd;
                valueStart = p + 1;
                value = text.Substring(valueStart, close - valueStart);
                if (connectionString)
                {
                    var semi = value.IndexOf(';');
                    if (semi >= 0) value = value.Substring(0, semi);
                }
            }
            else
            {
                if (powershellParameter) return nameEnd;
                if (kind == FileKind.Code && !connectionString) return nameEnd;   // an expression, not a literal
                if (q == '{' || q == '[' || q == '(' || q == '|' || q == '>' || q == '&' || q == '*' || q == '!') return nameEnd;
                valueStart = p;
                var end = p;
                while (end < lineEnd)
                {
                    var c = text[end];
                    if (c == '\r') break;
                    if (connectionString && (c == ';' || c == '"' || c == '\'')) break;
                    if ((kind == FileKind.Shell || kind == FileKind.Json) && (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|' || c == '"' || c == '\'')) break;
                    if (c == '#' && end > p && (text[end - 1] == ' ' || text[end - 1] == '\t')) break;
                    end++;
                }
                value = text.Substring(valueStart, end - valueStart).TrimEnd();
                if (kind == FileKind.Config && !connectionString) value = value.TrimEnd(',', ';');
            }

            value = value.Trim('"', '\'', '`');
            if (value.Length == 0 || SecretText.IsPlaceholder(value) || SecretText.IsReference(value)) return nameEnd;
            // String interpolation ("$host", "${x}", "{name}") in code and shell builds the value at run time.
            if ((kind == FileKind.Code || kind == FileKind.Shell) && Interpolation.IsMatch(value)) return nameEnd;
            string rule;
            SecretSeverity severity;
            if (nameKind == SecretNameKind.Password)
            {
                if (!SecretText.LooksLikePassword(value)) return nameEnd;
                rule = connectionString ? "connection-string-password" : "password-assignment";
                severity = connectionString ? SecretSeverity.High : SecretSeverity.Medium;
            }
            else
            {
                if (!SecretText.LooksRandom(value)) return nameEnd;
                rule = "secret-assignment";
                severity = SecretSeverity.Medium;
            }
            found.Add(new RawFinding
            {
                Start = valueStart,
                Length = value.Length,
                Rule = rule,
                Description = rule == "secret-assignment" ? "High-entropy value assigned to a secret-sounding name"
                    : rule == "connection-string-password" ? "Password in a connection string" : "Password assigned in the clear",
                Severity = severity,
                Key = name,
                Redacted = SecretText.Redact(value, 0),
                Priority = 1,
            });
            return nameEnd;
        }

        private static readonly Regex Interpolation = new Regex(@"\$[A-Za-z_{(]|\{[A-Za-z_][A-Za-z0-9_.]*\}", RegexOptions.Compiled | RegexOptions.CultureInvariant);

        private static readonly Regex ConnectionStringHint = new Regex(
            @"(?i)(?:^|[;""'\s])(?:host|server|data source|datasource|address|addr|user id|uid|username|user|database|initial catalog)\s*=",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        private static readonly string[] AllowMarkers = { "platformops:allow", "pragma: allowlist secret", "gitleaks:allow" };

        /// <summary>Drops overlaps (the more specific rule wins) and allow-listed lines, then adds line and column.</summary>
        private static List<RawFinding> Finish(string text, List<RawFinding> candidates)
        {
            var ordered = candidates.OrderBy(c => c.Start).ThenByDescending(c => c.Priority).ThenByDescending(c => c.Severity).ToList();
            var kept = new List<RawFinding>();
            foreach (var c in ordered)
            {
                var last = kept.Count > 0 ? kept[kept.Count - 1] : null;
                if (last != null && c.Start < last.Start + last.Length)
                {
                    var winner = c.Priority > last.Priority || (c.Priority == last.Priority && c.Severity > last.Severity) ? c : last;
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
            foreach (var f in kept)
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
                f.Line = line;
                f.Column = f.Start - lineStart + 1;
                result.Add(f);
            }
            return result;
        }
    }
}

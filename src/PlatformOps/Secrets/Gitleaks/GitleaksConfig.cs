using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using PlatformOps.Common;
using PlatformOps.Secrets.Rules;
using Tomlyn;
using Tomlyn.Model;

namespace PlatformOps.Secrets.Gitleaks
{
    /// <summary>
    /// A repository's gitleaks configuration (.gitleaks.toml), read with Tomlyn: [[rules]] (id, description, regex,
    /// secretGroup, keywords, entropy, path, [[rules.allowlists]] / [rules.allowlist]), the global [allowlist] /
    /// [[allowlists]], and [extend] useDefault / disabledRules. Rules extended from the defaults are PlatformOps' own.
    /// </summary>
    internal sealed class GitleaksConfig
    {
        public static readonly string[] FileNames = { ".gitleaks.toml", "gitleaks.toml", ".github/.gitleaks.toml", ".gitleaks/config.toml" };

        public string File { get; private set; } = string.Empty;
        public List<SecretRule> Rules { get; } = new List<SecretRule>();
        public GlobalAllowlist Allow { get; } = new GlobalAllowlist();
        /// <summary>[extend] useDefault = true: the built-in rules apply too. With no [[rules]] at all, they apply as well.</summary>
        public bool UseDefault { get; private set; }
        public HashSet<string> DisabledRules { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The first configuration file at the root of <paramref name="folder"/>, or null.</summary>
        public static string? FindIn(string folder)
        {
            foreach (var name in FileNames)
            {
                var candidate = Path.Combine(folder, name);
                if (System.IO.File.Exists(candidate)) return candidate;
            }
            return null;
        }

        public static GitleaksConfig Load(string path)
        {
            var full = Path.GetFullPath(path);
            if (!System.IO.File.Exists(full))
                throw new PlatformOpsException("PlatformSecretConfigNotFound", ErrorCategory.ObjectNotFound, path, $"The gitleaks configuration '{full}' does not exist.");
            TomlTable model;
            try
            {
                model = TomlSerializer.Deserialize<TomlTable>(System.IO.File.ReadAllText(full)) ?? new TomlTable();
            }
            catch (Exception ex) when (ex is TomlException || ex is FormatException || ex is InvalidOperationException)
            {
                throw new PlatformOpsException("PlatformSecretConfigInvalid", ErrorCategory.InvalidData, path,
                    $"The gitleaks configuration '{full}' is not valid TOML: {FirstLine(ex.Message)}. Fix it (gitleaks rejects it too) or pass -Config with another file.", ex);
            }
            var config = new GitleaksConfig { File = full };
            config.Read(model);
            return config;
        }

        /// <summary>The rules in force: the file's own, plus the built-in ones when it extends the defaults.</summary>
        public RuleSet ToRuleSet()
        {
            var rules = new List<SecretRule>();
            if (UseDefault)
                rules.AddRange(RuleSet.BuiltIn().Where(r => GitleaksAliases.IdsOf(r.Id).All(id => !DisabledRules.Contains(id) && Rules.All(own => !string.Equals(own.Id, id, StringComparison.OrdinalIgnoreCase)))));
            rules.AddRange(Rules.Where(r => !DisabledRules.Contains(r.Id)));
            var assignment = UseDefault && !DisabledRules.Contains("generic-api-key") && !DisabledRules.Contains("password-assignment") && !DisabledRules.Contains("secret-assignment")
                             && Rules.All(own => !string.Equals(own.Id, "generic-api-key", StringComparison.OrdinalIgnoreCase));
            return new RuleSet(rules, assignment, UseDefault, Allow);
        }

        private void Read(TomlTable model)
        {
            var ruleTables = Tables(model, "rules").ToList();
            if (model.TryGetValue("extend", out var ext) && ext is TomlTable extend)
            {
                UseDefault = Bool(extend, "useDefault") || Bool(extend, "usedefault");
                foreach (var id in Strings(extend, "disabledRules")) DisabledRules.Add(id);
                if (extend.ContainsKey("path") || extend.ContainsKey("url")) UseDefault = true;   // extending another file: its rules are not read, the defaults stand in
            }
            if (ruleTables.Count == 0) UseDefault = true;
            foreach (var allow in Tables(model, "allowlist").Concat(Tables(model, "allowlists")))
            {
                Allow.Paths.AddRange(Regexes(allow, "paths"));
                var target = Str(allow, "regexTarget") ?? "secret";
                var regexes = Regexes(allow, "regexes");
                if (target == "line" || target == "match") Allow.Lines.AddRange(regexes); else Allow.Secrets.AddRange(regexes);
                Allow.Stopwords.AddRange(Strings(allow, "stopwords").Select(w => w.ToLowerInvariant()));
            }
            foreach (var table in ruleTables)
            {
                var rule = ReadRule(table);
                if (rule != null) Rules.Add(rule);
            }
        }

        private SecretRule? ReadRule(TomlTable table)
        {
            var id = Str(table, "id") ?? throw Invalid("a [[rules]] entry has no id");
            var regex = Str(table, "regex");
            var path = Str(table, "path");
            if (regex == null && path == null) throw Invalid($"rule '{id}' has neither regex nor path");
            var keywords = Strings(table, "keywords").ToList();
            var rule = new SecretRule(id, Str(table, "description") ?? id, "gitleaks-config", regex == null ? "(?s)\\A.{0,80}" : Translate(regex, id), keywords)
            {
                FromConfig = true,
                Entropy = Num(table, "entropy"),
                Path = path == null ? null : Compile(path, id),
                SecretGroup = table.TryGetValue("secretGroup", out var g) ? Convert.ToString(g, System.Globalization.CultureInfo.InvariantCulture) : null,
                Severity = SecretSeverity.High,
                Priority = 4,
                // As gitleaks does: once a keyword occurs, the pattern runs over the whole file (it may span lines).
                WholeText = true,
                RawValue = regex == null,
            };
            try
            {
                _ = rule.Regex;   // a bad pattern fails here, naming the rule, not in the middle of a scan
            }
            catch (ArgumentException ex)
            {
                throw Invalid($"rule '{id}' has a regex .NET cannot read ({FirstLine(ex.Message)})");
            }
            if (keywords.Count == 0 && path == null) rule.Keywords = Array.Empty<string>();
            if (keywords.Count == 0) rule.Path ??= new Regex(".*");
            foreach (var allow in Tables(table, "allowlists").Concat(Tables(table, "allowlist")))
            {
                var target = Str(allow, "regexTarget") ?? "secret";
                var regexes = Regexes(allow, "regexes").ToList();
                if (target == "match") rule.AllowMatches.AddRange(regexes);
                else if (target == "line") rule.AllowLines.AddRange(regexes);
                else rule.AllowSecrets.AddRange(regexes);
                rule.AllowPaths.AddRange(Regexes(allow, "paths"));
                rule.Stopwords.AddRange(Strings(allow, "stopwords").Select(w => w.ToLowerInvariant()));
            }
            return rule;
        }

        /// <summary>Go RE2 syntax to .NET: named groups (?P&lt;x&gt;), \z, and inline flags .NET lacks.</summary>
        internal static string Translate(string re2, string id)
        {
            var s = re2.Replace("(?P<", "(?<");
            // RE2 (?-i:...) and (?i:...) are .NET too; \x60 is too. (?s:.) too. \z is \z. Only \Q..\E and [[:alpha:]] differ.
            s = Regex.Replace(s, @"\[\[:(alpha|digit|alnum|space|upper|lower|punct|xdigit):\]\]", m => "[" + Posix(m.Groups[1].Value) + "]");
            s = Regex.Replace(s, @"\[:(alpha|digit|alnum|space|upper|lower|punct|xdigit):\]", m => Posix(m.Groups[1].Value));
            return s;
        }

        private static string Posix(string cls) => cls switch
        {
            "alpha" => "A-Za-z",
            "digit" => "0-9",
            "alnum" => "A-Za-z0-9",
            "space" => @"\s",
            "upper" => "A-Z",
            "lower" => "a-z",
            "xdigit" => "0-9A-Fa-f",
            _ => @"!-/:-@\[-`{-~",
        };

        private Regex Compile(string pattern, string where)
        {
            try
            {
                return new Regex(Translate(pattern, where), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
            }
            catch (ArgumentException ex)
            {
                throw Invalid($"'{where}' has a pattern .NET cannot read ({FirstLine(ex.Message)})");
            }
        }

        private IEnumerable<Regex> Regexes(TomlTable t, string key) => Strings(t, key).Select(p => Compile(p, key));

        private PlatformOpsException Invalid(string what)
            => new PlatformOpsException("PlatformSecretConfigInvalid", ErrorCategory.InvalidData, File, $"The gitleaks configuration '{File}' is not usable: {what}. Fix the file or pass -Config with another one.");

        private static IEnumerable<TomlTable> Tables(TomlTable t, string key)
        {
            if (!t.TryGetValue(key, out var v)) yield break;
            if (v is TomlTable single) yield return single;
            else if (v is TomlTableArray many) foreach (var x in many) yield return x;
            else if (v is TomlArray array) foreach (var x in array.OfType<TomlTable>()) yield return x;
        }

        private static string? Str(TomlTable t, string key) => t.TryGetValue(key, out var v) ? v as string : null;

        private static bool Bool(TomlTable t, string key) => t.TryGetValue(key, out var v) && v is bool b && b;

        private static double Num(TomlTable t, string key)
            => t.TryGetValue(key, out var v) && v != null ? Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) : 0;

        private static IEnumerable<string> Strings(TomlTable t, string key)
        {
            if (!t.TryGetValue(key, out var v) || v == null) return Enumerable.Empty<string>();
            if (v is string one) return new[] { one };
            return v is TomlArray array ? array.OfType<string>() : Enumerable.Empty<string>();
        }

        private static string FirstLine(string s)
        {
            var nl = s.IndexOf('\n');
            return (nl < 0 ? s : s.Substring(0, nl)).Trim();
        }
    }

    /// <summary>.gitleaksignore: one fingerprint per line (file:rule:line or commit:file:rule:line), # comments.</summary>
    internal static class GitleaksIgnore
    {
        public static HashSet<string> Load(string path)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            if (!System.IO.File.Exists(path)) return set;
            foreach (var raw in System.IO.File.ReadAllLines(path))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal)) continue;
                set.Add(line.Replace('\\', '/'));
            }
            return set;
        }
    }
}

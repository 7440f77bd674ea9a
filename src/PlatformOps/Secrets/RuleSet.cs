using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using PlatformOps.Secrets.Rules;

namespace PlatformOps.Secrets
{
    /// <summary>What a whole configuration allows everywhere: paths never scanned, secrets and stopwords never reported.</summary>
    internal sealed class GlobalAllowlist
    {
        public List<Regex> Paths { get; } = new List<Regex>();
        public List<Regex> Secrets { get; } = new List<Regex>();
        public List<Regex> Lines { get; } = new List<Regex>();
        public List<string> Stopwords { get; } = new List<string>();

        public bool IsEmpty => Paths.Count == 0 && Secrets.Count == 0 && Lines.Count == 0 && Stopwords.Count == 0;
    }

    /// <summary>
    /// The rules in force for one scan, indexed for the single-pass keyword search: every keyword lower-case, grouped by
    /// its first two characters, so that most positions of a text are rejected by one array read.
    /// </summary>
    internal sealed class RuleSet
    {
        /// <summary>Name fragments that start the generic "secret assigned to a secret-sounding name" analysis.</summary>
        internal static readonly string[] AssignmentKeywords = { "pass", "pwd", "secret", "token", "key", "credential" };
        internal const string UrlKeyword = "://";
        internal const string KubernetesKeyword = "kind: secret";

        private static readonly Lazy<RuleSet> DefaultSet = new Lazy<RuleSet>(() => new RuleSet(BuiltIn(), true, true, new GlobalAllowlist()));

        public static RuleSet Default => DefaultSet.Value;

        /// <summary>Every built-in rule, family by family.</summary>
        public static IEnumerable<SecretRule> BuiltIn()
            => KeyRules.All().Concat(CloudRules.All()).Concat(SourceControlRules.All()).Concat(MessagingRules.All()).Concat(PaymentRules.All())
                .Concat(AiRules.All()).Concat(SaasRules.All()).Concat(ConfigRules.All());

        public RuleSet(IEnumerable<SecretRule> rules, bool assignment, bool builtInDetectors, GlobalAllowlist allow)
        {
            Rules = rules.ToList();
            Assignment = assignment;
            BuiltInDetectors = builtInDetectors;
            Allow = allow;
            foreach (var rule in Rules)
            {
                if (rule.Keywords.Length == 0)
                {
                    PathRules.Add(rule);
                    continue;
                }
                foreach (var k in rule.Keywords)
                {
                    if (!RulesByKeyword.TryGetValue(k, out var list)) RulesByKeyword[k] = list = new List<SecretRule>();
                    if (!list.Contains(rule)) list.Add(rule);
                }
            }
            var keywords = RulesByKeyword.Keys.AsEnumerable();
            if (assignment) keywords = keywords.Concat(AssignmentKeywords);
            if (builtInDetectors) keywords = keywords.Concat(new[] { UrlKeyword, KubernetesKeyword, "kind: \"secret", "kind: 'secret" });
            KeywordList = keywords.Select(k => k.ToLowerInvariant()).Distinct(StringComparer.Ordinal).OrderByDescending(k => k.Length).ToArray();
            KeywordsByPrefix = new int[128 * 128][];
            foreach (var group in Enumerable.Range(0, KeywordList.Length).Where(i => KeywordList[i][0] < 128 && KeywordList[i][1] < 128)
                         .GroupBy(i => KeywordList[i][0] * 128 + KeywordList[i][1]))
                KeywordsByPrefix[group.Key] = group.ToArray();
            // Only the longest keyword at a position is looked up, so each keyword also carries what its prefixes start:
            // "password\"" (NuGet) must still start the assignment analysis of "pass", "sk-ant-" the rules of "sk-".
            foreach (var k in KeywordList)
            {
                var merged = new List<SecretRule>();
                var startsAssignment = false;
                foreach (var prefix in KeywordList.Where(j => k.StartsWith(j, StringComparison.Ordinal)))
                {
                    if (RulesByKeyword.TryGetValue(prefix, out var own)) merged.AddRange(own.Where(r => !merged.Contains(r)));
                    if (assignment && AssignmentKeywords.Contains(prefix)) startsAssignment = true;
                }
                if (merged.Count > 0) RulesByKeyword[k] = merged;
                IsAssignmentKeyword[k] = startsAssignment;
            }
        }

        public IReadOnlyList<SecretRule> Rules { get; }
        /// <summary>The name-based assignment analysis is on (gitleaks' useDefault, or no configuration).</summary>
        public bool Assignment { get; }
        /// <summary>URL credentials and Kubernetes Secret manifests (built-in detectors that are code, not patterns).</summary>
        public bool BuiltInDetectors { get; }
        public GlobalAllowlist Allow { get; }
        /// <summary>Rules with no keyword: tried on whole files whose path matches.</summary>
        public List<SecretRule> PathRules { get; } = new List<SecretRule>();
        public string[] KeywordList { get; }
        public int[][] KeywordsByPrefix { get; }
        public Dictionary<string, List<SecretRule>> RulesByKeyword { get; } = new Dictionary<string, List<SecretRule>>(StringComparer.Ordinal);
        public Dictionary<string, bool> IsAssignmentKeyword { get; } = new Dictionary<string, bool>(StringComparer.Ordinal);

        /// <summary>Whether any keyword occurs in UTF-8 bytes (keywords are ASCII, and no byte of a multi-byte sequence is).</summary>
        public bool MayContainSecret(byte[] data, int offset, int count, string? relativePath = null)
        {
            if (relativePath != null && PathRules.Count > 0 && PathRules.Any(r => r.Path != null && r.Path.IsMatch(relativePath))) return true;
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

        /// <summary>The keyword at <paramref name="index"/> (the longest), or null.</summary>
        public string? KeywordAt(string text, int index)
        {
            int c = text[index];
            if (c >= 128) return null;
            if ((uint)(c - 'A') <= 'Z' - 'A') c += 32;
            int c2 = text[index + 1];
            if (c2 >= 128) return null;
            if ((uint)(c2 - 'A') <= 'Z' - 'A') c2 += 32;
            var candidates = KeywordsByPrefix[(c << 7) | c2];
            if (candidates == null) return null;
            foreach (var k in candidates)
            {
                var word = KeywordList[k];
                if (index + word.Length > text.Length) continue;
                var j = 2;
                for (; j < word.Length; j++)
                {
                    int t = text[index + j];
                    if (t >= 'A' && t <= 'Z') t += 32;
                    if (t != word[j]) break;
                }
                if (j == word.Length) return word;
            }
            return null;
        }
    }
}

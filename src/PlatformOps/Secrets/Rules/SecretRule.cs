using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace PlatformOps.Secrets.Rules
{
    /// <summary>
    /// One detection rule: keywords that must occur (the pre-filter), a pattern tried on the lines around each keyword,
    /// and the judgements a match must pass (entropy, placeholders, allow-lists). Built-in rules and rules read from a
    /// repository's .gitleaks.toml are the same type.
    /// </summary>
    internal sealed class SecretRule
    {
        private readonly Lazy<Regex> _regex;

        public SecretRule(string id, string description, string family, string pattern, IEnumerable<string> keywords)
        {
            Id = id;
            Description = description;
            Family = family;
            Pattern = pattern;
            Keywords = keywords.Select(k => k.ToLowerInvariant()).Where(k => k.Length >= 2).Distinct().ToArray();
            // Built lazily: a rule whose keyword never occurs costs nothing.
            _regex = new Lazy<Regex>(() => new Regex(Pattern, RegexOptions.CultureInvariant | Options, TimeSpan.FromSeconds(2)));
        }

        public string Id { get; }
        public string Description { get; }
        /// <summary>A group of rules reported together (cloud, source-control, chat, payment, ai, ...).</summary>
        public string Family { get; }
        public string Pattern { get; }
        public RegexOptions Options { get; set; } = RegexOptions.None;
        public Regex Regex => _regex.Value;
        /// <summary>Lower-case; a line is tried only when one occurs (case-insensitive). Empty: tried on every line.</summary>
        public string[] Keywords { get; set; }
        public SecretSeverity Severity { get; set; } = SecretSeverity.High;
        /// <summary>The capture group holding the secret: a name, a number, or null for "secret", else the first group that matched, else the match.</summary>
        public string? SecretGroup { get; set; }
        /// <summary>Minimum Shannon entropy (bits per character) of the secret; 0 for none.</summary>
        public double Entropy { get; set; }
        /// <summary>How many characters of the secret are a public prefix that can be shown (ghp_, AKIA).</summary>
        public int VisiblePrefix { get; set; }
        /// <summary>Lines after the keyword's line that the pattern may span (private keys, Kubernetes secrets, curl continuations).</summary>
        public int LinesAfter { get; set; }
        /// <summary>Once a keyword occurs, run the pattern over the whole text (gitleaks' own semantics, for imported rules).</summary>
        public bool WholeText { get; set; }
        /// <summary>Lines before the keyword's line that the pattern may start on.</summary>
        public int LinesBefore { get; set; }
        /// <summary>Only files whose repository-relative path matches (nuget.config, *.tf).</summary>
        public Regex? Path { get; set; }
        /// <summary>Secrets that match any of these are not reported (examples, public test keys).</summary>
        public List<Regex> AllowSecrets { get; } = new List<Regex>();
        /// <summary>Matches whose whole text matches any of these are not reported.</summary>
        public List<Regex> AllowMatches { get; } = new List<Regex>();
        /// <summary>Lines that match any of these are not reported.</summary>
        public List<Regex> AllowLines { get; } = new List<Regex>();
        public List<Regex> AllowPaths { get; } = new List<Regex>();
        /// <summary>Secrets containing any of these (lower-case) are not reported.</summary>
        public List<string> Stopwords { get; } = new List<string>();
        /// <summary>A last check on the secret (base64 that must decode to user:password, a checksum).</summary>
        public Func<string, bool>? Accept { get; set; }
        /// <summary>Skip the placeholder check (a PEM header is not a placeholder word).</summary>
        public bool RawValue { get; set; }
        /// <summary>Which rule wins when two see the same text: specific shapes (3) beat header rules (2) and the name-based rule (1).</summary>
        public int Priority { get; set; } = 3;
        /// <summary>Gitleaks-imported rules are reported under their own id and need no sample.</summary>
        public bool FromConfig { get; set; }
        /// <summary>Makes a clearly fake example of the secret for the rule's test (null: the rule has a hand-written test).</summary>
        public Func<Random, string>? Sample { get; set; }
        /// <summary>The sample is a whole line in its context (a curl command, a redis.conf line), not a value to assign.</summary>
        public bool SampleIsLine { get; set; }

        public override string ToString() => Id;
    }

    /// <summary>Small builders that keep the rule files readable: a token with a known prefix, or a value next to a service's name.</summary>
    internal static class R
    {
        /// <summary>Characters that may not touch a token on either side.</summary>
        private const string Edge = "A-Za-z0-9_";

        /// <summary>A token with a distinctive shape: <paramref name="body"/> must not touch letters, digits or '_' on either side.</summary>
        public static SecretRule Token(string id, string description, string family, string body, string[] keywords, double entropy = 3.0, int visible = 0, Func<Random, string>? sample = null)
            => new SecretRule(id, description, family, $"(?<![{Edge}])(?<secret>{body})(?![{Edge}])", keywords)
            {
                Entropy = entropy,
                VisiblePrefix = visible,
                Sample = sample,
            };

        /// <summary>
        /// A value assigned to a name that mentions the service: NAME = value, "name": "value", name: value, --name value.
        /// The name is any identifier containing one of <paramref name="services"/>.
        /// </summary>
        public static SecretRule Near(string id, string description, string family, string[] services, string value, double entropy = 3.0, Func<Random, string>? sample = null, bool caseSensitiveValue = false)
        {
            var names = string.Join("|", services.Select(Regex.Escape));
            var v = caseSensitiveValue ? value : "(?i:" + value + ")";
            var pattern = $@"(?i:(?<name>[\w.\-]{{0,40}}?(?:{names})[\w.\-]{{0,30}}))[""'\]]?[ \t]{{0,3}}(?:=>|:=|::=|\?=|\+=|=|:|,|[ \t](?=[""']))[ \t]{{0,3}}[""'`]?(?<secret>{v})(?![\w\-+/=])";
            return new SecretRule(id, description, family, pattern, services)
            {
                Entropy = entropy,
                Sample = sample,
                Priority = 2,
            };
        }

        // ----- sample builders (fake values for the rule tests and the corpus) -----
        public const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        public const string Lower = "abcdefghijklmnopqrstuvwxyz";
        public const string Digits = "0123456789";
        public const string Hex = "0123456789abcdef";
        public const string Alnum = Upper + Lower + Digits;
        public const string Base64 = Alnum + "+/";
        public const string UrlSafe = Alnum + "_-";

        public static string Rand(Random r, int length, string alphabet = Alnum)
        {
            var c = new char[length];
            for (var i = 0; i < length; i++) c[i] = alphabet[r.Next(alphabet.Length)];
            return new string(c);
        }

        public static Func<Random, string> S(string prefix, int length, string alphabet = Alnum, string suffix = "")
            => r => prefix + Rand(r, length, alphabet) + suffix;

        public static string Uuid(Random r) => $"{Rand(r, 8, Hex)}-{Rand(r, 4, Hex)}-4{Rand(r, 3, Hex)}-a{Rand(r, 3, Hex)}-{Rand(r, 12, Hex)}";
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using PlatformOps.Secrets;
using PlatformOps.Secrets.Rules;
using Xunit;
using Xunit.Abstractions;

namespace PlatformOps.Tests.Secrets
{
    /// <summary>
    /// Every built-in rule against a fresh fake sample of its own (made from random characters at test time, so the
    /// repository holds none): found in a realistic place, found under a neutral name when the shape alone is distinctive,
    /// and not found once masked.
    /// </summary>
    public sealed class SecretRuleTests
    {
        private readonly ITestOutputHelper _output;

        public SecretRuleTests(ITestOutputHelper output) => _output = output;

        public static IEnumerable<object[]> RulesWithSamples()
            => RuleSet.BuiltIn().Where(r => r.Sample != null).Select(r => new object[] { r.Id });

        private static SecretRule RuleById(string id) => RuleSet.BuiltIn().First(r => r.Id == id && r.Sample != null);

        /// <summary>Whether the rule is a bare token (no service name needed next to it).</summary>
        internal static bool IsShapeRule(SecretRule r) => r.Priority >= 3 && !r.Pattern.Contains("(?<name>", StringComparison.Ordinal);

        internal static string RealisticLine(SecretRule rule, string sample)
        {
            var service = rule.Keywords.FirstOrDefault(k => k.All(c => char.IsLetter(c) || c == '_')) ?? "service";
            return IsShapeRule(rule) ? $"SERVICE_API_TOKEN={sample}" : $"{service.ToUpperInvariant().Trim('_')}_API_KEY={sample}";
        }

        [Theory]
        [MemberData(nameof(RulesWithSamples))]
        public void Each_rule_finds_its_sample_and_not_the_masked_sample(string id)
        {
            var rule = RuleById(id);
            for (var seed = 1; seed <= 5; seed++)
            {
                var sample = rule.Sample!(new Random(seed * 7919 + id.Length));
                var multiLine = sample.Contains('\n', StringComparison.Ordinal) || rule.SampleIsLine;
                var text = multiLine ? sample + "\n" : "# settings\n" + RealisticLine(rule, sample) + "\n";
                var found = ContentScanner.Scan(text, FileKind.Config, multiLine ? "keys/sample.key" : "config/.env", RuleSet.Default);
                Assert.True(found.Count > 0, $"{id}: sample {seed} not found in: {Redacted(text)}");
                // A value-with-name rule may lose to the same service's shape rule (typeform-api-token -> typeform-token): still right.
                Assert.True(found.Any(f => f.Rule == id || f.Rule.Split('-')[0] == id.Split('-')[0]), $"{id}: sample {seed} reported as {string.Join(",", found.Select(f => f.Rule))}");
                if (IsShapeRule(rule) && !multiLine && !rule.SampleIsLine)
                {
                    var neutral = $"import service\n\nclient = service.Client(\"{sample}\")\n";
                    var n = ContentScanner.Scan(neutral, FileKind.Code, "app/main.py", RuleSet.Default);
                    Assert.True(n.Any(f => f.Line == 3), $"{id}: sample {seed} not found under a neutral name");
                }
                if (rule.SampleIsLine) continue;   // masking a whole command line masks its words too
                var masked = Mask(sample);
                var m = ContentScanner.Scan(multiLine ? masked + "\n" : "# settings\n" + RealisticLine(rule, masked) + "\n", FileKind.Config, multiLine ? "keys/sample.key" : "config/.env", RuleSet.Default);
                Assert.True(m.Count == 0, $"{id}: the masked sample was reported as {string.Join(",", m.Select(f => f.Rule))}");
            }
        }

        /// <summary>A masked copy: after the first five characters of each line, every letter and digit becomes x (PEM armour lines stay).</summary>
        internal static string Mask(string sample)
            => string.Join("\n", sample.Split('\n').Select(line => line.StartsWith("-----", StringComparison.Ordinal) || line.Contains(": ", StringComparison.Ordinal)
                ? line
                : new string(line.Select((ch, i) => i >= 5 && char.IsLetterOrDigit(ch) ? 'x' : ch).ToArray())));

        private static string Redacted(string text) => text.Length > 80 ? string.Concat(text.AsSpan(0, 40), "...") : text;

        [Fact]
        public void The_rule_set_covers_the_families_and_every_rule_has_a_keyword_or_a_path()
        {
            var rules = RuleSet.BuiltIn().ToList();
            _output.WriteLine($"{rules.Count} built-in rules, {rules.Count(r => r.Sample != null)} with a sample; families: " +
                              string.Join(", ", rules.GroupBy(r => r.Family).Select(g => $"{g.Key} {g.Count()}")));
            Assert.True(rules.Count >= 180, $"only {rules.Count} rules");
            Assert.All(rules, r => Assert.True(r.Keywords.Length > 0 || r.Path != null, r.Id));
            Assert.All(rules, r => Assert.NotNull(r.Regex));   // every pattern compiles
            Assert.All(rules.Where(r => r.Keywords.Length > 0), r => Assert.All(r.Keywords, k => Assert.True(k.Length >= 2, r.Id + ": " + k)));
        }
    }
}

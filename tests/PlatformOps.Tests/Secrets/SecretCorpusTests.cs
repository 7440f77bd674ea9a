using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using PlatformOps.Secrets;
using PlatformOps.Secrets.Rules;
using Xunit;
using Xunit.Abstractions;

namespace PlatformOps.Tests.Secrets
{
    /// <summary>
    /// The corpus generator: every rule's fake sample in ten realistic file contexts (env, YAML, JSON, HCL, shell, Python,
    /// Go, PHP, XML, PowerShell) under a secret-sounding name, the shape-only samples under a neutral name in three
    /// languages, and negatives (masked samples, placeholders, templates, references, hashes and ids under ordinary
    /// names). Prints recall and false positives per family (the table in docs/performance.md); set
    /// PLATFORMOPS_CORPUS_REPORT to a path to get it as a file too.
    /// </summary>
    public sealed class SecretCorpusTests
    {
        private readonly ITestOutputHelper _output;

        public SecretCorpusTests(ITestOutputHelper output) => _output = output;

        private sealed record Case(string Family, string Kind, string Path, string Text, int Line, bool Positive);

        private static readonly (string Path, Func<string, string, string> Line)[] Realistic =
        {
            ("app/.env", (n, v) => $"{n.ToUpperInvariant()}={v}"),
            ("deploy/values.yaml", (n, v) => $"  {n.ToLowerInvariant()}: \"{v}\""),
            ("config/settings.json", (n, v) => $"  \"{Camel(n)}\": \"{v}\","),
            ("infra/main.tf", (n, v) => $"  {n.ToLowerInvariant()} = \"{v}\""),
            ("scripts/deploy.sh", (n, v) => $"export {n.ToUpperInvariant()}=\"{v}\""),
            ("app/settings.py", (n, v) => $"{n.ToUpperInvariant()} = \"{v}\""),
            ("cmd/main.go", (n, v) => $"\tvar {Camel(n)} string = \"{v}\""),
            ("web/config.php", (n, v) => $"define('{n.ToUpperInvariant()}', '{v}');"),
            ("conf/app.config.xml", (n, v) => $"  <{Camel(n)}>{v}</{Camel(n)}>"),
            ("ops/Deploy.ps1", (n, v) => $"${Camel(n)} = '{v}'"),
        };

        private static readonly (string Path, Func<string, string> Line)[] Neutral =
        {
            ("app/client.py", v => $"client = service.Client(\"{v}\")"),
            ("web/client.js", v => $"const client = new Service.Client('{v}');"),
            ("cmd/client.go", v => $"\tclient := service.NewClient(\"{v}\")"),
        };

        private static string Camel(string n)
        {
            var words = n.ToLowerInvariant().Split('_', StringSplitOptions.RemoveEmptyEntries);
            return words[0] + string.Concat(words.Skip(1).Select(w => char.ToUpperInvariant(w[0]) + w.Substring(1)));
        }

        private static string NameFor(SecretRule rule)
        {
            if (SecretRuleTests.IsShapeRule(rule)) return "service_api_token";
            var service = rule.Keywords.FirstOrDefault(k => k.All(c => char.IsLetter(c) || c == '_')) ?? "service";
            return service.Trim('_') + "_api_key";
        }

        private static IEnumerable<Case> Build()
        {
            var rng = new Random(20261202);
            foreach (var rule in RuleSet.BuiltIn().Where(r => r.Sample != null))
            {
                var sample = rule.Sample!(rng);
                if (sample.Contains('\n', StringComparison.Ordinal) || rule.SampleIsLine)
                {
                    yield return new Case(rule.Family, "realistic", rule.Family == "private-key" ? "keys/service.key" : "ops/config.txt", "# ops\n" + sample + "\n", 0, true);
                    continue;
                }
                var name = NameFor(rule);
                foreach (var (path, line) in Realistic)
                {
                    if (sample.Contains('\'', StringComparison.Ordinal) && (path.EndsWith(".php", StringComparison.Ordinal) || path.EndsWith(".ps1", StringComparison.Ordinal))) continue;
                    yield return new Case(rule.Family, "realistic", path, "# settings\n" + line(name, sample) + "\n", 2, true);
                    yield return new Case(rule.Family, "negative", path, "# settings\n" + line(name, SecretRuleTests.Mask(sample)) + "\n", 2, false);
                }
                if (SecretRuleTests.IsShapeRule(rule))
                    foreach (var (path, line) in Neutral)
                        yield return new Case(rule.Family, "neutral", path, "import service\n" + line(sample) + "\n", 2, true);
            }
            // Negatives every scanner meets: placeholders, templates, references, masked values; hashes and ids under ordinary names.
            string[] placeholders =
            {
                "changeme", "<your-api-key>", "${API_TOKEN}", "{{ .Values.apiToken }}", "********", "xxxxxxxxxxxxxxxxxxxx", "your_api_key_here",
                "REPLACE_WITH_YOUR_TOKEN", "${{ secrets.API_TOKEN }}", "%API_TOKEN%", "example-token-123", "dummy", "TODO", "null", "$(cat /run/secrets/token)",
                "/run/secrets/api_token", "vault:secret/data/app#token", "abc123", "test", "1234567890", "password123", "secret",
            };
            foreach (var p in placeholders)
                foreach (var (path, line) in Realistic)
                    yield return new Case("placeholders", "negative", path, "# settings\n" + line("api_token", p) + "\n", 2, false);
            string[] references = { "os.environ[\"API_TOKEN\"]", "process.env.API_TOKEN", "var.api_token", "settings.API_TOKEN", "getenv(\"API_TOKEN\")" };
            foreach (var r in references)
            {
                yield return new Case("placeholders", "negative", "app/settings.py", $"API_TOKEN = {r}\n", 1, false);
                yield return new Case("placeholders", "negative", "infra/main.tf", $"  api_token = {r}\n", 1, false);
            }
            for (var i = 0; i < 20; i++)
            {
                var hex = R.Rand(rng, 40, R.Hex);
                var sha = R.Rand(rng, 64, R.Hex);
                yield return new Case("hashes-ids", "negative", "build/info.json", $"{{ \"commit\": \"{hex}\", \"sha256\": \"{sha}\", \"request_id\": \"{R.Uuid(rng)}\" }}\n", 1, false);
                yield return new Case("hashes-ids", "negative", "package-lock.json", $"      \"integrity\": \"sha512-{R.Rand(rng, 86, R.Base64)}==\",\n", 1, false);
                yield return new Case("hashes-ids", "negative", "deploy/values.yaml", $"image: registry.example.net/app@sha256:{sha}\nclient_id: {R.Uuid(rng)}\n", 1, false);
            }
        }

        [Fact]
        public void Recall_and_false_positives_per_family_meet_the_goals()
        {
            var rows = new Dictionary<string, int[]>(StringComparer.Ordinal);   // realistic found/total, neutral found/total, negatives flagged/total
            var misses = new List<string>();
            foreach (var c in Build())
            {
                var found = ContentScanner.Scan(c.Text, ContentScanner.KindOf(c.Path), c.Path, RuleSet.Default);
                var hit = found.Any(f => f.Line == c.Line || c.Line == 0);   // 0: anywhere in a multi-line sample
                if (!rows.TryGetValue(c.Family, out var row)) rows[c.Family] = row = new int[6];
                var slot = c.Kind == "realistic" ? 0 : c.Kind == "neutral" ? 2 : 4;
                row[slot + 1]++;
                if (c.Positive ? hit : found.Count > 0) row[slot]++;
                if (c.Positive && !hit && misses.Count < 40) misses.Add($"missed {c.Family} {c.Kind} {c.Path}: {c.Text.Split('\n')[1].Trim().Substring(0, Math.Min(40, c.Text.Split('\n')[1].Trim().Length))}...");
                if (!c.Positive && found.Count > 0 && misses.Count < 40) misses.Add($"false positive {c.Family} {c.Path}: {string.Join(",", found.Select(f => f.Rule))}");
            }
            var total = new int[6];
            var table = new StringBuilder("| family | realistic place | neutral name | negatives flagged |\n|---|---|---|---|\n");
            foreach (var (family, row) in rows.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                for (var i = 0; i < 6; i++) total[i] += row[i];
                table.Append(CultureInfo.InvariantCulture, $"| {family} | {Pct(row[0], row[1])} | {Pct(row[2], row[3])} | {Pct(row[4], row[5])} |\n");
            }
            table.Append(CultureInfo.InvariantCulture, $"| **all** | **{Pct(total[0], total[1])}** | **{Pct(total[2], total[3])}** | **{Pct(total[4], total[5])}** |\n");
            _output.WriteLine(table.ToString());
            foreach (var m in misses) _output.WriteLine(m);
            Console.WriteLine("[secret-corpus-families]\n" + table);
            if (Environment.GetEnvironmentVariable("PLATFORMOPS_CORPUS_REPORT") is { Length: > 0 } report) File.WriteAllText(report, table.ToString());
            Assert.True(total[0] >= 0.95 * total[1], $"realistic recall {Pct(total[0], total[1])}");
            Assert.True(total[2] >= 0.90 * total[3], $"neutral recall {Pct(total[2], total[3])}");
            Assert.True(total[4] <= 0.02 * total[5], $"negatives flagged {Pct(total[4], total[5])}");
        }

        private static string Pct(int n, int of) => of == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * n / of:0.0}% ({n}/{of})");
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace PlatformOps.Secrets
{
    /// <summary>
    /// SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps): one run, one rule per rule id that fired,
    /// one result per finding with its region and gitleaks-compatible fingerprint. The secret itself is never written.
    /// </summary>
    internal static class Sarif
    {
        private static readonly JsonSerializerOptions Indented = new JsonSerializerOptions { WriteIndented = true };
        private static readonly string[] Tags = { "security", "secret" };
        public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

        public static string Write(IReadOnlyList<SecretFinding> findings, string toolVersion)
        {
            var ruleIds = findings.Select(f => f.Rule).Distinct(StringComparer.Ordinal).OrderBy(r => r, StringComparer.Ordinal).ToList();
            var rules = ruleIds.Select(id =>
            {
                var first = findings.First(f => f.Rule == id);
                return new Dictionary<string, object?>
                {
                    ["id"] = id,
                    ["name"] = id,
                    ["shortDescription"] = new Dictionary<string, object?> { ["text"] = first.Description },
                    ["fullDescription"] = new Dictionary<string, object?> { ["text"] = first.Description },
                    ["defaultConfiguration"] = new Dictionary<string, object?> { ["level"] = Level(first.Severity) },
                    ["properties"] = new Dictionary<string, object?> { ["tags"] = Tags },
                };
            }).ToList();
            var results = findings.Select(f => new Dictionary<string, object?>
            {
                ["ruleId"] = f.Rule,
                ["ruleIndex"] = ruleIds.IndexOf(f.Rule),
                ["level"] = Level(f.Severity),
                ["message"] = new Dictionary<string, object?>
                {
                    ["text"] = $"{f.Description}{(f.Key != null ? " (" + f.Key + ")" : string.Empty)}: {f.Redacted}"
                               + (f.Verification != SecretVerification.NotVerified ? $" [{f.Verification}]" : string.Empty),
                },
                ["locations"] = new[]
                {
                    new Dictionary<string, object?>
                    {
                        ["physicalLocation"] = new Dictionary<string, object?>
                        {
                            ["artifactLocation"] = new Dictionary<string, object?> { ["uri"] = Uri(f.RelativePath), ["uriBaseId"] = "%SRCROOT%" },
                            ["region"] = new Dictionary<string, object?> { ["startLine"] = Math.Max(1, f.Line), ["startColumn"] = Math.Max(1, f.Column) },
                        },
                    },
                },
                ["partialFingerprints"] = new Dictionary<string, object?> { ["secretHash/v1"] = f.SecretHash, ["gitleaks/v1"] = f.Fingerprint },
                ["properties"] = new Dictionary<string, object?>
                {
                    ["gitStatus"] = f.GitStatus.ToString(),
                    ["commit"] = f.Commit,
                    ["verification"] = f.Verification.ToString(),
                },
            }).ToList();
            var log = new Dictionary<string, object?>
            {
                ["$schema"] = SchemaUri,
                ["version"] = "2.1.0",
                ["runs"] = new[]
                {
                    new Dictionary<string, object?>
                    {
                        ["tool"] = new Dictionary<string, object?>
                        {
                            ["driver"] = new Dictionary<string, object?>
                            {
                                ["name"] = "PlatformOps Find-PlatformSecret",
                                ["semanticVersion"] = toolVersion,
                                ["rules"] = rules,
                            },
                        },
                        ["results"] = results,
                    },
                },
            };
            return JsonSerializer.Serialize(log, Indented);
        }

        private static string Level(SecretSeverity s) => s == SecretSeverity.High ? "error" : s == SecretSeverity.Medium ? "warning" : "note";

        /// <summary>A relative URI: '/' separators, each segment escaped.</summary>
        private static string Uri(string relative) => string.Join("/", relative.Split('/').Select(System.Uri.EscapeDataString));
    }
}

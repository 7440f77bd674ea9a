using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>
    /// An accepted set of findings (pre-commit and CI report only what is new): each entry is the file, the rule and a
    /// SHA-256 of the rule and the secret, so a finding that moves to another line stays known and the file holds no secret.
    /// </summary>
    internal sealed class Baseline
    {
        public const int FormatVersion = 1;
        private static readonly JsonSerializerOptions Indented = new JsonSerializerOptions { WriteIndented = true };

        private readonly HashSet<string> _keys = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _fingerprints = new HashSet<string>(StringComparer.Ordinal);

        public string Path { get; private set; } = string.Empty;
        public int Count { get; private set; }

        /// <summary>SHA-256 (hex) of the rule id and the secret.</summary>
        public static string Hash(string rule, string secret)
        {
            using var sha = SHA256.Create();
            var bytes = sha.ComputeHash(Encoding.UTF8.GetBytes(rule + "\0" + secret));
            return string.Concat(bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        }

        private static string KeyOf(string path, string rule, string hash) => path + "\0" + rule + "\0" + hash;

        /// <summary>Whether the baseline already holds this finding (same file, rule and secret; or, without a hash, the same fingerprint).</summary>
        public bool Contains(SecretFinding f)
            => _keys.Contains(KeyOf(f.RelativePath, f.Rule, f.SecretHash)) || _fingerprints.Contains(f.Fingerprint);

        public static Baseline Load(string path)
        {
            var full = System.IO.Path.GetFullPath(path);
            if (!File.Exists(full))
                throw new PlatformOpsException("PlatformSecretBaselineNotFound", ErrorCategory.ObjectNotFound, path,
                    $"The baseline '{full}' does not exist. Write one with -UpdateBaseline (it records what is accepted today).");
            var baseline = new Baseline { Path = full };
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(full));
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("findings", out var findings) || findings.ValueKind != JsonValueKind.Array)
                    throw new JsonException("there is no \"findings\" array");
                foreach (var e in findings.EnumerateArray())
                {
                    var file = e.TryGetProperty("path", out var p) ? p.GetString() : null;
                    var rule = e.TryGetProperty("rule", out var r) ? r.GetString() : null;
                    var hash = e.TryGetProperty("hash", out var h) ? h.GetString() : null;
                    if (file != null && rule != null && hash != null) baseline._keys.Add(KeyOf(file, rule, hash));
                    if (e.TryGetProperty("fingerprint", out var fp) && fp.GetString() is string fingerprint) baseline._fingerprints.Add(fingerprint);
                    baseline.Count++;
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException)
            {
                throw new PlatformOpsException("PlatformSecretBaselineInvalid", ErrorCategory.InvalidData, path,
                    $"The baseline '{full}' is not a PlatformOps secret baseline ({ex.Message}). Write a new one with -UpdateBaseline.", ex);
            }
            return baseline;
        }

        /// <summary>Writes the findings as the new baseline (atomically: a reader sees the old file or the new one).</summary>
        public static void Write(string path, IEnumerable<SecretFinding> findings)
        {
            var entries = findings
                .OrderBy(f => f.RelativePath, StringComparer.Ordinal).ThenBy(f => f.Line).ThenBy(f => f.Rule, StringComparer.Ordinal)
                .Select(f => new Dictionary<string, object?>
                {
                    ["fingerprint"] = f.Fingerprint,
                    ["path"] = f.RelativePath,
                    ["rule"] = f.Rule,
                    ["line"] = f.Line,
                    ["hash"] = f.SecretHash,
                    ["redacted"] = f.Redacted,
                }).ToList();
            var document = new Dictionary<string, object?>
            {
                ["tool"] = "PlatformOps Find-PlatformSecret",
                ["version"] = FormatVersion,
                ["generated"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                ["findings"] = entries,
            };
            var full = System.IO.Path.GetFullPath(path);
            var folder = System.IO.Path.GetDirectoryName(full);
            if (folder != null && !Directory.Exists(folder))
                throw new PlatformOpsException("PlatformSecretBaselineNotWritable", ErrorCategory.WriteError, path, $"The folder '{folder}' does not exist; create it first.");
            AtomicFile.WriteAllText(full, JsonSerializer.Serialize(document, Indented) + "\n");
        }
    }
}

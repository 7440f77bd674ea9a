using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using PlatformOps.Secrets.Rules;

namespace PlatformOps.Secrets
{
    /// <summary>
    /// The checks every pattern match passes before it is reported: placeholders and references, the rule's entropy,
    /// test patterns (abcdef, 123456), stopwords, the rule's and the configuration's allow-lists, publicly known values.
    /// </summary>
    internal static class Judge
    {
        /// <summary>SHA-256 of values that are public by design (Azurite's and the Cosmos DB emulator's development keys).</summary>
        private static readonly HashSet<string> PublicValues = new HashSet<string>(StringComparer.Ordinal)
        {
            "0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059",
            "764ed09adcd5f33a5f0c77bbb32edd1d605188b027bb16c38e1e8391797059b3",
        };

        public static bool Accepts(SecretRule rule, string secret, string match, string line, GlobalAllowlist allow)
        {
            if (!rule.RawValue)
            {
                var bare = secret.TrimEnd(',', ';', '.', ')', ']', '}', '`', '"', '\'');
                if (SecretText.IsPlaceholder(bare) || SecretText.IsReference(bare) || SecretText.IsMasked(secret) || SecretText.IsRegexFragment(secret)) return false;
                if (!rule.FromConfig && SecretText.HasTestPattern(secret)) return false;
            }
            if (rule.Entropy > 0 && SecretText.Entropy(secret) < rule.Entropy) return false;
            if (rule.AllowSecrets.Any(r => r.IsMatch(secret))) return false;
            if (rule.AllowMatches.Any(r => r.IsMatch(match))) return false;
            if (rule.AllowLines.Any(r => r.IsMatch(line))) return false;
            var lower = secret.ToLowerInvariant();
            if (rule.Stopwords.Any(w => lower.IndexOf(w, StringComparison.Ordinal) >= 0)) return false;
            if (allow.Secrets.Any(r => r.IsMatch(secret))) return false;
            if (allow.Stopwords.Any(w => lower.IndexOf(w, StringComparison.Ordinal) >= 0)) return false;
            if (secret.Length >= 16 && IsPublic(secret)) return false;
            if (line.IndexOf("devstoreaccount1", StringComparison.OrdinalIgnoreCase) >= 0) return false;   // Azurite's well-known account
            return rule.Accept == null || rule.Accept(secret);
        }

        public static bool IsPublic(string secret)
        {
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(secret));
            return PublicValues.Contains(string.Concat(hash.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))));
        }
    }
}

using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace PlatformOps.Secrets.Rules
{
    /// <summary>user:password@host in a URL (postgres://, redis://, https://, amqp:// ...).</summary>
    internal static class UrlCredentials
    {
        private static readonly Regex Pattern = new Regex(
            @"\G(?<scheme>[A-Za-z][A-Za-z0-9+.\-]{0,30})://(?<user>[^\s:/@'""<>`]{0,128}):(?<secret>[^\s@/'""<>`]{1,256})@(?<host>[A-Za-z0-9.\-_\[\]]+)",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        public static void TryAt(string text, int index, List<RawFinding> found)
        {
            var start = index;
            while (start > 0 && index - start < 32 && (char.IsLetterOrDigit(text[start - 1]) || text[start - 1] == '+' || text[start - 1] == '.' || text[start - 1] == '-')) start--;
            if (start == index || !char.IsLetter(text[start])) return;
            var match = Pattern.Match(text, start);
            if (!match.Success) return;
            var secret = match.Groups["secret"].Value;
            if (SecretText.IsPlaceholder(secret) || SecretText.IsReference(secret) || SecretText.IsMasked(secret) || SecretText.IsRegexFragment(match.Value)
                || (secret.StartsWith("%", StringComparison.Ordinal) && secret.EndsWith("%", StringComparison.Ordinal))) return;
            if (secret.Length < 3 || !secret.Exists(char.IsLetterOrDigit)) return;
            var user = match.Groups["user"].Value;
            if (SecretText.IsPlaceholder(user) && SecretText.IsPlaceholder(secret)) return;
            found.Add(new RawFinding
            {
                Start = match.Groups["secret"].Index,
                Length = secret.Length,
                Rule = "url-credentials",
                Description = "Password in a URL (user:password@host)",
                Severity = SecretSeverity.High,
                Key = match.Groups["scheme"].Value + "://" + user + "@" + match.Groups["host"].Value,
                Redacted = SecretText.Redact(secret, 0),
                Secret = secret,
                Priority = 3,
            });
        }

        private static bool Exists(this string s, Func<char, bool> p)
        {
            foreach (var c in s) if (p(c)) return true;
            return false;
        }
    }
}

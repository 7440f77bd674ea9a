using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using static PlatformOps.Secrets.Rules.R;

// Rule tables are built once per process (RuleSet.Default is lazy): their keyword arrays are data, not hot-path arguments.
#pragma warning disable CA1861

namespace PlatformOps.Secrets.Rules
{
    /// <summary>Key material: PEM and PGP private keys (also JSON-escaped, as in a GCP service-account file), PuTTY keys, JWTs.</summary>
    internal static class KeyRules
    {
        private const string F = "private-key";

        public static IEnumerable<SecretRule> All()
        {
            // The body runs to the END line; in a JSON string (a GCP service-account file) the line breaks are "\n" escapes.
            yield return new SecretRule("private-key", "Private key (PEM)", F,
                @"-----BEGIN[ A-Z0-9_\-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?<secret>(?:[^\-]|-(?!----END)){40,}?)-----END[ A-Z0-9_\-]{0,100}PRIVATE KEY(?: BLOCK)?-----",
                new[] { "-----BEGIN" })
            {
                RawValue = true,
                LinesAfter = 150,
                Accept = LooksLikeKeyBody,
                Sample = r => "-----BEGIN RSA PRIVATE KEY-----\n" + string.Join("\n", Enumerable.Range(0, 8).Select(_ => Rand(r, 64, Base64))) + "\n-----END RSA PRIVATE KEY-----",
            };
            // A header with no END line in reach (a truncated paste): the first body line is enough.
            yield return new SecretRule("private-key-unterminated", "Private key (PEM)", F,
                @"-----BEGIN[ A-Z0-9_\-]{0,100}PRIVATE KEY(?: BLOCK)?-----[ \t]*(?:\r?\n|\\r?\\n)(?:[A-Za-z\-]+:[^\n]*\n|\s*\r?\n)*[ \t]*(?<secret>[A-Za-z0-9+/=]{60,})",
                new[] { "-----BEGIN" })
            { RawValue = true, LinesAfter = 8, Priority = 2, Accept = LooksLikeKeyBody };
            yield return new SecretRule("putty-private-key", "PuTTY private key", F,
                @"PuTTY-User-Key-File-[23]:[\s\S]{0,3000}?Private-Lines:[ \t]*\d+[ \t]*\r?\n(?<secret>[A-Za-z0-9+/=]{40,})", new[] { "PuTTY-User-Key-File-" })
            {
                RawValue = true,
                LinesAfter = 40,
                Accept = LooksLikeKeyBody,
                Sample = r => "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ops\nPublic-Lines: 2\n" + Rand(r, 64, Base64) + "\n" + Rand(r, 16, Base64) + "\nPrivate-Lines: 1\n" + Rand(r, 64, Base64) + "\nPrivate-MAC: " + Rand(r, 64, Hex),
            };
            yield return Token("jwt", "JSON Web Token", F, @"eyJ[A-Za-z0-9_\-]{15,}\.eyJ[A-Za-z0-9_\-]{10,}\.(?:[A-Za-z0-9_\-]{10,}={0,2})?", new[] { "eyJ" }, 3.0, 3, SampleJwt);
            yield return Token("jenkins-credential", "Jenkins encrypted credential (decryptable with the controller's key)", F, @"\{AQAAABAAAAA[A-Za-z0-9+/]{20,}={0,2}\}", new[] { "{AQAAABAAAAA" }, 3.5, 0,
                r => "{AQAAABAAAAAQ" + Rand(r, 43, Base64) + "=}");
        }

        /// <summary>A real key body: at least 40 base64 characters, varied (not "...", "&lt;your key&gt;" or a run of A).</summary>
        internal static bool LooksLikeKeyBody(string body)
        {
            var sb = new StringBuilder(body.Length);
            var lines = body.Replace("\\r", "\n").Replace("\\n", "\n").Split('\n');
            int other = 0, longestRun = 0;
            foreach (var raw in lines)
            {
                var line = raw.Trim().Trim('"', ',', '\'', ' ');
                if (line.Length == 0 || line.IndexOf(':') > 0) continue;   // Proc-Type: / DEK-Info: headers
                var run = 0;
                foreach (var c in line)
                {
                    if (char.IsLetterOrDigit(c) || c == '+' || c == '/' || c == '=')
                    {
                        sb.Append(c);
                        longestRun = Math.Max(longestRun, ++run);
                    }
                    else
                    {
                        other++;
                        run = 0;
                    }
                }
            }
            // Code that builds a PEM (a test helper) has punctuation all through it; a key body is base64 runs.
            if (longestRun < 40 || other * 10 > sb.Length) return false;
            var b64 = sb.ToString();
            if (b64.Length < 40) return false;
            if (SecretText.IsPlaceholder(b64.Substring(0, Math.Min(b64.Length, 64)))) return false;
            return SecretText.Entropy(b64) >= 4.0;
        }

        private static string SampleJwt(Random r)
        {
            string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            return B64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + B64("{\"sub\":\"" + Rand(r, 12) + "\",\"iat\":" + r.Next(1600000000, 1800000000) + "}") + "." + Rand(r, 43, UrlSafe);
        }
    }
}

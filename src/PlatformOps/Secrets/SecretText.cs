using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace PlatformOps.Secrets
{
    /// <summary>What a variable's name says about its value.</summary>
    internal enum SecretNameKind
    {
        None,
        /// <summary>password, passwd, pwd, passphrase.</summary>
        Password,
        /// <summary>secret, token, api key, private key, credential, ..._KEY.</summary>
        Secret,
    }

    /// <summary>
    /// The judgement calls of secret scanning, in one place: does a name sound secret, is a value a placeholder or a reference,
    /// is it random enough to be real, and how to show it redacted.
    /// </summary>
    internal static class SecretText
    {
        private static readonly HashSet<string> PasswordTokens = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "password", "passwd", "pass", "pwd", "passphrase", "pw", "passwort", "passwords", "dbpass", "dbpassword", "requirepass", "masterauth" };

        private static readonly HashSet<string> SecretTokens = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "secret", "secrets", "token", "tokens", "apikey", "apikeys", "credential", "credentials", "privatekey", "secretkey", "accesskey",
            "authkey", "clientsecret", "apitoken", "authtoken", "accesstoken", "refreshtoken", "bearertoken", "webhooksecret", "signingkey",
            "encryptionkey", "masterkey", "sessionkey", "licensekey", "appkey", "appsecret", "consumersecret", "sharedsecret",
        };

        /// <summary>Words before "key" that make it a secret key (api key, signing key) ...</summary>
        private static readonly HashSet<string> SecretKeyQualifiers = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "api", "access", "private", "secret", "signing", "encryption", "master", "session", "auth", "app", "license", "client", "service", "account", "storage", "admin", "webhook", "hmac", "jwt", "django", "rails", "cookie", "crypt", "cipher" };

        /// <summary>... and words that make a "key" something else (primary key, cache key, public key).</summary>
        private static readonly HashSet<string> NonSecretKeyQualifiers = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "primary", "foreign", "sort", "partition", "cache", "public", "unique", "composite", "hash", "idempotency", "lookup", "map", "dict", "group", "row", "index", "range", "shard", "routing", "dedup", "dedupe", "object", "s3", "bucket", "redis", "kv", "i18n", "translation", "message", "ssh", "host", "gpg", "pgp", "ca", "cert", "certificate", "tls", "ssl" };

        /// <summary>Name parts that say the value describes a secret rather than being one.</summary>
        private static readonly HashSet<string> DescriptiveTokens = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "file", "files", "path", "dir", "directory", "url", "uri", "endpoint", "host", "hostname", "port", "user", "username", "name", "id", "ids",
            "type", "length", "len", "size", "min", "max", "count", "ttl", "timeout", "expiry", "expires", "expiration", "lifetime", "age",
            "header", "field", "param", "parameter", "prefix", "suffix", "format", "policy", "rotation", "enabled", "enable", "disable", "disabled",
            "required", "algorithm", "alg", "mode", "method", "version", "env", "var", "ref", "hash", "hashed", "digest", "location", "store",
            "provider", "issuer", "audience", "scope", "scopes", "kind", "label", "description", "hint", "regex", "pattern", "strength", "reset",
            "validation", "validator", "rule", "rules", "complexity", "manager", "command", "cmd", "script", "source", "backend", "secretref",
            "mount", "volume", "key_id", "keyid", "arn", "version", "placeholder", "example", "template", "prompt", "label", "helper", "storage_class",
            "count", "alphabet", "charset", "chars", "characters", "encryption", "hashing", "hasher", "auth", "authentication", "strategy", "grant", "flow", "response", "request",
        };

        /// <summary>Splits FOO_BAR, foo-bar, foo.bar and fooBar into lower-case words.</summary>
        public static List<string> Words(string name)
        {
            var words = new List<string>();
            var sb = new StringBuilder();
            for (var i = 0; i < name.Length; i++)
            {
                var c = name[i];
                if (!char.IsLetterOrDigit(c))
                {
                    Flush();
                    continue;
                }
                if (char.IsUpper(c) && sb.Length > 0 && i > 0 && char.IsLower(name[i - 1])) Flush();
                sb.Append(char.ToLowerInvariant(c));
            }
            Flush();
            return words;

            void Flush()
            {
                if (sb.Length > 0) words.Add(sb.ToString());
                sb.Clear();
            }
        }

        /// <summary>
        /// Password or Secret when a word of the name says so, unless a describing word comes after it
        /// (PASSWORD_FILE, TOKEN_TTL, SECRET_NAME, password_encryption describe a secret; USER_PASSWORD is one).
        /// </summary>
        public static SecretNameKind ClassifyName(string name)
        {
            var words = Words(name);
            var kind = SecretNameKind.None;
            var last = -1;
            for (var i = 0; i < words.Count; i++)
            {
                var w = words[i];
                if (PasswordTokens.Contains(w) || w.EndsWith("password", StringComparison.Ordinal) || w.EndsWith("passwd", StringComparison.Ordinal)
                    || (w.StartsWith("password", StringComparison.Ordinal) && w.Length <= 10))
                {
                    kind = SecretNameKind.Password;
                    last = i;
                }
                else if (SecretTokens.Contains(w) || w.IndexOf("secret", StringComparison.Ordinal) >= 0
                         || w.EndsWith("token", StringComparison.Ordinal) || w.EndsWith("tokens", StringComparison.Ordinal)
                         || w.EndsWith("apikey", StringComparison.Ordinal) || w.EndsWith("accesskey", StringComparison.Ordinal)
                         || w.EndsWith("privatekey", StringComparison.Ordinal))
                {
                    if (kind == SecretNameKind.None) kind = SecretNameKind.Secret;
                    last = i;
                }
                else if ((w == "key" || w == "keys") && i > 0 && !NonSecretKeyQualifiers.Contains(words[i - 1])
                         && (SecretKeyQualifiers.Contains(words[i - 1]) || (i == words.Count - 1 && words.Count <= 3)))
                {
                    // api key, signing key; STRIPE_KEY (a product name then KEY, as the last word).
                    if (kind == SecretNameKind.None) kind = SecretNameKind.Secret;
                    last = i;
                }
            }
            if (kind == SecretNameKind.None) return kind;
            for (var i = last + 1; i < words.Count; i++)
                if (DescriptiveTokens.Contains(words[i])) return SecretNameKind.None;
            return kind;
        }

        private static readonly HashSet<string> PlaceholderWords = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "changeme", "change-me", "change_me", "changeit", "change-it", "change_it", "password", "passwd", "secret", "token", "apikey", "api_key",
            "api-key", "yourpassword", "mypassword", "example", "sample", "dummy", "fake", "test", "testing", "placeholder", "replaceme", "replace-me",
            "replace_me", "todo", "tbd", "fixme", "none", "null", "nil", "undefined", "true", "false", "yes", "no", "redacted", "hidden", "masked",
            "notasecret", "not-a-secret", "insecure", "default", "empty", "secretvalue", "secret-value", "value", "string", "str", "required",
            "optional", "pw", "pass", "pwd", "your-secret", "your_secret", "your-token", "your_token", "your-api-key", "your_api_key", "set-me", "setme", "set_me", "foobared", "hunter2", "letmein", "s3cr3t", "secret123", "password1", "admin", "root", "postgres", "guest",
        };

        private static readonly string[] PlaceholderFragments =
        {
            "changeme", "change-me", "change_me", "change_this", "change-this", "changethis", "replace_with", "replace-with", "replaceme",
            "replace_me", "replace-me", "your_", "your-", "yourpass", "yoursecret", "yourtoken", "example", "placeholder", "dummy", "xxxx", "****",
            "fake", "sample", "redacted", "insert_", "insert-", "put_your", "put-your", "enter_your", "enter-your", "notreal", "not_real", "not-real",
            "secret_here", "secret-here", "token_here", "token-here", "key_here", "key-here", "password_here", "password-here", "....",
            "wrong", "invalid", "incorrect", "bogus",
        };

        /// <summary>Empty, a known placeholder word, a &lt;marker&gt;, or one repeated character.</summary>
        public static bool IsPlaceholder(string value)
        {
            var v = value.Trim();
            if (v.Length == 0) return true;
            if (v.Length >= 2 && ((v[0] == '<' && v[v.Length - 1] == '>') || (v[0] == '[' && v[v.Length - 1] == ']')
                                  || (v.StartsWith("__", StringComparison.Ordinal) && v.EndsWith("__", StringComparison.Ordinal) && v.Length > 4)))
                return true;
            if (PlaceholderWords.Contains(v)) return true;
            if (v.All(c => c == v[0])) return true;
            // s3cret, p4ssw0rd, password123: a placeholder word in leetspeak or with a number appended.
            var plain = Unleet(v).TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '!');
            if (plain.Length > 0 && PlaceholderWords.Contains(plain)) return true;
            var lower = v.ToLowerInvariant();
            foreach (var f in PlaceholderFragments)
                if (lower.IndexOf(f, StringComparison.Ordinal) >= 0) return true;
            return false;
        }

        private static string Unleet(string v)
        {
            var chars = v.ToLowerInvariant().ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = chars[i] switch
                {
                    '0' when i < chars.Length - 1 && !char.IsDigit(chars[i + 1]) => 'o',
                    '1' when i < chars.Length - 1 && !char.IsDigit(chars[i + 1]) => 'i',
                    '3' when i < chars.Length - 1 && !char.IsDigit(chars[i + 1]) => 'e',
                    '4' when i < chars.Length - 1 && !char.IsDigit(chars[i + 1]) => 'a',
                    '5' when i < chars.Length - 1 && !char.IsDigit(chars[i + 1]) => 's',
                    '@' => 'a',
                    '$' => 's',
                    _ => chars[i],
                };
            }
            return new string(chars);
        }

        /// <summary>
        /// A reference to a value kept elsewhere, as the whole value: ${VAR}, $VAR, %VAR%, {{ template }}, $(command),
        /// var.db_password (HCL), os.environ[...], a secrets path or a vault URI. A literal with a template inside it
        /// (abc${X}def) is not one: <see cref="LiteralPart"/> judges what is written out.
        /// </summary>
        public static bool IsReference(string value)
        {
            var v = value.Trim();
            if (v.Length == 0) return false;
            if (v[0] == '$' || (v[0] == '%' && v.EndsWith("%", StringComparison.Ordinal) && v.Length > 2)) return true;
            if (LiteralPart(v, interpolation: false).Length == 0) return true;
            if (WholeTemplate(v)) return true;
            if ((v[0] == '/' || v.StartsWith("./", StringComparison.Ordinal) || v.StartsWith("../", StringComparison.Ordinal) || v.StartsWith("~/", StringComparison.Ordinal)
                 || (v.Length > 2 && char.IsLetter(v[0]) && v[1] == ':' && (v[2] == '\\' || v[2] == '/'))) && IsPath(v)) return true;
            if (ExpressionReference.IsMatch(v)) return true;
            var lower = v.ToLowerInvariant();
            string[] prefixes = { "vault:", "secret:", "secrets:", "file:", "env:", "ref:", "ssm:", "arn:aws:", "@microsoft.keyvault", "enc[", "!vault", "op://", "gcp:", "azure:", "sops:", "secretref:", "keyvault:", "secretsmanager:", "awskms:", "projects/" };
            return prefixes.Any(p => lower.StartsWith(p, StringComparison.Ordinal));
        }

        /// <summary>var.x, local.x, module.a.b, data.x.y (HCL); os.environ["X"], process.env.X, settings.X, secrets.X.</summary>
        private static readonly System.Text.RegularExpressions.Regex ExpressionReference = new System.Text.RegularExpressions.Regex(
            @"^(?:var|local|locals|module|data|each|self|process\.env|os\.environ|os\.getenv|env|secrets|vars|settings|config|params|context|inputs|steps|needs|ENV|Environment\.GetEnvironmentVariable|System\.getenv|getenv)(?:\.[A-Za-z_][\w\-]*|\[[^\]]+\]|\([^)]*\))+$",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        private static bool WholeTemplate(string v)
            => (v.StartsWith("${", StringComparison.Ordinal) && v.EndsWith("}", StringComparison.Ordinal) && v.IndexOf('}') == v.Length - 1)
               || (v.StartsWith("{{", StringComparison.Ordinal) && v.EndsWith("}}", StringComparison.Ordinal))
               || (v.StartsWith("$(", StringComparison.Ordinal) && v.EndsWith(")", StringComparison.Ordinal))
               || (v.StartsWith("#{", StringComparison.Ordinal) && v.EndsWith("}", StringComparison.Ordinal))
               || (v.StartsWith("{%", StringComparison.Ordinal) && v.EndsWith("%}", StringComparison.Ordinal))
               || (v.StartsWith("<%", StringComparison.Ordinal) && v.EndsWith("%>", StringComparison.Ordinal))
               || (v.StartsWith("@", StringComparison.Ordinal) && v.EndsWith("@", StringComparison.Ordinal) && v.Length > 2)
               || (v.StartsWith("{", StringComparison.Ordinal) && v.EndsWith("}", StringComparison.Ordinal) && v.Skip(1).Take(v.Length - 2).All(c => char.IsLetterOrDigit(c) || c == '_' || c == '.'));

        private static readonly System.Text.RegularExpressions.Regex Templates = new System.Text.RegularExpressions.Regex(
            @"\$\{[^}]*\}|\{\{.*?\}\}|\$\([^)]*\)|#\{[^}]*\}|\{%.*?%\}|<%.*?%>", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        private static readonly System.Text.RegularExpressions.Regex Interpolations = new System.Text.RegularExpressions.Regex(
            @"\$[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_.]*(?:\[[^\]]*\])?(?:![rsa])?(?::[^}]*)?\}|%\([A-Za-z_]+\)[sd]|%[sd]", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>The value with its templates (and, in code and shell, its interpolations) taken out.</summary>
        public static string LiteralPart(string value, bool interpolation)
        {
            var v = value.IndexOf('$') >= 0 || value.IndexOf('{') >= 0 || value.IndexOf('<') >= 0 || value.IndexOf('#') >= 0 ? Templates.Replace(value, string.Empty) : value;
            if (interpolation && (v.IndexOf('$') >= 0 || v.IndexOf('{') >= 0 || v.IndexOf('%') >= 0)) v = Interpolations.Replace(v, string.Empty);
            return v;
        }

        /// <summary>A masked value: ****, ####, xxxx, ••••, or mostly mask characters.</summary>
        public static bool IsMasked(string value)
        {
            var mask = value.Count(c => c == '*' || c == '#' || c == '\u2022' || c == '\u25CF');
            if (mask >= 4 && mask * 3 >= value.Length) return true;
            return value.IndexOf("****", StringComparison.Ordinal) >= 0 || value.IndexOf("####", StringComparison.Ordinal) >= 0
                   || value.IndexOf("xxxx", StringComparison.OrdinalIgnoreCase) >= 0 || value.IndexOf("....", StringComparison.Ordinal) >= 0;
        }

        private static readonly System.Text.RegularExpressions.Regex RegexFragment = new System.Text.RegularExpressions.Regex(
            @"\[[^\]]{0,20}-[^\]]{0,20}\](?:\{\d+(?:,\d*)?\}|[+*?])|\\[dwsS][+*{]|\(\?[:<!=]", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>A piece of a regular expression ([a-f0-9]{32}, \d+, (?:...)): a scanner's own rule, not a secret.</summary>
        public static bool IsRegexFragment(string v) => (v.IndexOf('[') >= 0 || v.IndexOf('\\') >= 0 || v.IndexOf("(?", StringComparison.Ordinal) >= 0) && RegexFragment.IsMatch(v);

        /// <summary>Test patterns inside a token: an alphabet or digit run (abcdef, 123456, 654321) or one character six times.</summary>
        public static bool HasTestPattern(string v)
        {
            int up = 1, down = 1, same = 1;
            for (var i = 1; i < v.Length; i++)
            {
                up = v[i] == v[i - 1] + 1 && char.IsLetterOrDigit(v[i]) ? up + 1 : 1;
                down = v[i] == v[i - 1] - 1 && char.IsLetterOrDigit(v[i]) ? down + 1 : 1;
                same = v[i] == v[i - 1] && v[i] != 'A' && v[i] != '0' ? same + 1 : 1;
                if (up >= 6 || down >= 6 || same >= 6) return true;
            }
            return false;
        }

        /// <summary>A file path (/run/secrets/db, ./secrets/pg.txt), not a base64 value that happens to start with '/'.</summary>
        private static bool IsPath(string v)
        {
            if (v.Any(c => !(char.IsLetterOrDigit(c) || c == '/' || c == '\\' || c == '.' || c == '_' || c == '-' || c == '~' || c == ':'))) return false;
            return v.Split('/', '\\').All(segment => segment.Length <= 64 && (!segment.Any(char.IsUpper) || !LooksRandom(segment, 12)));
        }

        /// <summary>Shannon entropy in bits per character.</summary>
        public static double Entropy(string value)
        {
            if (value.Length == 0) return 0;
            var counts = new Dictionary<char, int>();
            foreach (var c in value) counts[c] = counts.TryGetValue(c, out var n) ? n + 1 : 1;
            double entropy = 0;
            foreach (var n in counts.Values)
            {
                var p = (double)n / value.Length;
                entropy -= p * Math.Log(p, 2);
            }
            return entropy;
        }

        public static bool IsUuid(string v)
            => v.Length == 36 && v[8] == '-' && v[13] == '-' && v[18] == '-' && v[23] == '-'
               && v.Where((c, i) => i != 8 && i != 13 && i != 18 && i != 23).All(IsHex);

        private static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

        /// <summary>Random enough to be a real key or token: long, varied, and not a word with a number.</summary>
        public static bool LooksRandom(string v, int minimumLength = 12)
        {
            if (v.Length < minimumLength || IsUuid(v)) return false;
            if (v.Any(char.IsWhiteSpace)) return false;
            var hasDigit = v.Any(char.IsDigit);
            var hasLower = v.Any(char.IsLower);
            var hasUpper = v.Any(char.IsUpper);
            var hasSymbol = v.Any(c => !char.IsLetterOrDigit(c));
            var classes = (hasDigit ? 1 : 0) + (hasLower ? 1 : 0) + (hasUpper ? 1 : 0) + (hasSymbol ? 1 : 0);
            if (classes < 2 && !(v.Length >= 24 && v.All(IsHex))) return false;
            if (!hasDigit)
            {
                // Words joined up (Find-PlatformSecret, PSCredential, my_app_name) are identifiers: their case seldom
                // changes and a quarter or more of their letters are vowels. Random letters change case every other
                // letter, and a fifth of them are vowels.
                int letters = 0, vowels = 0, caseChanges = 0;
                char previous = '\0';
                foreach (var ch in v)
                {
                    if (!char.IsLetter(ch)) continue;
                    letters++;
                    if ("aeiouAEIOU".IndexOf(ch) >= 0) vowels++;
                    if (previous != '\0' && char.IsUpper(ch) != char.IsUpper(previous)) caseChanges++;
                    previous = ch;
                }
                if (letters > 0 && caseChanges < 0.35 * letters && vowels >= 0.25 * letters) return false;
            }
            if (!hasDigit && !hasSymbol)
            {
                // Letters only: an identifier (PSCredential, myAppName) unless long and with case changing often.
                var changes = 0;
                for (var i = 1; i < v.Length; i++) if (char.IsUpper(v[i]) != char.IsUpper(v[i - 1])) changes++;
                if (v.Length < 20 || changes < v.Length / 4) return false;
            }
            // ABCDEFG..., 0123456789: an alphabet or a test pattern, not a random value.
            var run = 1;
            for (var i = 1; i < v.Length; i++)
            {
                run = v[i] == v[i - 1] + 1 ? run + 1 : 1;
                if (run >= 6) return false;
            }
            var entropy = Entropy(v);
            return v.Length >= 20 ? entropy >= 3.0 : entropy >= 2.9;
        }

        /// <summary>A real-looking password: at least 6 characters, no spaces, not masked, some letters or digits, 4 different characters.</summary>
        public static bool LooksLikePassword(string v)
            => v.Length >= 6 && v.Length <= 256 && !v.Any(char.IsWhiteSpace) && !(v.All(char.IsDigit) && v.Length < 12)
               && v.Any(char.IsLetterOrDigit) && v.Distinct().Count() >= 4 && !IsMasked(v) && !IsReference(v);

        /// <summary>
        /// Shows a secret without giving it away: a known, non-secret prefix (ghp_, AKIA, the PEM header) and the length.
        /// </summary>
        public static string Redact(string secret, int visiblePrefix)
        {
            var prefix = visiblePrefix > 0 && secret.Length > visiblePrefix * 2 ? secret.Substring(0, visiblePrefix) : string.Empty;
            return prefix + "********" + " (" + secret.Length + " chars)";
        }
    }
}

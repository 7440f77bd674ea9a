using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using static PlatformOps.Secrets.Rules.R;

// Rule tables are built once per process (RuleSet.Default is lazy): their keyword arrays are data, not hot-path arguments.
#pragma warning disable CA1861

namespace PlatformOps.Secrets.Rules
{
    /// <summary>
    /// Credentials recognised by where they stand rather than by their shape: HTTP headers, curl, redis.conf, NuGet.config,
    /// .netrc, .pgpass, Docker's config.json, database command lines, PowerShell's ConvertTo-SecureString.
    /// </summary>
    internal static class ConfigRules
    {
        private const string F = "config";
        private const string Http = "http-auth";

        public static IEnumerable<SecretRule> All()
        {
            yield return new SecretRule("basic-auth", "HTTP Basic credentials", Http,
                @"(?i)\bBasic[ \t]+(?<secret>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])", new[] { "Basic " })
            { Accept = IsBasicCredential, Priority = 3, SampleIsLine = true, Sample = r => "curl -H \"Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("deploy:" + Rand(r, 16))) + "\" https://api.example.net/v1" };
            yield return new SecretRule("bearer-token", "Bearer token", Http,
                @"(?i)\bBearer[ \t]+(?<secret>[A-Za-z0-9\-._~+/]{12,}=*)", new[] { "Bearer " })
            { Severity = SecretSeverity.Medium, Entropy = 3.0, Priority = 2, Accept = v => LooksLikeToken(v), SampleIsLine = true, Sample = r => "Authorization: Bearer " + Rand(r, 40, UrlSafe) };
            yield return new SecretRule("auth-header", "API key or token in an HTTP header", Http,
                @"(?i)(?<name>\b(?:X-[A-Za-z\-]{0,20}(?:Api-?Key|Token|Auth|Secret)[A-Za-z\-]{0,10}|Api-?Key|Private-Token|Authorization))[""']?[ \t]*[:=][ \t]*[""']?(?:(?:Token|ApiKey|Key|SSWS|GenieKey|Klaviyo-API-Key|apikey)[ \t=]+)?(?<secret>[\w~@.+/=\-]{12,})",
                new[] { "api-key", "apikey:", "-token", "-auth", "private-token", "authorization" })
            { Severity = SecretSeverity.Medium, Entropy = 3.0, Priority = 2, Accept = v => LooksLikeToken(v) && !v.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) && !v.StartsWith("Basic", StringComparison.OrdinalIgnoreCase), SampleIsLine = true, Sample = r => "X-Api-Key: " + Rand(r, 40) };
            // curl -u user:password, --user 'user:password', possibly on a continuation line.
            yield return new SecretRule("curl-auth-user", "Password on a curl command line (-u user:password)", Http,
                @"\bcurl\b(?:[^\n]|\\\r?\n)*?[ \t](?:-u|--user)(?:=|[ \t]{0,5})(?<q>[""']?)(?<user>[^:\s""']{0,128}):(?<secret>[^\s""']{3,256})\k<q>(?=\s|$)",
                new[] { "curl" })
            { LinesAfter = 5, Accept = v => SecretText.LooksLikePassword(v) || v.Length >= 3 && SecretText.Entropy(v) >= 2.0 && v.Any(char.IsLetterOrDigit), SampleIsLine = true, Sample = r => "curl -fsS -u deploy:" + Rand(r, 16) + " https://ci.example.net/api/json" };
            yield return new SecretRule("redis-requirepass", "Redis password (requirepass / masterauth)", F,
                @"(?im)(?:^[ \t]*|--|\bredis-server\b[^\n]*?[ \t])(?<name>requirepass|masterauth)[ \t]+(?<q>[""']?)(?<secret>[^\s""'#]{1,256})\k<q>", new[] { "requirepass", "masterauth" })
            { Accept = SecretText.LooksLikePassword, SampleIsLine = true, Sample = r => "requirepass " + Rand(r, 24) };
            yield return new SecretRule("nuget-config-password", "Password in a NuGet.config", F,
                @"(?i)<add\s+key\s*=\s*""(?<name>(?:ClearText)?Password)""\s+value\s*=\s*""(?<secret>[^""]{4,})""", new[] { "password\"" })
            { Entropy = 1.0, Accept = v => !SecretText.IsReference(v), SampleIsLine = true, Sample = r => "<add key=\"ClearTextPassword\" value=\"" + Rand(r, 16) + "\" />" };
            yield return new SecretRule("netrc-password", "Password in a .netrc", F,
                @"(?i)\bmachine[ \t]+\S+\s+(?:login[ \t]+\S+\s+)?password[ \t]+(?<secret>\S+)", new[] { "machine" })
            { LinesAfter = 2, Accept = SecretText.LooksLikePassword, SampleIsLine = true, Sample = r => "machine api.example.net login deploy password " + Rand(r, 20) };
            yield return new SecretRule("pgpass-password", "Password in a .pgpass file", F,
                @"(?m)^[^:\s#]+:(?:\d+|\*):[^:\s]+:[^:\s]+:(?<secret>\S+)$", Array.Empty<string>())
            { Path = new Regex(@"(?:^|/)\.?pgpass(?:\.conf)?$", RegexOptions.IgnoreCase), Accept = SecretText.LooksLikePassword };
            yield return new SecretRule("docker-config-auth", "Registry credentials in a Docker config.json", F,
                @"""auth""\s*:\s*""(?<secret>[A-Za-z0-9+/]{12,}={0,2})""", new[] { "\"auth\"" })
            { Accept = IsBasicCredential, SampleIsLine = true, Sample = r => "{\"auths\":{\"registry.example.net\":{\"auth\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes("ci:" + Rand(r, 20))) + "\"}}}" };
            yield return new SecretRule("database-cli-password", "Password on a database command line (mysql -p, sshpass -p)", F,
                @"\b(?:mysql(?:dump|admin)?|mariadb|sshpass)\b[^\n]*?[ \t](?:-p|--password=)(?<q>[""']?)(?<secret>[^\s""'\-][^\s""']{3,})\k<q>", new[] { "mysql", "mariadb", "sshpass" })
            { Accept = SecretText.LooksLikePassword, SampleIsLine = true, Sample = r => "mysql -u root -p" + Rand(r, 16) + " app" };
            yield return new SecretRule("powershell-plaintext-password", "Plain-text password made into a SecureString", F,
                @"(?i)ConvertTo-SecureString[ \t]+(?:-String[ \t]+)?(?<q>[""'])(?<secret>[^""'\r\n]{4,})\k<q>[ \t]+-AsPlainText", new[] { "ConvertTo-SecureString" })
            { Severity = SecretSeverity.Medium, Accept = v => !SecretText.IsReference(v), SampleIsLine = true, Sample = r => "$secure = ConvertTo-SecureString '" + Rand(r, 16) + "' -AsPlainText -Force" };
            yield return new SecretRule("jdbc-password", "Password in a JDBC / ODBC URL parameter", F,
                @"(?i)(?:jdbc|odbc|mongodb(?:\+srv)?|amqps?|redis|rediss|mysql|postgres(?:ql)?|sqlserver):[^\s""']*?[?&;](?:password|pwd|pass)=(?<secret>[^&;\s""']{4,})", new[] { "password=", "pwd=" })
            { Accept = SecretText.LooksLikePassword, SampleIsLine = true, Sample = r => "jdbc:postgresql://db.internal:5432/app?user=app&password=" + Rand(r, 16) };
            // A Docker secret file (secrets/postgres_password, run/secrets/api_token.txt): the whole file is the secret.
            yield return new SecretRule("secret-file", "A secret file (Docker secret) holding a value", F,
                @"\A[ \t\r\n]*(?<secret>[^\s]{6,256})[ \t\r\n]*\z", Array.Empty<string>())
            {
                Path = new Regex(@"(?:^|/)(?:run/)?secrets?/[^/]*(?:pass|pwd|token|secret|key|credential)[^/]*$", RegexOptions.IgnoreCase),
                AllowPaths = { new Regex(@"\.(?:example|sample|template|tmpl|md|txt\.example)$", RegexOptions.IgnoreCase) },
                Accept = SecretText.LooksLikePassword,
            };
            // A random literal handed straight to a client constructor (service.Client("..."), NewClient("...")): a
            // credential whatever the service, even when the token has no known prefix.
            yield return new SecretRule("credential-argument", "Random literal passed to a client constructor", F,
                @"(?i)client\(\s*(?<q>[""'`])(?<secret>[^""'`\s]{16,256})\k<q>\s*[,)]", new[] { "client(" })
            {
                Severity = SecretSeverity.Medium,
                Priority = 1,
                Entropy = 3.0,
                Accept = v => (SecretText.LooksRandom(v, 16) || SecretText.IsUuid(v)) && !v.Contains("://") && !v.Contains("/") || (v.Contains("/") && SecretText.LooksRandom(v, 32) && !v.Contains("://")),
                SampleIsLine = true,
                Sample = r => "client = service.Client(\"" + Rand(r, 32) + "\")",
            };
            yield return new SecretRule("sidekiq-secret", "Sidekiq Pro / Enterprise credentials", F,
                @"(?i)(?:BUNDLE_ENTERPRISE__CONTRIBSYS__COM|BUNDLE_GEMS__CONTRIBSYS__COM)[ \t]*[=:][ \t]*[""']?(?<secret>[a-f0-9]{8}:[a-f0-9]{8})", new[] { "contribsys__com" })
            { SampleIsLine = true, Sample = r => "BUNDLE_GEMS__CONTRIBSYS__COM=" + Rand(r, 8, Hex) + ":" + Rand(r, 8, Hex) };
        }

        /// <summary>Base64 that decodes to printable user:password, with a real password.</summary>
        internal static bool IsBasicCredential(string base64)
        {
            try
            {
                var padded = base64.Length % 4 == 0 ? base64 : base64 + new string('=', 4 - base64.Length % 4);
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
                var colon = decoded.IndexOf(':');
                if (colon < 0 || colon >= decoded.Length - 1 || decoded.Any(char.IsControl)) return false;
                var password = decoded.Substring(colon + 1);
                return !SecretText.IsPlaceholder(password) && !SecretText.IsReference(password) && password.Any(char.IsLetterOrDigit);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        /// <summary>A token in a header: random-looking, or long and varied enough.</summary>
        internal static bool LooksLikeToken(string v)
            => SecretText.LooksRandom(v, 12) || (v.Length >= 16 && v.Any(char.IsDigit) && v.Any(char.IsLetter) && SecretText.Entropy(v) >= 3.3);
    }
}

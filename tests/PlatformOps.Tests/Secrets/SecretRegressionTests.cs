using System;
using System.Linq;
using PlatformOps.Secrets;
using PlatformOps.Secrets.Rules;
using Xunit;

namespace PlatformOps.Tests.Secrets
{
    /// <summary>
    /// The misses and false alarms issue 11 lists, one case each. The secrets are assembled from pieces at run time
    /// (R.Rand), so this file holds none. Each case failed on 0.1.0's scanner.
    /// </summary>
    public sealed class SecretRegressionTests
    {
        private static readonly Random Rng = new Random(11);

        private static string Rand(int n, string alphabet = R.Alnum) => R.Rand(Rng, n, alphabet);

        private static System.Collections.Generic.List<RawFinding> Scan(string text, string path)
            => ContentScanner.Scan(text, ContentScanner.KindOf(path), path, RuleSet.Default);

        [Theory]
        [InlineData("dop_v1_", 64, R.Hex)]
        [InlineData("shpat_", 32, R.Hex)]
        [InlineData("dapi", 32, R.Hex)]
        [InlineData("glrt-", 20, R.Alnum)]
        [InlineData("gldt-", 20, R.Alnum)]
        [InlineData("GR1348941", 20, R.Alnum)]
        [InlineData("sk_test_", 24, R.Alnum)]
        [InlineData("rk_prod_", 24, R.Alnum)]
        [InlineData("hvs.", 96, R.Alnum)]
        [InlineData("api_org_", 34, R.Upper + R.Lower)]
        [InlineData("glsa_", 32, R.Alnum)]
        public void Prefixed_tokens_are_found_under_a_neutral_name(string prefix, int length, string alphabet)
        {
            var token = prefix + Rand(length, alphabet) + (prefix == "glsa_" ? "_" + Rand(8, R.Hex) : string.Empty);
            var found = Scan($"client = service.Client(\"{token}\")\n", "app/client.py");
            Assert.Single(found);
            Assert.Equal(token.Length, found[0].Length);
        }

        [Fact]
        public void Tokens_of_the_named_families_are_found_in_an_env_file()
        {
            string[] tokens =
            {
                "pypi-" + "AgEIcHlwaS5vcmc" + Rand(70, R.UrlSafe),
                "PMAK-" + Rand(24, R.Hex) + "-" + Rand(34, R.Hex),
                "AGE-SECRET-KEY-1" + Rand(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"),
                "ABSK" + Rand(132, R.Base64),
                "xapp-1-A" + Rand(10, R.Upper + R.Digits) + "-" + Rand(13, R.Digits) + "-" + Rand(64, R.Hex),
                "glcbt-" + Rand(2, R.Alnum) + "_" + Rand(20, R.Alnum),
                Rand(3) + "8Q~" + Rand(34, R.Alnum + "_~."),
            };
            foreach (var t in tokens)
                Assert.True(Scan($"VALUE={t}\n", "deploy/.env").Count == 1, t.Substring(0, 6));
        }

        [Fact]
        public void A_gcp_service_account_json_with_an_escaped_private_key_is_found()
        {
            var body = string.Join("\\n", Enumerable.Range(0, 10).Select(_ => Rand(64, R.Base64)));
            var json = "{\n  \"type\": \"service_account\",\n  \"project_id\": \"ops-prod\",\n  \"private_key_id\": \"" + Rand(40, R.Hex) + "\",\n" +
                       "  \"private_key\": \"-----BEGIN " + "PRIVATE KEY-----\\nMIIE" + body + "\\n-----END " + "PRIVATE KEY-----\\n\",\n  \"client_email\": \"svc@ops-prod.iam.gserviceaccount.com\"\n}\n";
            var found = Scan(json, "keys/ops-prod.json");
            Assert.Contains(found, f => f.Rule == "private-key" && f.Line == 5);
        }

        [Theory]
        [InlineData("redis.conf", "requirepass {0}\n")]
        [InlineData("deploy.sh", "curl -u deploy:{0} https://ci.example.net/job/build\n")]
        [InlineData("deploy.sh", "curl --user 'ops:{0}' https://ci.example.net/\n")]
        [InlineData("deploy.sh", "curl -fsS \\\n  --user ops:{0} \\\n  https://ci.example.net/\n")]
        [InlineData("NuGet.config", "<packageSourceCredentials><feed>\n  <add key=\"Username\" value=\"ci\" />\n  <add key=\"ClearTextPassword\" value=\"{0}\" />\n</feed></packageSourceCredentials>\n")]
        [InlineData("credentials.xml", "<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>\n  <username>ci</username>\n  <password>\n    {0}\n  </password>\n</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>\n")]
        [InlineData("main.go", "var dbPassword string = \"{0}\"\n")]
        [InlineData("config.php", "$db_password .= \"{0}\";\n")]
        [InlineData("App.java", "System.setProperty(\"db.password\", \"{0}\");\n")]
        [InlineData("Makefile", "DB_PASSWORD ::= {0}\n")]
        [InlineData("Makefile", "API_TOKEN ?= {0}\n")]
        [InlineData("call.sh", "wget --header \"Authorization: Bearer {0}\" https://api.example.net\n")]
        public void Secrets_in_the_contexts_0_1_0_missed_are_found(string file, string template)
        {
            var secret = Rand(8, R.Upper) + Rand(8, R.Lower) + Rand(6, R.Digits);
            var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, secret);
            var found = Scan(text, "repo/" + file);
            Assert.True(found.Count == 1, $"{file}: {found.Count} findings ({string.Join(",", found.Select(f => f.Rule))})");
            Assert.Equal(secret, found[0].Secret);
        }

        [Fact]
        public void A_kubernetes_secret_data_value_is_found()
        {
            var value = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Rand(24)));
            var yaml = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  username: YXBw\n  password: " + value + "\n";
            var found = Scan(yaml, "k8s/db-secret.yaml");
            Assert.Contains(found, f => f.Rule == "kubernetes-secret" && f.Key == "password" && f.Line == 8);
        }

        [Fact]
        public void A_uuid_under_a_key_name_and_a_literal_with_a_template_inside_are_found()
        {
            Assert.Single(Scan($"HEROKU_API_KEY={Guid.NewGuid()}\n", "app/.env"));
            Assert.Single(Scan("API_SECRET=Xk9q${abc}Lq2Zr8Wm4Tn\n", "app/.env"));
            Assert.Single(Scan("DB_PASSWORD=\"Xk9q{{ x }}Lq2Zr8\"\n", "app/.env"));
        }

        [Theory]
        [InlineData("app/bot.py", "SLACK_TOKEN = \"xoxb-xoxb-my-bot-token\"\n")]
        [InlineData("app/bot.py", "slack_token = \"xoxp-1234567890\"\n")]
        [InlineData("app/bot.py", "token = \"xoxb-####################\"\n")]
        [InlineData("README.md", "![logo](https://a.slack-edge.com/xoxb-avatar-image-512.png)\n")]
        [InlineData("web/maps.js", "const key = \"AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\";\n")]
        [InlineData("web/maps.js", "const key = \"AIzaSyabcdefghijklmnopqrstuvwxyz1234567\";\n")]
        [InlineData("app/ai.py", "ANTHROPIC_API_KEY = \"sk-ant-api03-your-key-here\"\n")]
        [InlineData("infra/main.tf", "  password = var.db_password\n")]
        [InlineData("infra/main.tf", "  administrator_login_password = local.admin_password\n")]
        [InlineData("app/.env", "DB_PASSWORD=!@#$%^&*()\n")]
        [InlineData("app/.env", "SMTP_PASSWORD=********\n")]
        [InlineData("app/settings.py", "API_TOKEN = os.environ[\"API_TOKEN\"]\n")]
        [InlineData("app/.env", "API_TOKEN=${API_TOKEN}\n")]
        [InlineData("deploy/values.yaml", "password: \"{{ .Values.db.password }}\"\n")]
        [InlineData("deploy.sh", "curl -u \"$USER:$PASSWORD\" https://ci.example.net/\n")]
        [InlineData("deploy.sh", "curl -u admin:changeme https://localhost/\n")]
        [InlineData("redis.conf", "# requirepass foobared\n")]
        public void Placeholders_references_and_masked_values_are_not_reported(string path, string text)
        {
            var found = Scan(text, path);
            Assert.True(found.Count == 0, $"{path}: {string.Join(",", found.Select(f => f.Rule))}");
        }

        [Fact]
        public void Azurites_public_development_key_is_not_reported()
        {
            // The well-known emulator key, assembled so that this file does not hold it: known by its SHA-256 only.
            var key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq" + "/K1SZFPTOtr/KBHBeksoGMGw==";
            Assert.Empty(Scan($"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;\n", "app/.env"));
            Assert.Empty(Scan($"STORAGE_KEY={key}\n", "app/.env"));
            Assert.Single(Scan($"STORAGE_KEY={Rand(86, R.Base64)}==\n", "app/.env"));
        }
    }
}

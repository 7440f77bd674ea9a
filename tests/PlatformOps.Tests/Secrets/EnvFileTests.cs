using System;
using System.IO;
using System.Linq;
using PlatformOps.Common;
using PlatformOps.Secrets;
using PlatformOps.Tests.Certificates;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Secrets
{
    /// <summary>Env files read as Docker Compose and python-dotenv read them; templates that leak nothing of a multi-line value.</summary>
    [Collection(LabCollection.Name)]
    public sealed class EnvFileTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly string _dir;

        public EnvFileTests(PowerShellFixture ps)
        {
            _ps = ps;
            _dir = Tool.TempFolder("po-envfile");
        }

        public void Dispose()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { }
        }

        /// <summary>A real private key (PKCS#8 PEM) from openssl, and its body lines.</summary>
        private string PrivateKey()
        {
            var path = Path.Combine(_dir, "k-" + Guid.NewGuid().ToString("N") + ".pem");
            Tool.OpenSsl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", path);
            var pem = File.ReadAllText(path).Trim();
            File.Delete(path);
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);
            return pem;
        }

        private static string[] Body(string pem) => pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToArray();

        [Fact]
        public void Values_are_read_as_Docker_Compose_reads_them()
        {
            var text = string.Join("\n",
                "# comment",
                "export EXPORTED=value1",
                "PLAIN=abc def   # inline comment",
                "HASH=abc#not-a-comment",
                "DQ=\"line1\\nline2 \\\"q\\\" \\\\ # kept\" # comment",
                "MULTI=\"first",
                "second # not a comment",
                "third\"",
                "SQ='literal \\n $HOME",
                "still'",
                "AFTER=yes",
                "EMPTY=",
                "SPACED = padded  ",
                "") ;
            var env = EnvFile.Parse(text);
            Assert.Empty(env.Problems);
            string V(string k) => env.Find(k)!.Value;
            Assert.Equal("value1", V("EXPORTED"));
            Assert.Equal("abc def", V("PLAIN"));
            Assert.Equal("abc#not-a-comment", V("HASH"));
            Assert.Equal("line1\nline2 \"q\" \\ # kept", V("DQ"));
            Assert.Equal("first\nsecond # not a comment\nthird", V("MULTI"));
            Assert.Equal(6, env.Find("MULTI")!.Number);
            Assert.Equal(3, env.Find("MULTI")!.LineCount);
            Assert.Equal("literal \\n $HOME\nstill", V("SQ"));
            Assert.Equal("yes", V("AFTER"));
            Assert.Equal(11, env.Find("AFTER")!.Number);
            Assert.Equal("", V("EMPTY"));
            Assert.Equal("padded", V("SPACED"));
            Assert.Equal(new[] { "EXPORTED", "PLAIN", "HASH", "DQ", "MULTI", "SQ", "AFTER", "EMPTY", "SPACED" }, env.Keys.ToArray());
            // Written back byte for byte, CRLF files too.
            Assert.Equal(text, env.ToText());
            Assert.Equal(text.Replace("\n", "\r\n"), EnvFile.Parse(text.Replace("\n", "\r\n")).ToText());

            // A value changed and written back reads the same again, line breaks and quotes included.
            var multi = env.Find("MULTI")!;
            multi.Value = "a'b\n\"c\"\\d";
            multi.Modified = true;
            Assert.Equal("a'b\n\"c\"\\d", EnvFile.Parse(env.ToText()).Find("MULTI")!.Value);

            var broken = EnvFile.Parse("OK=1\nKEY=\"never closed\nNEXT=2\n-----END PRIVATE KEY-----\n");
            Assert.Equal(new[] { 2, 4 }, broken.Problems.Select(p => p.Number).ToArray());
        }

        [Fact]
        public void A_multi_line_private_key_never_reaches_the_template_and_the_old_leak_fails_hygiene()
        {
            var pem = PrivateKey();
            var env = Path.Combine(_dir, ".env");
            File.WriteAllText(env, "APP_NAME=platform\nTLS_PRIVATE_KEY=\"" + pem + "\"\nLOG_LEVEL=info\nexport TLS_KEY_2='" + pem + "' # second key\n");
            var example = Path.Combine(_dir, ".env.example");

            var r = _ps.Invoke("New-PlatformEnvTemplate -Path $args[0] -KeepNonSecret", env);
            r.ShouldSucceed();
            var written = File.ReadAllText(example);
            Assert.Equal("APP_NAME=platform\nTLS_PRIVATE_KEY=change-me\nLOG_LEVEL=info\nexport TLS_KEY_2=change-me # second key\n", written);
            Assert.All(Body(pem), line => Assert.DoesNotContain(line, written, StringComparison.Ordinal));
            var result = Assert.Single(r.Objects<EnvTemplateResult>());
            Assert.Equal(4, result.Keys);
            Assert.Equal(2, result.Replaced);

            var clean = _ps.Invoke("Test-PlatformSecretHygiene -Path $args[0] -SkipContainers", _dir);
            clean.ShouldSucceed();
            Assert.Equal(Verdict.Pass, clean.Objects<SecretHygieneCheck>().Single(c => c.Check == "EnvExampleValues").Status);

            // What 0.1.0 wrote: the first line replaced, the key body left below it. The hygiene check must see it.
            File.WriteAllText(example, "APP_NAME=platform\nTLS_PRIVATE_KEY=change-me\n" + string.Join("\n", pem.Split('\n').Skip(1)) + "\"\nLOG_LEVEL=info\n");
            var leaked = _ps.Invoke("Test-PlatformSecretHygiene -Path $args[0] -SkipContainers", _dir);
            leaked.ShouldSucceed();
            var check = leaked.Objects<SecretHygieneCheck>().Single(c => c.Check == "EnvExampleValues");
            Assert.Equal(Verdict.Fail, check.Status);
            Assert.DoesNotContain(Body(pem)[1], string.Join("\n", check.Evidence.Append(check.Detail)), StringComparison.Ordinal);
        }

        [Fact]
        public void An_unquoted_multi_line_value_is_refused_and_nothing_is_written()
        {
            var pem = PrivateKey();
            var env = Path.Combine(_dir, ".env");
            File.WriteAllText(env, "APP_NAME=platform\nTLS_PRIVATE_KEY=" + pem + "\nLOG_LEVEL=info\n");
            var r = _ps.Invoke("New-PlatformEnvTemplate -Path $args[0]", env);
            Assert.Equal("PlatformEnvFileInvalid", r.ErrorId);
            Assert.Contains("line 3", r.ErrorMessage, StringComparison.Ordinal);
            Assert.DoesNotContain(Body(pem)[0], r.Transcript, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(_dir, ".env.example")));
        }
    
        [Fact]
        public void The_shell_environment_overrides_the_env_file_as_in_Compose_and_a_disagreement_is_flagged()
        {
            var env = Path.Combine(_dir, ".env");
            var name = "PO_TEST_" + System.Security.Cryptography.RandomNumberGenerator.GetHexString(6);
            var agree = name + "_SAME";
            File.WriteAllText(env, $"{name}=\"from-the-env-file\"\n{agree}=same-value\n");
            Environment.SetEnvironmentVariable(name, "from-the-shell");
            Environment.SetEnvironmentVariable(agree, "same-value");
            try
            {
                var r = _ps.Invoke("Get-PlatformSecret -Name $args[0], $args[1] -EnvFile $args[2] -SecretsPath $args[3] -NoVault", name, agree, env, _dir);
                r.ShouldSucceed();
                var found = r.Objects<PlatformSecret>().ToList();
                Assert.Equal(SecretSource.Environment, found[0].Source);
                Assert.Equal("from-the-shell", PlatformOps.Common.Sensitive.Reveal(found[0].Value));
                Assert.True(found[0].Conflict);
                Assert.Equal(new[] { $"Environment (env:{name})", $"EnvFile ({env})" }, found[0].Sources);
                Assert.Equal(new[] { $"EnvFile ({env})" }, found[0].Differing);
                var warning = Assert.Single(r.Warnings);
                Assert.Contains(name, warning, StringComparison.Ordinal);
                Assert.Contains("overrides", warning, StringComparison.Ordinal);

                Assert.Equal(SecretSource.Environment, found[1].Source);
                Assert.False(found[1].Conflict);
                Assert.Equal(2, found[1].Sources.Count);

                var shown = _ps.Invoke("Get-PlatformSecret -Name $args[0] -EnvFile $args[1] -SecretsPath $args[2] -NoVault | Format-Table | Out-String; Get-PlatformSecret -Name $args[0] -EnvFile $args[1] -SecretsPath $args[2] -NoVault | Format-List * | Out-String",
                    name, env, _dir).Transcript;
                Assert.DoesNotContain("from-the-shell", shown, StringComparison.Ordinal);
                Assert.DoesNotContain("from-the-env-file", shown, StringComparison.Ordinal);
                Assert.Contains("True", shown, StringComparison.Ordinal);
            }
            finally
            {
                Environment.SetEnvironmentVariable(name, null);
                Environment.SetEnvironmentVariable(agree, null);
            }
        }
    }
}

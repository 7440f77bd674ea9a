using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using PlatformOps.Secrets;
using PlatformOps.Secrets.Rules;
using PlatformOps.Tests.Certificates;
using PlatformOps.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PlatformOps.Tests.Secrets
{
    /// <summary>Find-PlatformSecret's gitleaks configuration, .gitleaksignore, baseline, SARIF output and -Verify, as users call them.</summary>
    [Collection(LabCollection.Name)]
    public sealed class SecretScanFeatureTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly ITestOutputHelper _output;
        private readonly string _dir;
        private static readonly Random Rng = new Random();

        public SecretScanFeatureTests(PowerShellFixture ps, ITestOutputHelper output)
        {
            _ps = ps;
            _output = output;
            _dir = Tool.TempFolder("po-secret-features");
        }

        public void Dispose()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private static string GitHubToken() => "gh" + "p_" + R.Rand(Rng, 36);

        private string Write(string relative, string text)
        {
            var path = Path.Combine(_dir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
            return path;
        }

        [Fact]
        public void A_repositorys_gitleaks_toml_adds_its_rules_allowlists_and_gitleaksignore_suppresses()
        {
            var acme = "acme_" + R.Rand(Rng, 32, R.Lower + R.Digits);
            var ignoredToken = GitHubToken();
            Write(".gitleaks.toml", "title = \"team rules\"\n[extend]\nuseDefault = true\n\n" +
                                  "[[rules]]\nid = \"acme-internal-token\"\ndescription = \"ACME internal token\"\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\nsecretGroup = 1\nentropy = 3.0\nkeywords = [\"acme_\"]\n" +
                                  "[[rules.allowlists]]\nregexes = ['''acme_0{32}''']\n\n" +
                                  "[allowlist]\ndescription = \"fixtures\"\npaths = ['''^fixtures/''']\n");
            Write("app.env", $"ACME={acme}\nACME_EXAMPLE=acme_{new string('0', 32)}\nGITHUB_TOKEN={ignoredToken}\n");
            Write("fixtures/sample.env", $"GITHUB_TOKEN={GitHubToken()}\n");
            // A fingerprint written for gitleaks (its rule id github-pat) applies to PlatformOps' github-token rule.
            Write(".gitleaksignore", "# accepted: rotated on 2026-01-01\napp.env:github-pat:3\n");
            var r = _ps.Invoke("Find-PlatformSecret -Path $args[0] -Verbose", _dir);
            r.ShouldSucceed();
            var findings = r.Objects<SecretFinding>().ToList();
            foreach (var f in findings) _output.WriteLine($"{f.Fingerprint} {f.Redacted}");
            var only = Assert.Single(findings);
            Assert.Equal("acme-internal-token", only.Rule);
            Assert.Equal("app.env:acme-internal-token:1", only.Fingerprint);
            Assert.Contains(r.Verbose, v => v.Contains(".gitleaks.toml", StringComparison.Ordinal));
            Assert.Contains(r.Verbose, v => v.Contains("1 finding(s) left out: .gitleaksignore", StringComparison.Ordinal));

            // Without useDefault only the team's own rules run; -NoRepositoryConfig ignores the file and the suppressions.
            Write(".gitleaks.toml", "[[rules]]\nid = \"acme-internal-token\"\nregex = '''acme_[a-z0-9]{32}'''\nkeywords = [\"acme_\"]\n");
            Assert.Equal(new[] { "acme-internal-token" }, _ps.Invoke("Find-PlatformSecret -Path $args[0]", _dir).Objects<SecretFinding>().Select(f => f.Rule).Distinct());
            var all = _ps.Invoke("Find-PlatformSecret -Path $args[0] -NoRepositoryConfig", _dir).Objects<SecretFinding>().ToList();
            Assert.Equal(2, all.Count(f => f.Rule == "github-token"));
        }

        [Fact]
        public void A_broken_gitleaks_toml_is_a_clear_error()
        {
            Write(".gitleaks.toml", "[[rules]\nid = \"x\"\n");
            Write("a.env", "X=1\n");
            var r = _ps.Invoke("Find-PlatformSecret -Path $args[0]", _dir);
            Assert.Equal("PlatformSecretConfigInvalid", r.ErrorId);
            Write(".gitleaks.toml", "[[rules]]\nid = \"bad\"\nregex = '''(unclosed'''\n");
            Assert.Equal("PlatformSecretConfigInvalid", _ps.Invoke("Find-PlatformSecret -Path $args[0]", _dir).ErrorId);
        }

        [Fact]
        public void A_baseline_reports_only_new_findings_and_holds_no_secret()
        {
            var known = GitHubToken();
            var password = R.Rand(Rng, 20) + "9";
            Write("deploy.sh", $"export GITHUB_TOKEN={known}\n");
            Write(".env", $"POSTGRES_PASSWORD={password}\n");
            var baseline = Path.Combine(_dir, "..", Path.GetFileName(_dir) + ".baseline.json");
            try
            {
                var whatIf = _ps.Invoke("Find-PlatformSecret -Path $args[0] -Baseline $args[1] -UpdateBaseline -WhatIf", _dir, baseline);
                whatIf.ShouldSucceed();
                Assert.False(File.Exists(baseline), "-WhatIf wrote the baseline");
                _ps.Invoke("Find-PlatformSecret -Path $args[0] -Baseline $args[1] -UpdateBaseline", _dir, baseline).ShouldSucceed();
                var text = File.ReadAllText(baseline);
                _output.WriteLine(text);
                Assert.DoesNotContain(known, text, StringComparison.Ordinal);
                Assert.DoesNotContain(password, text, StringComparison.Ordinal);
                Assert.Equal(2, JsonDocument.Parse(text).RootElement.GetProperty("findings").GetArrayLength());

                Assert.Empty(_ps.Invoke("Find-PlatformSecret -Path $args[0] -Baseline $args[1]", _dir, baseline).Objects<SecretFinding>());
                // The known token moved two lines down: still known. A new token: reported.
                var fresh = GitHubToken();
                Write("deploy.sh", $"#!/bin/sh\n\nexport GITHUB_TOKEN={known}\nexport CI_TOKEN={fresh}\n");
                var after = _ps.Invoke("Find-PlatformSecret -Path $args[0] -Baseline $args[1]", _dir, baseline).Objects<SecretFinding>().ToList();
                var only = Assert.Single(after);
                Assert.Equal(4, only.Line);

                File.WriteAllText(baseline, "{ not json");
                Assert.Equal("PlatformSecretBaselineInvalid", _ps.Invoke("Find-PlatformSecret -Path $args[0] -Baseline $args[1]", _dir, baseline).ErrorId);
                Assert.Equal("PlatformSecretBaselineMissing", _ps.Invoke("Find-PlatformSecret -Path $args[0] -UpdateBaseline", _dir).ErrorId);
            }
            finally
            {
                File.Delete(baseline);
            }
        }

        [Fact]
        public void Sarif_output_is_sarif_2_1_0_with_one_result_per_finding_and_no_secret()
        {
            var token = GitHubToken();
            var password = R.Rand(Rng, 20) + "7";
            Write("deploy/run.sh", $"#!/bin/sh\nexport GITHUB_TOKEN={token}\n");
            Write("app/.env", $"REDIS_PASSWORD={password}\n");
            var r = _ps.Invoke("Find-PlatformSecret -Path $args[0] -OutputFormat Sarif", _dir);
            r.ShouldSucceed();
            var sarif = Assert.Single(r.Output).BaseObject as string;
            Assert.NotNull(sarif);
            Assert.DoesNotContain(token, sarif!, StringComparison.Ordinal);
            Assert.DoesNotContain(password, sarif!, StringComparison.Ordinal);
            using var doc = JsonDocument.Parse(sarif!);
            var root = doc.RootElement;
            Assert.Equal("2.1.0", root.GetProperty("version").GetString());
            Assert.Contains("sarif-2.1.0", root.GetProperty("$schema").GetString(), StringComparison.Ordinal);
            var run = root.GetProperty("runs")[0];
            var results = run.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(2, results.Count);
            var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Select(x => x.GetProperty("id").GetString()).ToList();
            foreach (var res in results)
            {
                Assert.Equal(rules[res.GetProperty("ruleIndex").GetInt32()], res.GetProperty("ruleId").GetString());
                var loc = res.GetProperty("locations")[0].GetProperty("physicalLocation");
                Assert.True(loc.GetProperty("region").GetProperty("startLine").GetInt32() >= 1);
                Assert.False(Path.IsPathRooted(loc.GetProperty("artifactLocation").GetProperty("uri").GetString()));
            }
            Assert.Contains(results, x => x.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString() == "deploy/run.sh");
        }

        [Fact]
        public void Verify_says_Live_for_a_working_platform_password_Rejected_for_a_wrong_one_and_Unknown_for_others()
        {
            // Its own PostgreSQL cluster and redis-server (loopback, free ports), not the shared lab: this test logs in
            // with wrong passwords on purpose.
            using var cluster = new PlatformOps.Tests.Wal.ThrowawayCluster(false, "verify");
            var role = "po_verify_" + R.Rand(Rng, 8, R.Lower + R.Digits);
            var password = R.Rand(Rng, 24) + "5";
            var wrong = R.Rand(Rng, 24) + "6";
            cluster.Exec($"CREATE ROLE {role} LOGIN PASSWORD '{password}'");
            var redisPassword = R.Rand(Rng, 32) + "3";
            var redisPort = PlatformOps.Common.LoopbackPort.Free();
            var redisDir = Path.Combine(_dir, "redis");
            Directory.CreateDirectory(redisDir);
            var conf = Path.Combine(redisDir, "redis.conf");
            var pidFile = Path.Combine(redisDir, "redis.pid");
            File.WriteAllText(conf, $"bind 127.0.0.1\nport {redisPort}\nrequirepass {redisPassword}\nsave \"\"\ndaemonize yes\npidfile {pidFile}\ndir {redisDir}\n");
            var (code, startOutput) = TestProcess.Run("redis-server", conf);
            Assert.True(code == 0, startOutput);
            try
            {
                var profile = Path.Combine(_dir, "verify.profile.json");
                File.WriteAllText(profile, JsonSerializer.Serialize(new
                {
                    Name = "verify",
                    Postgres = new { Host = "127.0.0.1", cluster.Port, Database = "postgres", Username = "postgres", SslMode = "disable" },
                    Redis = new { Host = "127.0.0.1", Port = redisPort },
                }));
                Write("app/.env", $"DATABASE_URL=postgresql://{role}:{password}@db.internal:5432/postgres\n" +
                                  $"REPLICA_URL=postgresql://{role}:{wrong}@db.internal:5432/postgres\n" +
                                  $"REDIS_PASSWORD={redisPassword}\n" +
                                  $"GITHUB_TOKEN={GitHubToken()}\n" +
                                  $"CACHE_REDIS_PASSWORD={wrong}\n");
                var r = _ps.Invoke("$f = Find-PlatformSecret -Path $args[0] -Verify -Profile $args[1] -Verbose; $f; $f | Format-List * | Out-String -Width 300; $f | Format-Table | Out-String -Width 300", Path.Combine(_dir, "app"), profile);
                r.ShouldSucceed();
                var findings = r.Objects<SecretFinding>().ToList();
                foreach (var f in findings) _output.WriteLine($"{f.Line} {f.Rule} {f.Verification} {f.VerificationDetail}");
                var byLine = findings.ToDictionary(f => f.Line);
                Assert.Equal(SecretVerification.Live, byLine[1].Verification);
                Assert.Contains($"127.0.0.1:{cluster.Port} as {role}", byLine[1].VerificationDetail, StringComparison.Ordinal);   // the profile's server, not db.internal
                Assert.Equal(SecretVerification.Rejected, byLine[2].Verification);
                Assert.Equal(SecretVerification.Live, byLine[3].Verification);
                Assert.Equal(SecretVerification.Unknown, byLine[4].Verification);
                Assert.Equal(SecretVerification.Rejected, byLine[5].Verification);
                var transcript = r.Transcript;
                Assert.Contains("Live", transcript, StringComparison.Ordinal);
                Assert.DoesNotContain(password, transcript, StringComparison.Ordinal);
                Assert.DoesNotContain(wrong, transcript, StringComparison.Ordinal);
                Assert.DoesNotContain(redisPassword, transcript, StringComparison.Ordinal);
                // Without -Verify nothing is tried.
                Assert.All(_ps.Invoke("Find-PlatformSecret -Path $args[0]", Path.Combine(_dir, "app")).Objects<SecretFinding>(), f => Assert.Equal(SecretVerification.NotVerified, f.Verification));
            }
            finally
            {
                if (File.Exists(pidFile)) TestProcess.Run("kill", File.ReadAllText(pidFile).Trim());
            }
        }
    }
}

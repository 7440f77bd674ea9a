using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using PlatformOps.Secrets;
using PlatformOps.Tests.Certificates;
using PlatformOps.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PlatformOps.Tests.Secrets
{
    /// <summary>The scanner on the generated corpus (recall and false positives), on git repositories, and on this repository.</summary>
    [Collection(LabCollection.Name)]
    public sealed class SecretScannerTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly ITestOutputHelper _output;
        private readonly string _dir;

        public SecretScannerTests(PowerShellFixture ps, ITestOutputHelper output)
        {
            _ps = ps;
            _output = output;
            _dir = Tool.TempFolder("po-secrets");
        }

        public void Dispose()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private sealed record Expected(string File, int Line, string Rule);

        private (string Corpus, List<Expected> Expected, List<string> Secrets) MakeCorpus()
        {
            var corpus = Path.Combine(_dir, "corpus");
            var script = Path.Combine(Lab.RepositoryRoot, "tests", "corpus", "New-SecretCorpus.ps1");
            _ps.Invoke("& $args[0] -Path $args[1] | Out-Null", script, corpus).ShouldSucceed();
            using var doc = JsonDocument.Parse(File.ReadAllText(corpus + ".manifest.json"));
            var expected = doc.RootElement.GetProperty("Expected").EnumerateArray()
                .Select(e => new Expected(e.GetProperty("File").GetString()!, e.GetProperty("Line").GetInt32(), e.GetProperty("Rule").GetString()!)).ToList();
            var secrets = doc.RootElement.GetProperty("Secrets").EnumerateArray().Select(e => e.GetString()!).ToList();
            return (corpus, expected, secrets);
        }

        [Fact]
        public void The_corpus_is_found_whole_and_the_clean_files_give_no_finding()
        {
            var (corpus, expected, _) = MakeCorpus();
            var r = _ps.Invoke("Find-PlatformSecret -Path $args[0]", corpus);
            r.ShouldSucceed();
            var findings = r.Objects<SecretFinding>().ToList();
            var found = expected.Where(e => findings.Any(f => f.RelativePath == e.File && f.Line == e.Line)).ToList();
            var ruleRight = expected.Where(e => findings.Any(f => f.RelativePath == e.File && f.Line == e.Line && f.Rule == e.Rule)).ToList();
            var falsePositives = findings.Where(f => !expected.Any(e => e.File == f.RelativePath && e.Line == f.Line)).ToList();
            var cleanFiles = Directory.GetFiles(Path.Combine(corpus, "clean"), "*", SearchOption.AllDirectories).Length;
            _output.WriteLine($"Secret scanner corpus: recall {found.Count}/{expected.Count} ({100.0 * found.Count / expected.Count:0.0}%), " +
                              $"right rule {ruleRight.Count}/{expected.Count}, false positives {falsePositives.Count} " +
                              $"(in {cleanFiles} clean files and the unplanted lines of the planted ones)");
            foreach (var e in expected.Except(found)) _output.WriteLine($"  missed {e.File}:{e.Line} {e.Rule}");
            foreach (var f in falsePositives) _output.WriteLine($"  false positive {f.RelativePath}:{f.Line} {f.Rule}");
            Console.WriteLine($"[secret-corpus] recall {found.Count}/{expected.Count}, false positives {falsePositives.Count}");
            Assert.Equal(expected.Count, found.Count);
            Assert.Equal(expected.Count, ruleRight.Count);
            Assert.Empty(falsePositives);
            Assert.All(findings, f => Assert.Equal(GitFileStatus.NotInRepository, f.GitStatus));
            Assert.Contains(findings, f => f.Rule == "private-key" && f.Severity == SecretSeverity.High);
        }

        [Fact]
        public void No_planted_secret_appears_in_any_output_of_the_secret_cmdlets()
        {
            var (corpus, _, secrets) = MakeCorpus();
            var positive = Path.Combine(corpus, "positive");
            File.Copy(Path.Combine(corpus, "clean", ".env.example"), Path.Combine(positive, ".env.example"));
            var r = _ps.Invoke(
                "$f = Find-PlatformSecret -Path $args[0] -Verbose; $f | Format-Table | Out-String -Width 300; $f | Format-List * | Out-String; $f | ConvertTo-Json | Out-String; " +
                "Test-PlatformSecretHygiene -Path $args[1] -SkipContainers -Verbose | Format-List * | Out-String; " +
                "New-PlatformEnvTemplate -Path (Join-Path $args[1] .env) -Destination (Join-Path $args[0] template.env) -Verbose | Format-List * | Out-String; " +
                "Get-PlatformSecret -Name POSTGRES_PASSWORD, GITHUB_TOKEN -EnvFile (Join-Path $args[1] .env) -NoVault -Verbose | Format-List * | Out-String; " +
                "Get-PlatformSecret -Name NOT_THERE -EnvFile (Join-Path $args[1] .env) -NoVault",
                corpus, positive);
            Assert.Equal("PlatformSecretNotFound", r.ErrorId);
            var transcript = r.Transcript;
            Assert.Contains("password-assignment", transcript);
            Assert.Contains("POSTGRES_PASSWORD", transcript);
            var leaked = secrets.Where(s => transcript.Contains(s, StringComparison.Ordinal)).ToList();
            Assert.True(leaked.Count == 0, $"{leaked.Count} of {secrets.Count} planted secrets appear in the output");
            _output.WriteLine($"Checked {secrets.Count} planted secrets against {transcript.Length} characters of output: none found.");
            // The template itself holds none of them either.
            var template = File.ReadAllText(Path.Combine(corpus, "template.env"));
            Assert.DoesNotContain(secrets, s => template.Contains(s, StringComparison.Ordinal));
        }

        private static void Git(string dir, params string[] args)
        {
            var all = new[] { "-C", dir, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "-c", "commit.gpgsign=false" }.Concat(args).ToArray();
            var (code, output) = TestProcess.Run("git", all);
            Assert.True(code == 0, $"git {string.Join(' ', args)}: {output}");
        }

        private static string Token() => "gh" + "p_" + Guid.NewGuid().ToString("N") + "AbCd";

        [Fact]
        public void Git_tracked_untracked_ignored_staged_and_history_are_told_apart()
        {
            var repo = Path.Combine(_dir, "repo");
            Directory.CreateDirectory(repo);
            Git(repo, "init", "-q", "-b", "main");
            File.WriteAllText(Path.Combine(repo, ".gitignore"), ".env\nbuild/\n");
            var committed = Token();
            File.WriteAllText(Path.Combine(repo, "deploy.sh"), $"#!/bin/sh\nexport GITHUB_TOKEN={committed}\n");
            var removed = Token();
            File.WriteAllText(Path.Combine(repo, "old.yml"), $"token: {removed}\n");
            Git(repo, "add", ".");
            Git(repo, "commit", "-q", "-m", "first");
            File.Delete(Path.Combine(repo, "old.yml"));
            Git(repo, "commit", "-q", "-am", "remove the token file");
            File.WriteAllText(Path.Combine(repo, ".env"), $"GITHUB_TOKEN={Token()}\n");
            File.WriteAllText(Path.Combine(repo, "notes.txt"), $"ci token {Token()}\n");
            Directory.CreateDirectory(Path.Combine(repo, "build"));
            File.WriteAllText(Path.Combine(repo, "build", "out.txt"), $"{Token()}\n");

            var tree = _ps.Invoke("Find-PlatformSecret -Path $args[0]", repo);
            tree.ShouldSucceed();
            var f = tree.Objects<SecretFinding>().ToDictionary(x => x.RelativePath);
            Assert.Equal(GitFileStatus.Tracked, f["deploy.sh"].GitStatus);
            Assert.Equal(2, f["deploy.sh"].Line);
            Assert.Equal("GITHUB_TOKEN", f["deploy.sh"].Key);
            Assert.Equal(GitFileStatus.Ignored, f[".env"].GitStatus);
            Assert.Equal(GitFileStatus.Untracked, f["notes.txt"].GitStatus);
            Assert.False(f.ContainsKey("build/out.txt"), "ignored folders are not walked by default");
            Assert.Contains("build/out.txt", _ps.Invoke("Find-PlatformSecret -Path $args[0] -IncludeIgnoredFolders", repo).Objects<SecretFinding>().Select(x => x.RelativePath));
            Assert.DoesNotContain(".env", _ps.Invoke("Find-PlatformSecret -Path $args[0] -SkipIgnored", repo).Objects<SecretFinding>().Select(x => x.RelativePath));

            var history = _ps.Invoke("Find-PlatformSecret -Path $args[0] -History", repo).Objects<SecretFinding>().Where(x => x.GitStatus == GitFileStatus.Committed).ToList();
            var gone = Assert.Single(history, x => x.RelativePath == "old.yml");
            Assert.Equal(1, gone.Line);
            Assert.Equal(40, gone.Commit!.Length);
            Assert.Single(history, x => x.RelativePath == "deploy.sh");

            Assert.Empty(_ps.Invoke("Find-PlatformSecret -Path $args[0] -Staged", repo).Objects<SecretFinding>());
            File.WriteAllText(Path.Combine(repo, "staged.env.sh"), $"export API_TOKEN={Token()}\n");
            Git(repo, "add", "staged.env.sh");
            File.WriteAllText(Path.Combine(repo, "staged.env.sh"), "export API_TOKEN=changeme\n");   // the index, not the working tree, counts
            var staged = Assert.Single(_ps.Invoke("Find-PlatformSecret -Path $args[0] -Staged", repo).Objects<SecretFinding>());
            Assert.Equal(GitFileStatus.Staged, staged.GitStatus);
            Assert.Equal("staged.env.sh", staged.RelativePath);
        }

        [Fact]
        public void This_repository_has_no_finding_outside_ignored_files()
        {
            var r = _ps.Invoke("Find-PlatformSecret -Path $args[0] -SkipIgnored -Verbose", Lab.RepositoryRoot);
            r.ShouldSucceed();
            var findings = r.Objects<SecretFinding>().ToList();
            foreach (var f in findings) _output.WriteLine($"{f.RelativePath}:{f.Line} {f.Rule} {f.Key}");
            _output.WriteLine(string.Join("\n", r.Verbose));
            Assert.Empty(findings);
        }

        [Theory]
        [InlineData("POSTGRES_PASSWORD", "Password")]
        [InlineData("ADMIN_USER_PASSWORD", "Password")]
        [InlineData("PGPASSWORD", "Password")]
        [InlineData("requirepass", "Password")]
        [InlineData("JWT_SECRET", "Secret")]
        [InlineData("apiKey", "Secret")]
        [InlineData("STRIPE_KEY", "Secret")]
        [InlineData("django_secret_key", "Secret")]
        [InlineData("GITHUB_TOKEN", "Secret")]
        [InlineData("POSTGRES_PASSWORD_FILE", "None")]
        [InlineData("PGPASSFILE", "None")]
        [InlineData("password_min_length", "None")]
        [InlineData("token_ttl", "None")]
        [InlineData("secret_name", "None")]
        [InlineData("primary_key", "None")]
        [InlineData("public_key", "None")]
        [InlineData("password_encryption", "None")]
        [InlineData("keyboard_layout", "None")]
        public void Names_are_classified(string name, string kind)
            => Assert.Equal(kind, SecretText.ClassifyName(name).ToString());

        [Theory]
        [InlineData("changeme", true)]
        [InlineData("<password>", true)]
        [InlineData("", true)]
        [InlineData("your-api-key-here", true)]
        [InlineData("xxxxxxxx", true)]
        [InlineData("s3cret", true)]
        [InlineData("p4ssw0rd", true)]
        [InlineData("Xk29fjQ!pLm7", false)]
        [InlineData("hunter22", false)]
        public void Placeholders_are_recognised(string value, bool placeholder)
            => Assert.Equal(placeholder, SecretText.IsPlaceholder(value));

        [Theory]
        [InlineData("${POSTGRES_PASSWORD}", true)]
        [InlineData("$DB_PASSWORD", true)]
        [InlineData("{{ .Values.password }}", true)]
        [InlineData("/run/secrets/db", true)]
        [InlineData("./secrets/postgres_password.txt", true)]
        [InlineData("/Hq3pApHoAX47785yoTloi3NTVer3JePyzRXWPmw", false)]
        [InlineData("vault:secret/data/db#password", true)]
        [InlineData("Xk29fjQ!pLm7", false)]
        public void References_are_recognised(string value, bool reference)
            => Assert.Equal(reference, SecretText.IsReference(value));
    }
}

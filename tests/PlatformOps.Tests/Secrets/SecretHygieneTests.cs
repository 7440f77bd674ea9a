using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using PlatformOps.Common;
using PlatformOps.Secrets;
using PlatformOps.Tests.Certificates;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Secrets
{
    /// <summary>Hygiene checks on a real git working tree and real containers; env templates; generating and resolving secrets.</summary>
    [Collection(LabCollection.Name)]
    public sealed class SecretHygieneTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly string _dir;

        public SecretHygieneTests(PowerShellFixture ps)
        {
            _ps = ps;
            _dir = Tool.TempFolder("po-hygiene");
        }

        public void Dispose()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { }
        }

        private static void Git(string dir, params string[] args)
        {
            var all = new[] { "-C", dir, "-c", "user.email=t@example.invalid", "-c", "user.name=t" }.Concat(args).ToArray();
            var (code, output) = TestProcess.Run("git", all);
            Assert.True(code == 0, $"git {string.Join(' ', args)}: {output}");
        }

        private SecretHygieneCheck[] Hygiene(string folder, string extra = "-SkipContainers")
        {
            var r = _ps.Invoke($"Test-PlatformSecretHygiene -Path $args[0] {extra}", folder);
            r.ShouldSucceed();
            return r.Objects<SecretHygieneCheck>().ToArray();
        }

        private static SecretHygieneCheck Check(SecretHygieneCheck[] checks, string name) => Assert.Single(checks, c => c.Check == name);

        [Fact]
        public void A_careless_project_fails_each_check_and_passes_once_fixed()
        {
            var repo = Path.Combine(_dir, "platform");
            Directory.CreateDirectory(Path.Combine(repo, "ssl"));
            Git(repo, "init", "-q");
            var password = "Qz8" + Guid.NewGuid().ToString("N")[..12] + "!x";
            File.WriteAllText(Path.Combine(repo, ".env"), $"# database\nPOSTGRES_USER=agentic\nPOSTGRES_PASSWORD={password}\nLOG_LEVEL=info\n");
            AtomicFile.SetMode(Path.Combine(repo, ".env"), 0x1A4);
            File.WriteAllText(Path.Combine(repo, ".env.example"), $"POSTGRES_USER=agentic\nPOSTGRES_PASSWORD={password}\n");
            _ps.Invoke("New-PlatformCertificate -Path $args[0] -KeyAlgorithm ECDSA", Path.Combine(repo, "ssl")).ShouldSucceed();
            File.WriteAllText(Path.Combine(repo, "backup.sh"), "export PGPASSWORD=" + password + "\n");
            Git(repo, "add", "backup.sh", "ssl/key.pem");
            Git(repo, "commit", "-q", "-m", "oops");

            var bad = Hygiene(repo);
            Assert.Equal(Verdict.Fail, Check(bad, "EnvFileIgnored").Status);
            Assert.Equal(Verdict.Fail, Check(bad, "KeyFilesIgnored").Status);
            Assert.Contains("ssl/key.pem (tracked)", Check(bad, "KeyFilesIgnored").Evidence);
            Assert.Equal(Verdict.Fail, Check(bad, "EnvFileMode").Status);
            Assert.Equal(Verdict.Fail, Check(bad, "EnvExampleKeys").Status);
            Assert.Contains(Check(bad, "EnvExampleKeys").Evidence, e => e.StartsWith("LOG_LEVEL", StringComparison.Ordinal));
            Assert.Equal(Verdict.Fail, Check(bad, "EnvExampleValues").Status);
            Assert.Contains("POSTGRES_PASSWORD (line 2)", Check(bad, "EnvExampleValues").Evidence);
            Assert.Equal(Verdict.Fail, Check(bad, "CommittedSecrets").Status);
            Assert.Contains("backup.sh:1 password-assignment (PGPASSWORD)", Check(bad, "CommittedSecrets").Evidence);
            Assert.All(bad.Where(c => c.Status != Verdict.Pass), c => Assert.False(string.IsNullOrEmpty(c.Remedy)));
            Assert.DoesNotContain(password, string.Join("\n", bad.SelectMany(c => c.Evidence.Append(c.Detail))));

            // Fix it the way the remedies say.
            File.WriteAllText(Path.Combine(repo, ".gitignore"), ".env\nssl/*.pem\n");
            Git(repo, "rm", "-q", "--cached", "ssl/key.pem");
            File.WriteAllText(Path.Combine(repo, "backup.sh"), "export PGPASSFILE=/run/secrets/pgpass\n");
            Git(repo, "add", ".gitignore", "backup.sh");
            Git(repo, "commit", "-q", "-m", "fix");
            AtomicFile.SetMode(Path.Combine(repo, ".env"), 0x180);
            _ps.Invoke("New-PlatformEnvTemplate -Path $args[0] -KeepNonSecret -Force", Path.Combine(repo, ".env")).ShouldSucceed();

            // The key and the password are gone from the tree but not from the history: they must be replaced.
            var history = Hygiene(repo);
            Assert.Equal(Verdict.Fail, Check(history, "KeyFilesIgnored").Status);
            Assert.Contains(Check(history, "KeyFilesIgnored").Evidence, e => e.StartsWith("ssl/key.pem (committed in ", StringComparison.Ordinal));
            Assert.Equal(Verdict.Fail, Check(history, "CommittedSecrets").Status);
            Assert.Contains("rotate", Check(history, "CommittedSecrets").Detail, StringComparison.Ordinal);
            Assert.Contains(Check(history, "CommittedSecrets").Evidence, e => e.StartsWith("backup.sh:1 password-assignment (PGPASSWORD) in commit ", StringComparison.Ordinal));

            // Rotated, and the history rewritten (here: a fresh repository with the fixed tree).
            Directory.Delete(Path.Combine(repo, ".git"), true);
            Git(repo, "init", "-q");
            Git(repo, "add", ".");
            Git(repo, "commit", "-q", "-m", "clean start");
            var good = Hygiene(repo);
            Assert.All(good, c => Assert.True(c.Status == Verdict.Pass, $"{c.Check}: {c.Status} {c.Detail} {string.Join("; ", c.Evidence)}"));
            Assert.Contains("ssl/key.pem (ignored)", Check(good, "KeyFilesIgnored").Evidence);
        }

        [Fact]
        [Trait(Category.Name, Category.Docker)]
        public void A_container_with_a_plain_secret_in_its_environment_fails_and_one_with_FILE_passes()
        {
            var project = "po-secrets-" + Guid.NewGuid().ToString("N")[..8];
            var token = TestProcess.KeepSecret("Tk" + Guid.NewGuid().ToString("N"));
            var names = new[] { project + "-plain", project + "-file" };
            try
            {
                Create(names[0], project, "API_TOKEN=" + token, "LOG_LEVEL=debug");
                Create(names[1], project, "API_TOKEN_FILE=/run/secrets/api_token", "REDIS_PASSWORD=");
                var checks = Hygiene(_dir, $"-ComposeProject {project}");
                var c = Check(checks, "ContainerEnvironment");
                Assert.Equal(Verdict.Fail, c.Status);
                Assert.Equal(new[] { names[0] + ": API_TOKEN" }, c.Evidence);
                Assert.Contains("_FILE", c.Remedy);
                Assert.DoesNotContain(token, string.Join("\n", checks.SelectMany(x => x.Evidence.Append(x.Detail))));

                TestProcess.Run("docker", "rm", "-f", names[0]);
                Assert.Equal(Verdict.Pass, Check(Hygiene(_dir, $"-ComposeProject {project}"), "ContainerEnvironment").Status);
            }
            finally
            {
                foreach (var n in names) TestProcess.Run("docker", "rm", "-f", n);
            }

            // The lab platform keeps its secrets in files.
            Assert.Equal(Verdict.Pass, Check(Hygiene(_dir, "-Profile " + Lab.DockerProfile), "ContainerEnvironment").Status);
            // An unreachable engine is a warning, not a crash.
            var down = Check(Hygiene(_dir, "-DockerEndpoint unix:///tmp/no-such-docker.sock -TimeoutSec 2"), "ContainerEnvironment");
            Assert.Equal(Verdict.Warn, down.Status);
        }

        private static void Create(string name, string project, params string[] env)
        {
            // "-e NAME" takes the value from the docker client's environment: a planted secret never meets the command line.
            var options = new ProcessOptions();
            foreach (var e in env) options.Environment[e[..e.IndexOf('=')]] = e[(e.IndexOf('=') + 1)..];
            var args = new[] { "create", "--name", name, "--label", "com.docker.compose.project=" + project, "--network", "none" }
                .Concat(options.Environment.Keys.SelectMany(n => new[] { "-e", n })).Concat(new[] { "platformops-lab/base:1", "/bin/true" });
            var (code, output) = TestProcess.Run("docker", args, options);
            Assert.True(code == 0, output);
        }

        [Fact]
        public void An_env_file_committed_once_and_untracked_since_fails_with_rotate_from_the_history_engine()
        {
            var repo = Path.Combine(_dir, "history");
            Directory.CreateDirectory(repo);
            Git(repo, "init", "-q");
            var password = "Hx7" + Guid.NewGuid().ToString("N")[..14] + "!q";
            File.WriteAllText(Path.Combine(repo, "README.md"), "platform\n");
            File.WriteAllText(Path.Combine(repo, ".env"), $"POSTGRES_USER=agentic\nPOSTGRES_PASSWORD={password}\n");
            AtomicFile.SetMode(Path.Combine(repo, ".env"), 0x180);
            Git(repo, "add", "README.md", ".env");
            Git(repo, "commit", "-q", "-m", "initial");
            // The usual "fix": untrack it and ignore it. The file stays on disk, unchanged, and in the history.
            Git(repo, "rm", "-q", "--cached", ".env");
            File.WriteAllText(Path.Combine(repo, ".gitignore"), ".env\n");
            Git(repo, "add", ".gitignore");
            Git(repo, "commit", "-q", "-m", "stop tracking .env");
            _ps.Invoke("New-PlatformEnvTemplate -Path $args[0] -Force", Path.Combine(repo, ".env")).ShouldSucceed();

            var checks = Hygiene(repo);
            var ignored = Check(checks, "EnvFileIgnored");
            Assert.Equal(Verdict.Fail, ignored.Status);
            Assert.Contains(ignored.Evidence, e => e.StartsWith(".env (committed in ", StringComparison.Ordinal));
            Assert.Contains("Rotate", ignored.Remedy, StringComparison.Ordinal);
            var committed = Check(checks, "CommittedSecrets");
            Assert.Equal(Verdict.Fail, committed.Status);
            Assert.Contains("rotate", committed.Detail, StringComparison.Ordinal);
            Assert.Contains("Rotate", committed.Remedy, StringComparison.Ordinal);

            // The same finding Find-PlatformSecret -History reports.
            var history = _ps.Invoke("Find-PlatformSecret -Path $args[0] -History", repo);
            history.ShouldSucceed();
            var found = history.Objects<SecretFinding>().Where(f => f.Commit != null && f.RelativePath == ".env").ToList();
            Assert.NotEmpty(found);
            Assert.All(found, f => Assert.Contains(committed.Evidence, e => e.StartsWith($".env:{f.Line} {f.Rule}", StringComparison.Ordinal)));
            Assert.DoesNotContain(password, string.Join("\n", checks.SelectMany(c => c.Evidence.Append(c.Detail))));
        }

        [Fact]
        public void The_env_template_keeps_keys_comments_and_order_and_replaces_values()
        {
            var env = Path.Combine(_dir, ".env");
            File.WriteAllText(env, "# Platform\n\nPOSTGRES_USER=agentic\nexport POSTGRES_PASSWORD='Zq9!x7Kp2mWv' # rotate monthly\nAPI_URL=http://127.0.0.1:58009\nREF=${OTHER}\nEMPTY=\n"); // platformops:allow (a fixture value)
            var example = Path.Combine(_dir, ".env.example");
            _ps.Invoke("New-PlatformEnvTemplate -Path $args[0] -WhatIf", env).ShouldSucceed();
            Assert.False(File.Exists(example));

            var r = _ps.Invoke("New-PlatformEnvTemplate -Path $args[0]", env);
            r.ShouldSucceed();
            var result = Assert.Single(r.Objects<EnvTemplateResult>());
            Assert.Equal(5, result.Keys);
            Assert.Equal(3, result.Replaced);
            Assert.Equal("# Platform\n\nPOSTGRES_USER=change-me\nexport POSTGRES_PASSWORD=change-me # rotate monthly\nAPI_URL=change-me\nREF=${OTHER}\nEMPTY=\n",
                File.ReadAllText(example));
            Assert.Equal("PlatformEnvTemplateExists", _ps.Invoke("New-PlatformEnvTemplate -Path $args[0]", env).ErrorId);

            _ps.Invoke("New-PlatformEnvTemplate -Path $args[0] -KeepNonSecret -Placeholder '' -Force", env).ShouldSucceed();
            Assert.Equal("# Platform\n\nPOSTGRES_USER=agentic\nexport POSTGRES_PASSWORD= # rotate monthly\nAPI_URL=http://127.0.0.1:58009\nREF=${OTHER}\nEMPTY=\n",
                File.ReadAllText(example));
        }

        [Fact]
        public void New_secrets_are_random_of_the_asked_length_and_alphabet_and_written_0600()
        {
            var values = Enumerable.Range(0, 20).Select(_ => Secrets(_ps.Invoke("New-PlatformSecret -Length 40 -Alphabet Hex"))).ToList();
            Assert.All(values, v => Assert.Matches("^[0-9a-f]{40}$", v));
            Assert.Equal(values.Count, values.Distinct().Count());
            var symbols = Secrets(_ps.Invoke("New-PlatformSecret 64 -Alphabet Symbols"));
            Assert.Equal(64, symbols.Length);
            Assert.Matches("^[A-Za-z0-9!#%+,\\-.:=?@^_~]+$", symbols);
            Assert.Matches("^[xy]{12}$", Secrets(_ps.Invoke("New-PlatformSecret 12 -Characters xy")));

            var cred = Assert.Single(_ps.Invoke("New-PlatformSecret -UserName app").Objects<PSCredential>());
            Assert.Equal("app", cred.UserName);
            Assert.Equal(32, cred.Password.Length);

            var env = Path.Combine(_dir, "app.env");
            File.WriteAllText(env, "# keep me\nPOSTGRES_USER=agentic\n");
            _ps.Invoke("New-PlatformSecret -Name JWT_SECRET -EnvFile $args[0] -WhatIf", env).ShouldSucceed();
            Assert.DoesNotContain("JWT_SECRET", File.ReadAllText(env));
            var written = Assert.Single(_ps.Invoke("New-PlatformSecret -Name JWT_SECRET -EnvFile $args[0]", env).Objects<PlatformSecret>());
            Assert.Equal(SecretSource.EnvFile, written.Source);
            var lines = File.ReadAllLines(env);
            Assert.Equal("# keep me", lines[0]);
            Assert.Matches("^JWT_SECRET=[A-Za-z0-9]{32}$", lines[2]);
            Assert.Equal("600", AtomicFile.ModeOf(env));
            Assert.Equal("PlatformSecretEntryExists", _ps.Invoke("New-PlatformSecret -Name JWT_SECRET -EnvFile $args[0]", env).ErrorId);
            Assert.Equal(lines[2], File.ReadAllLines(env)[2]);
            _ps.Invoke("New-PlatformSecret -Name JWT_SECRET -EnvFile $args[0] -Force", env).ShouldSucceed();
            Assert.NotEqual(lines[2], File.ReadAllLines(env)[2]);

            var secretFile = Path.Combine(_dir, "secrets", "postgres_password");
            var file = Assert.Single(_ps.Invoke("New-PlatformSecret -SecretFile $args[0] -Length 48", secretFile).Objects<PlatformSecret>());
            Assert.Equal(SecretSource.DockerSecret, file.Source);
            Assert.Equal("600", AtomicFile.ModeOf(secretFile));
            Assert.Equal(48, File.ReadAllText(secretFile).Length);
            Assert.Equal("PlatformSecretFileExists", _ps.Invoke("New-PlatformSecret -SecretFile $args[0]", secretFile).ErrorId);
        }

        private static string Secrets(PowerShellFixture.Result r)
        {
            r.ShouldSucceed();
            return PlatformOps.Common.Sensitive.Reveal(Assert.Single(r.Objects<SecureString>()));
        }

        [Fact]
        public void A_secret_resolves_from_a_Docker_secret_file_then_the_env_file_then_the_environment()
        {
            var secrets = Path.Combine(_dir, "run-secrets");
            Directory.CreateDirectory(secrets);
            var env = Path.Combine(_dir, ".env");
            File.WriteAllText(env, "DB_PASSWORD=from-env-file-1\nONLY_ENV_FILE=from-env-file-2\n");
            File.WriteAllText(Path.Combine(secrets, "db_password"), "from-secret-file\n");
            var name = "PO_TEST_" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
            Environment.SetEnvironmentVariable(name, "from-environment");
            try
            {
                var r = _ps.Invoke("Get-PlatformSecret -Name DB_PASSWORD, ONLY_ENV_FILE, $args[2] -SecretsPath $args[0] -EnvFile $args[1] -NoVault", secrets, env, name);
                r.ShouldSucceed();
                var found = r.Objects<PlatformSecret>().ToList();
                Assert.Equal(new[] { SecretSource.DockerSecret, SecretSource.EnvFile, SecretSource.Environment }, found.Select(f => f.Source).ToArray());
                Assert.Equal("from-secret-file", PlatformOps.Common.Sensitive.Reveal(found[0].Value));
                Assert.Equal("from-env-file-2", PlatformOps.Common.Sensitive.Reveal(found[1].Value));
                Assert.Equal("from-environment", PlatformOps.Common.Sensitive.Reveal(found[2].Value));
                Assert.Equal("env:" + name, found[2].Location);
                var shown = _ps.Invoke("Get-PlatformSecret -Name DB_PASSWORD -SecretsPath $args[0] -NoVault | Format-List * | Out-String", secrets).Transcript;
                Assert.DoesNotContain("from-secret-file", shown);
                Assert.Contains("DockerSecret", shown);

                var cred = Assert.Single(_ps.Invoke("Get-PlatformSecret -Name DB_PASSWORD -EnvFile $args[0] -SecretsPath $args[1] -NoVault -AsCredentialFor agentic", env, _dir).Objects<PSCredential>());
                Assert.Equal("from-env-file-1", cred.GetNetworkCredential().Password);
                var missing = _ps.Invoke("Get-PlatformSecret -Name NOPE_NOT_SET -EnvFile $args[0] -SecretsPath $args[1] -NoVault", env, secrets);
                Assert.Equal("PlatformSecretNotFound", missing.ErrorId);
                Assert.Contains("env:NOPE_NOT_SET", missing.ErrorMessage);
            }
            finally
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }

        [Fact]
        public void A_SecretManagement_vault_comes_first_when_the_module_is_loaded()
        {
            // A stand-in module with the SecretManagement module's name and commands: it proves the order and the call
            // shape; the real module is not on this machine's package feeds.
            var modules = Path.Combine(_dir, "modules", "Microsoft.PowerShell.SecretManagement");
            Directory.CreateDirectory(modules);
            File.WriteAllText(Path.Combine(modules, "Microsoft.PowerShell.SecretManagement.psm1"),
                "function Get-SecretInfo { param($Name) if ($Name -eq 'DB_PASSWORD') { [pscustomobject]@{ Name = $Name; VaultName = 'TestVault' } } }\n" +
                "function Get-Secret { param($Name, $Vault) if ($Name -eq 'DB_PASSWORD' -and $Vault -eq 'TestVault') { ConvertTo-SecureString 'from-vault' -AsPlainText -Force } }\n"); // platformops:allow
            var env = Path.Combine(_dir, ".env");
            File.WriteAllText(env, "DB_PASSWORD=from-env-file\n");
            try
            {
                _ps.Invoke("Import-Module $args[0]", modules).ShouldSucceed();
                var found = _ps.Invoke("Get-PlatformSecret -Name DB_PASSWORD, OTHER -EnvFile $args[0] -SecretsPath $args[1]", env, _dir);
                var secret = Assert.Single(found.Objects<PlatformSecret>());
                Assert.Equal(SecretSource.Vault, secret.Source);
                Assert.Equal("TestVault", secret.Location);
                Assert.Equal("from-vault", PlatformOps.Common.Sensitive.Reveal(secret.Value));
                Assert.Equal(SecretSource.EnvFile, Assert.Single(_ps.Invoke("Get-PlatformSecret -Name DB_PASSWORD -EnvFile $args[0] -NoVault", env).Objects<PlatformSecret>()).Source);
            }
            finally
            {
                _ps.Invoke("Remove-Module Microsoft.PowerShell.SecretManagement -ErrorAction Ignore");
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Containers;

namespace PlatformOps.Secrets
{
    /// <summary>One hygiene check's verdict, with the evidence (names and paths, never values) and what to do.</summary>
    public sealed class SecretHygieneCheck
    {
        /// <summary>EnvFileIgnored, KeyFilesIgnored, EnvFileMode, EnvExampleExists, EnvExampleKeys, EnvExampleValues, CommittedSecrets, ContainerEnvironment.</summary>
        public string Check { get; internal set; } = string.Empty;
        public Verdict Status { get; internal set; }
        /// <summary>The file, folder or Compose project checked.</summary>
        public string Target { get; internal set; } = string.Empty;
        public string Detail { get; internal set; } = string.Empty;
        /// <summary>What was seen: file names, variable names, container names; never a secret's value.</summary>
        public string[] Evidence { get; internal set; } = Array.Empty<string>();
        /// <summary>How to fix it, when it did not pass.</summary>
        public string? Remedy { get; internal set; }

        public override string ToString() => $"{Check}: {Status} - {Detail}";
    }

    internal sealed class HygieneOptions
    {
        public string Folder { get; set; } = ".";
        public string EnvFile { get; set; } = ".env";
        public string ExampleFile { get; set; } = ".env.example";
        /// <summary>Null: do not check containers.</summary>
        public DockerTarget? Docker { get; set; }
        public TimeSpan DockerTimeout { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>Run CommittedSecrets (tracked files and the whole git history); readiness judges committed secrets in an item of its own.</summary>
        public bool IncludeCommitted { get; set; } = true;
    }

    /// <summary>The platform's secret hygiene checks: git ignores, file modes, the env template, committed secrets, container environments.</summary>
    internal static partial class SecretHygieneChecker
    {
        private static readonly string[] EnvPathspecs = { ":(glob)**/.env", ":(glob)**/.env.*" };
        private static readonly string[] KeyFilePatterns = { "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "*.ppk" };

        public static async Task<List<SecretHygieneCheck>> CheckAsync(HygieneOptions options, CancellationToken cancellationToken)
        {
            var checks = new List<SecretHygieneCheck>();
            var folder = Path.GetFullPath(options.Folder);
            var envPath = Path.GetFullPath(Path.Combine(folder, options.EnvFile));
            var examplePath = Path.GetFullPath(Path.Combine(folder, options.ExampleFile));
            var repo = await GitRepository.OpenAsync(folder, cancellationToken).ConfigureAwait(false);
            if (repo != null) await repo.LoadStatusAsync(cancellationToken).ConfigureAwait(false);

            checks.Add(await EnvIgnoredAsync(repo, folder, envPath, cancellationToken).ConfigureAwait(false));
            checks.Add(await KeyFilesIgnoredAsync(repo, folder, cancellationToken).ConfigureAwait(false));
            checks.Add(EnvMode(envPath));
            checks.AddRange(EnvExample(envPath, examplePath));
            if (options.IncludeCommitted) checks.Add(await CommittedAsync(repo, folder, cancellationToken).ConfigureAwait(false));
            if (options.Docker != null) checks.Add(await ContainersAsync(options.Docker, options.DockerTimeout, cancellationToken).ConfigureAwait(false));
            return checks;
        }

        private static SecretHygieneCheck Result(string check, Verdict status, string target, string detail, IEnumerable<string>? evidence = null, string? remedy = null)
            => new SecretHygieneCheck
            {
                Check = check,
                Status = status,
                Target = target,
                Detail = detail,
                Evidence = evidence?.ToArray() ?? Array.Empty<string>(),
                Remedy = status == Verdict.Pass ? null : remedy,
            };

        private static async Task<SecretHygieneCheck> EnvIgnoredAsync(GitRepository? repo, string folder, string envPath, CancellationToken cancellationToken)
        {
            const string check = "EnvFileIgnored";
            if (repo == null)
                return Result(check, Verdict.Warn, folder, "not a git repository: cannot tell whether env files would be committed", null,
                    "Run the check inside the platform's git working tree.");
            var envFiles = Directory.Exists(folder)
                ? Directory.EnumerateFiles(folder, ".env*").Where(f => IsRealEnvFile(Path.GetFileName(f))).ToList()
                : new List<string>();
            if (File.Exists(envPath) && !envFiles.Contains(envPath)) envFiles.Add(envPath);
            if (envFiles.Count == 0)
            {
                var rel = repo.Relative(envPath) ?? Path.GetFileName(envPath);
                var ignored = await repo.CheckIgnoreAsync(new[] { rel }, cancellationToken).ConfigureAwait(false);
                return ignored.Contains(rel)
                    ? Result(check, Verdict.Pass, envPath, "no env file yet, and git would ignore one")
                    : Result(check, Verdict.Warn, envPath, "no env file yet, but git would not ignore one", new[] { rel }, "Add '.env' to .gitignore before creating it.");
            }
            var verdict = IgnoredVerdict(check, folder, repo, envFiles, "env file(s)",
                "git rm --cached the file, add it to .gitignore, commit, and rotate every secret it held: it is in the history.",
                "Add '.env' (and '.env.*' with '!.env.example') to .gitignore.");
            return await WithHistoryAsync(verdict, repo, folder, EnvPathspecs, n => IsRealEnvFile(n), "env file(s)",
                "Rotate every secret those env files held (Find-PlatformSecret -History lists them): removing a file from git does not remove it from the history, and anyone with a clone has it. Keep them ignored.",
                cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Turns a verdict into Fail when files of the kind were committed once and removed since (git rm --cached): still
        /// in every clone's history, so what they held must be rotated.
        /// </summary>
        private static async Task<SecretHygieneCheck> WithHistoryAsync(SecretHygieneCheck verdict, GitRepository repo, string folder, string[] pathspecs,
            Func<string, bool> isKind, string noun, string remedy, CancellationToken cancellationToken)
        {
            var relFolder = repo.Relative(folder) ?? string.Empty;
            var ever = await repo.EverCommittedAsync(pathspecs, cancellationToken).ConfigureAwait(false);
            var gone = ever.Where(p => isKind(p.Key.Substring(p.Key.LastIndexOf('/') + 1))
                                       && (relFolder.Length == 0 || p.Key.StartsWith(relFolder + "/", StringComparison.Ordinal))
                                       && repo.StatusOf(Path.Combine(repo.Root, p.Key)) != GitFileStatus.Tracked)
                           .OrderBy(p => p.Key, StringComparer.Ordinal)
                           .Select(p => $"{p.Key} (committed in {p.Value}, no longer tracked: still in the history)").ToList();
            if (gone.Count == 0) return verdict;
            var detail = $"{gone.Count} {noun} committed in the past: rotate what they held";
            return Result(verdict.Check, Verdict.Fail, verdict.Target, verdict.Status == Verdict.Fail ? verdict.Detail + "; " + detail : detail,
                gone.Concat(verdict.Evidence), verdict.Status == Verdict.Fail ? verdict.Remedy + " " + remedy : remedy);
        }

        /// <summary>Fail when any of the files is tracked, or not ignored (the next 'git add .' commits it); else Pass.</summary>
        private static SecretHygieneCheck IgnoredVerdict(string check, string folder, GitRepository repo, IEnumerable<string> files, string noun,
            string trackedRemedy, string exposedRemedy)
        {
            var tracked = new List<string>();
            var exposed = new List<string>();
            var ok = new List<string>();
            foreach (var f in files)
            {
                var rel = repo.Relative(f) ?? f;
                switch (repo.StatusOf(f))
                {
                    case GitFileStatus.Tracked: tracked.Add(rel + " (tracked)"); break;
                    case GitFileStatus.Ignored: ok.Add(rel + " (ignored)"); break;
                    default: exposed.Add(rel + " (not ignored)"); break;
                }
            }
            if (tracked.Count > 0)
                return Result(check, Verdict.Fail, folder, $"{tracked.Count} {noun} committed", tracked.Concat(exposed).Concat(ok), trackedRemedy);
            if (exposed.Count > 0)
                return Result(check, Verdict.Fail, folder, $"{exposed.Count} {noun} not ignored: the next 'git add .' commits them", exposed.Concat(ok), exposedRemedy);
            return Result(check, Verdict.Pass, folder, $"{ok.Count} {noun}, all ignored by git", ok);
        }

        private static bool IsRealEnvFile(string name)
        {
            if (name != ".env" && !name.StartsWith(".env.", StringComparison.Ordinal)) return false;
            var lower = name.ToLowerInvariant();
            return !(lower.EndsWith(".example", StringComparison.Ordinal) || lower.EndsWith(".sample", StringComparison.Ordinal)
                     || lower.EndsWith(".template", StringComparison.Ordinal) || lower.EndsWith(".dist", StringComparison.Ordinal) || lower.EndsWith(".tmpl", StringComparison.Ordinal));
        }

        internal static bool IsKeyFileName(string name)
        {
            if (name.EndsWith(".pub", StringComparison.OrdinalIgnoreCase)) return false;
            return KeyFilePatterns.Any(p => p.StartsWith("*", StringComparison.Ordinal)
                ? name.EndsWith(p.Substring(1), StringComparison.OrdinalIgnoreCase)
                : string.Equals(name, p, StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>A .pem may be a certificate only; it is a key file when it holds a private key.</summary>
        private static bool HoldsPrivateKey(string path)
        {
            if (!path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase)) return true;
            try
            {
                using var reader = new StreamReader(path);
                var buffer = new char[65536];
                var n = reader.Read(buffer, 0, buffer.Length);
                return new string(buffer, 0, n).IndexOf("PRIVATE KEY-----", StringComparison.Ordinal) >= 0;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return true;
            }
        }

        private static async Task<SecretHygieneCheck> KeyFilesIgnoredAsync(GitRepository? repo, string folder, CancellationToken cancellationToken)
        {
            const string check = "KeyFilesIgnored";
            var found = new List<string>();
            var stack = new Stack<string>();
            stack.Push(folder);
            while (stack.Count > 0)
            {
                var dir = stack.Pop();
                IEnumerable<FileSystemInfo> entries;
                try { entries = new DirectoryInfo(dir).EnumerateFileSystemInfos().ToList(); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { continue; }
                foreach (var e in entries)
                {
                    if ((e.Attributes & FileAttributes.ReparsePoint) != 0) continue;
                    if ((e.Attributes & FileAttributes.Directory) != 0)
                    {
                        if (e.Name == ".git" || e.Name == "node_modules" || (repo != null && repo.IsIgnoredDirectory(e.FullName) && !LooksLikeKeyFolder(e.Name))) continue;
                        stack.Push(e.FullName);
                    }
                    else if (IsKeyFileName(e.Name) && HoldsPrivateKey(e.FullName))
                    {
                        found.Add(e.FullName);
                    }
                }
            }
            if (repo != null)
                foreach (var rel in repo.Tracked(r => IsKeyFileName(r.Substring(r.LastIndexOf('/') + 1))))
                {
                    var full = Path.GetFullPath(Path.Combine(repo.Root, rel));
                    if (!found.Contains(full) && (repo.Relative(folder) is string relFolder && (relFolder.Length == 0 || rel.StartsWith(relFolder + "/", StringComparison.Ordinal))))
                        found.Add(full);
                }
            if (repo == null)
                return found.Count == 0 ? Result(check, Verdict.Pass, folder, "no private key files")
                    : Result(check, Verdict.Warn, folder, $"{found.Count} key file(s); not a git repository, so whether they would be committed is unknown", found);
            var verdict = found.Count == 0 ? Result(check, Verdict.Pass, folder, "no private key files")
                : IgnoredVerdict(check, folder, repo, found, "private key file(s)",
                    "git rm --cached them, ignore them (ssl/*.pem, *.key), commit, and replace the keys: the old ones are in the history.",
                    "Add the key files' patterns (ssl/**/*.pem, *.key) to .gitignore.");
            return await WithHistoryAsync(verdict, repo, folder, KeyFilePatterns.Select(p => ":(glob)**/" + p).ToArray(), IsKeyFileName, "private key file(s)",
                "Replace those keys (new key pairs and certificates): removing a file from git does not remove it from the history.",
                cancellationToken).ConfigureAwait(false);
        }

        private static bool LooksLikeKeyFolder(string name) => name == "ssl" || name == "certs" || name == "tls" || name == "secrets" || name == "keys";

        private static SecretHygieneCheck EnvMode(string envPath)
        {
            const string check = "EnvFileMode";
            if (!File.Exists(envPath)) return Result(check, Verdict.Pass, envPath, "no env file");
            var mode = UnixFile.GetMode(envPath);
            if (mode == null) return Result(check, Verdict.Warn, envPath, "file modes are not checked on this platform (use NTFS ACLs)");
            var octal = Convert.ToString(mode.Value & 0xFFF, 8).PadLeft(4, '0');
            if ((mode.Value & 0x3F) != 0)
                return Result(check, Verdict.Fail, envPath, $"mode {octal}: readable by {((mode.Value & 0x7) != 0 ? "every user" : "its group")}",
                    new[] { $"{Path.GetFileName(envPath)} {octal}" }, $"chmod 600 {envPath}");
            return Result(check, Verdict.Pass, envPath, $"mode {octal}: owner only");
        }

        /// <summary>
        /// CommittedSecrets: the tracked files, and every commit of every ref (the engine of Find-PlatformSecret -History):
        /// a secret that was ever committed is in every clone and must be rotated, even when the file is gone since.
        /// </summary>
        private static async Task<SecretHygieneCheck> CommittedAsync(GitRepository? repo, string folder, CancellationToken cancellationToken)
        {
            const string check = "CommittedSecrets";
            if (repo == null) return Result(check, Verdict.Warn, folder, "not a git repository: nothing is committed");
            var scanner = new SecretScanner(new SecretScanOptions { Paths = new List<string> { folder }, SkipIgnored = true });
            var items = (await scanner.ListAsync(cancellationToken).ConfigureAwait(false)).Where(i => i.Status == GitFileStatus.Tracked).ToList();
            var findings = scanner.Scan(items, cancellationToken).ToList();
            var relFolder = repo.Relative(folder) ?? string.Empty;
            var history = (await new SecretScanner(new SecretScanOptions()).ScanHistoryAsync(repo.Root, cancellationToken).ConfigureAwait(false))
                .Where(f => relFolder.Length == 0 || f.RelativePath.StartsWith(relFolder + "/", StringComparison.Ordinal))
                .ToList();
            // What is still in a tracked file is reported once, as tracked; the rest is only in the history.
            var current = new HashSet<string>(findings.Select(f => f.RelativePath + "\u0001" + f.Rule + "\u0001" + f.Key), StringComparer.Ordinal);
            var pastOnly = history.Where(f => !current.Contains(f.RelativePath + "\u0001" + f.Rule + "\u0001" + f.Key))
                .GroupBy(f => (f.RelativePath, f.Rule, f.Key)).Select(g => g.First()).ToList();
            if (findings.Count == 0 && pastOnly.Count == 0)
                return Result(check, Verdict.Pass, folder, $"no secret in the {items.Count} tracked files or in the git history");
            var evidence = findings.Select(f => $"{f.RelativePath}:{f.Line} {f.Rule}" + (f.Key != null ? $" ({f.Key})" : string.Empty))
                .Concat(pastOnly.Select(f => $"{f.RelativePath}:{f.Line} {f.Rule}" + (f.Key != null ? $" ({f.Key})" : string.Empty) + $" in commit {Short(f.Commit)} (history)"));
            var parts = new List<string>();
            if (findings.Count > 0) parts.Add($"{findings.Count} secret(s) in tracked files");
            if (pastOnly.Count > 0) parts.Add($"{pastOnly.Count} secret(s) committed in the past and still in the git history");
            return Result(check, Verdict.Fail, folder, string.Join("; ", parts) + ": rotate them",
                evidence,
                "Rotate every one of them: a secret that was ever committed is in every clone's history, and removing the file does not remove it. " +
                "Then remove them from the files, read them from Docker secrets or an ignored .env. Find-PlatformSecret -History shows each.");
        }

        private static string Short(string? commit) => commit == null ? "?" : commit.Length > 10 ? commit.Substring(0, 10) : commit;

        /// <summary>Names that carry a secret in a plain environment variable (a *_FILE pointing at /run/secrets is the fix).</summary>
        internal static IEnumerable<string> PlainSecretVariables(IEnumerable<string> environment)
        {
            foreach (var entry in environment)
            {
                var eq = entry.IndexOf('=');
                if (eq <= 0) continue;
                var name = entry.Substring(0, eq);
                var value = entry.Substring(eq + 1);
                if (name.EndsWith("_FILE", StringComparison.OrdinalIgnoreCase)) continue;
                if (SecretText.ClassifyName(name) == SecretNameKind.None)
                {
                    // DATABASE_URL=postgres://app:pw@db: a credential in a URL counts too.
                    if (ContentScanner.Scan(value, FileKind.Config).Any(f => f.Rule == "url-credentials" || f.Severity == SecretSeverity.High)) yield return name;
                    continue;
                }
                if (value.Length == 0 || SecretText.IsPlaceholder(value) || SecretText.IsReference(value)) continue;
                yield return name;
            }
        }

        private static async Task<SecretHygieneCheck> ContainersAsync(DockerTarget docker, TimeSpan timeout, CancellationToken cancellationToken)
        {
            const string check = "ContainerEnvironment";
            var target = docker.ComposeProject ?? docker.Endpoint;
            IReadOnlyList<KeyValuePair<string, IList<string>>> environments;
            try
            {
                using var inspector = new ContainerInspector(docker, timeout);
                environments = await inspector.GetEnvironmentsAsync(docker.ComposeProject, cancellationToken).ConfigureAwait(false);
            }
            catch (PlatformOpsException ex)
            {
                return Result(check, Verdict.Warn, target, "containers not checked: " + ex.Message, null, "Start the Docker engine or pass -SkipContainers.");
            }
            var evidence = new List<string>();
            foreach (var container in environments)
                foreach (var name in PlainSecretVariables(container.Value))
                    evidence.Add($"{container.Key}: {name}");
            if (environments.Count == 0) return Result(check, Verdict.Warn, target, "no container found" + (docker.ComposeProject != null ? $" in Compose project '{docker.ComposeProject}'" : string.Empty));
            if (evidence.Count > 0)
                return Result(check, Verdict.Fail, target, $"{evidence.Count} secret(s) in plain container environment variables", evidence,
                    "Use Docker secrets: mount the value at /run/secrets/NAME and set NAME_FILE=/run/secrets/NAME (postgres, redis and most images read *_FILE).");
            return Result(check, Verdict.Pass, target, $"no plain secret in the environment of {environments.Count} container(s)");
        }
    }
}

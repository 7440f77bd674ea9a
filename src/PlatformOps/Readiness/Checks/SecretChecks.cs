using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Secrets;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// The secret items, on the platform's repository (Readiness.RepositoryPath): its hygiene as Test-PlatformSecretHygiene
    /// judges it (env files ignored and 0600, the template, key files, container environments) and a scan of the
    /// working tree as Find-PlatformSecret makes it. A committed secret is the second item's, so one fault lowers one item.
    /// </summary>
    internal static partial class ReadinessChecklist
    {
        private const string CommittedCheck = "CommittedSecrets";

        private static ReadinessItem SecretHygieneItem()
            => Item("security.secrets-hygiene", Sec, "Secrets hygiene passes", "Test-PlatformSecretHygiene -Path <repository>",
                "env files ignored and private, a template without values, no secret in container environments", SecretHygieneAsync);

        private static ReadinessItem RepositorySecretsItem()
            => Item("security.repository-secrets", Sec, "No secret is committed to the repository", "Find-PlatformSecret -Path <repository>",
                "no secret in a tracked file", RepositorySecretsAsync);

        private static async Task<ReadinessCheck> SecretHygieneAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            var folder = plan.Settings.RepositoryPath;
            if (string.IsNullOrEmpty(folder))
                return d.Skip("the profile names no Readiness.RepositoryPath (the platform's repository, with its .env)");
            if (!System.IO.Directory.Exists(folder)) return d.Fail($"{folder} does not exist (Readiness.RepositoryPath)");
            var options = new HygieneOptions { Folder = folder!, Docker = plan.Docker, DockerTimeout = plan.Timeout, IncludeCommitted = false };
            var checks = (await SecretHygieneChecker.CheckAsync(options, context.CancellationToken).ConfigureAwait(false))
                .Where(c => c.Check != CommittedCheck).ToList();
            var failing = checks.Where(c => c.Status == Verdict.Fail).ToList();
            var warning = checks.Where(c => c.Status == Verdict.Warn).ToList();
            var details = checks.Where(c => c.Status != Verdict.Pass)
                .Select(c => $"{c.Check} ({c.Status}): {c.Detail}" + (c.Remedy == null ? string.Empty : $". {c.Remedy}")).ToList();
            var check = failing.Count > 0
                ? d.Fail($"{failing.Count} of {checks.Count} hygiene checks fail: {Words.Some(failing.Select(c => $"{c.Check}: {c.Detail}"), 2)}", details, checks)
                : warning.Count > 0
                    ? d.Warn($"{warning.Count} of {checks.Count} hygiene checks warn: {Words.Some(warning.Select(c => $"{c.Check}: {c.Detail}"), 2)}", details, checks)
                    : d.Pass($"{checks.Count} of {checks.Count} hygiene checks pass in {folder} ({string.Join(", ", checks.Select(c => c.Check))})", null, checks);
            check.Value = failing.Count + warning.Count;
            check.Unit = "problems";
            return check;
        }

        private static async Task<ReadinessCheck> RepositorySecretsAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var folder = context.Plan.Settings.RepositoryPath;
            if (string.IsNullOrEmpty(folder))
                return d.Skip("the profile names no Readiness.RepositoryPath (the platform's repository to scan)");
            if (!System.IO.Directory.Exists(folder)) return d.Fail($"{folder} does not exist (Readiness.RepositoryPath)");
            var scanner = new SecretScanner(new SecretScanOptions { Paths = new List<string> { folder! }, SkipIgnored = true });
            var items = await scanner.ListAsync(context.CancellationToken).ConfigureAwait(false);
            var findings = scanner.Scan(items, context.CancellationToken).ToList();
            var committed = findings.Where(f => f.GitStatus == GitFileStatus.Tracked || f.GitStatus == GitFileStatus.Staged).ToList();
            var loose = findings.Where(f => f.GitStatus == GitFileStatus.Untracked || f.GitStatus == GitFileStatus.NotInRepository).ToList();
            var details = committed.Concat(loose).Select(f => $"{f.RelativePath}:{f.Line} {f.Rule} {f.Redacted} ({f.GitStatus})").ToList();
            var tracked = items.Count(i => i.Status == GitFileStatus.Tracked);
            var where = scanner.Repository == null ? $"{Words.Plural(items.Count, "file")} in {folder} (not a git repository)" : $"{Words.Plural(tracked, "tracked file")} of {scanner.Repository.Root}";
            ReadinessCheck check;
            if (committed.Count > 0)
                check = d.Fail($"{Words.Plural(committed.Count, "secret")} committed: {Words.Some(committed.Select(f => $"{f.RelativePath}:{f.Line} ({f.Rule})"), 3)}", details, findings);
            else if (loose.Count > 0)
                check = d.Warn($"{Words.Plural(loose.Count, "secret")} in files git does not ignore (the next 'git add .' commits them): {Words.Some(loose.Select(f => $"{f.RelativePath}:{f.Line}"), 3)}", details, findings);
            else
                check = d.Pass($"no secret in {where} ({Words.Size(scanner.Statistics.BytesScanned)} scanned)", null, findings);
            check.Value = committed.Count + loose.Count;
            check.Unit = "findings";
            return check;
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using System.Diagnostics;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>The scans that read git rather than the working tree: the staged index (pre-commit) and the history.</summary>
    internal sealed partial class SecretScanner
    {
        /// <summary>Scans the staged (index) copies of added and modified files: what the next commit would contain.</summary>
        public async Task<List<SecretFinding>> ScanStagedAsync(string path, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var repo = await GitRepository.OpenAsync(Path.GetFullPath(path), cancellationToken).ConfigureAwait(false)
                ?? throw new PlatformOpsException("PlatformSecretNotARepository", ErrorCategory.InvalidArgument, path,
                    $"'{Path.GetFullPath(path)}' is not inside a git repository, so there is nothing staged. Scan the folder without -Staged.");
            Repository = repo;
            LoadConfiguration();
            var staged = await repo.StagedAsync(cancellationToken).ConfigureAwait(false);
            var findings = new List<SecretFinding>();
            foreach (var file in staged)
            {
                if (Excluded(file.Key)) continue;
                Statistics.FilesListed++;
                if (BinaryExtensions.Contains(Path.GetExtension(file.Key)) || IsBinary(file.Value)) { Statistics.SkippedBinary++; continue; }
                if (file.Value.Length > _options.MaxFileBytes) { Statistics.SkippedLarge++; continue; }
                if (Rules.Allow.Paths.Any(p => p.IsMatch(file.Key))) continue;
                Statistics.FilesScanned++;
                Statistics.BytesScanned += file.Value.Length;
                var found = ScanBytes(file.Value, Path.Combine(repo.Root, file.Key.Replace('/', Path.DirectorySeparatorChar)), file.Key, GitFileStatus.Staged, null);
                if (found != null) findings.AddRange(found.Where(f => f.Severity >= _options.MinimumSeverity && !IsIgnored(f)));
            }
            Statistics.Findings += findings.Count;
            Statistics.Elapsed += clock.Elapsed;
            return findings;
        }

        /// <summary>Scans the lines every commit of every ref added.</summary>
        public async Task<List<SecretFinding>> ScanHistoryAsync(string path, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var repo = await GitRepository.OpenAsync(Path.GetFullPath(path), cancellationToken).ConfigureAwait(false)
                ?? throw new PlatformOpsException("PlatformSecretNotARepository", ErrorCategory.InvalidArgument, path,
                    $"'{Path.GetFullPath(path)}' is not inside a git repository, so it has no history. Scan the folder without -History.");
            Repository ??= repo;
            LoadConfiguration();
            var findings = new List<SecretFinding>();
            await repo.HistoryAsync(chunk =>
            {
                Statistics.HistoryChunks++;
                if (Excluded(chunk.Path) || BinaryExtensions.Contains(Path.GetExtension(chunk.Path))) return;
                if (Rules.Allow.Paths.Any(p => p.IsMatch(chunk.Path))) return;
                var raw = ContentScanner.Scan(chunk.Text.ToString(), ContentScanner.KindOf(chunk.Path), chunk.Path, Rules);
                var found = ToFindings(raw, Path.Combine(repo.Root, chunk.Path.Replace('/', Path.DirectorySeparatorChar)), chunk.Path,
                    GitFileStatus.Committed, chunk.Commit, chunk.Lines, _options.KeepSecrets);
                if (found != null) findings.AddRange(found.Where(f => f.Severity >= _options.MinimumSeverity && !IsIgnored(f)));
            }, cancellationToken).ConfigureAwait(false);
            Statistics.Findings += findings.Count;
            Statistics.Elapsed += clock.Elapsed;
            return findings;
        }
    }
}

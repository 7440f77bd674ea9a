using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.SecretHygiene
{
    /// <summary>
    /// Scans a folder or git repository (working tree, staged index or history) for committed or about-to-be-committed
    /// secrets; writes one redacted finding per secret.
    /// </summary>
    [Cmdlet(VerbsCommon.Find, "PlatformSecret", DefaultParameterSetName = TreeSet)]
    [OutputType(typeof(SecretFinding))]
    public sealed class FindPlatformSecretCommand : PlatformCmdlet
    {
        private const string TreeSet = "WorkingTree";
        private const string StagedSet = "Staged";
        private readonly List<string> _paths = new List<string>();

        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(ParameterSetName = StagedSet, Mandatory = true)]
        public SwitchParameter Staged { get; set; }

        [Parameter(ParameterSetName = TreeSet)]
        public SwitchParameter History { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Exclude { get; set; }

        [Parameter(ParameterSetName = TreeSet)]
        public SwitchParameter SkipIgnored { get; set; }

        [Parameter(ParameterSetName = TreeSet)]
        public SwitchParameter IncludeIgnoredFolders { get; set; }

        [Parameter]
        [ValidateRange(1, 1024)]
        public int MaxFileSizeMB { get; set; } = 10;

        [Parameter]
        public SecretSeverity MinimumSeverity { get; set; } = SecretSeverity.Low;

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = SecretScanOptions.DefaultParallelism;

        protected override void ProcessRecord()
        {
            if (Path == null) return;
            foreach (var p in Path)
            {
                if (WildcardPattern.ContainsWildcardCharacters(p))
                {
                    try
                    {
                        _paths.AddRange(GetResolvedProviderPathFromPSPath(p, out _));
                    }
                    catch (ItemNotFoundException)
                    {
                        Report("PlatformSecretPathNotFound", ErrorCategory.ObjectNotFound, p, $"Nothing matches '{p}'.");
                    }
                }
                else
                {
                    _paths.Add(GetUnresolvedProviderPathFromPSPath(p));
                }
            }
        }

        protected override void EndProcessing()
        {
            if (_paths.Count == 0) _paths.Add(SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            var options = new SecretScanOptions
            {
                Paths = _paths,
                Exclude = Exclude ?? Array.Empty<string>(),
                SkipIgnored = SkipIgnored,
                IncludeIgnoredFolders = IncludeIgnoredFolders,
                MaxFileBytes = MaxFileSizeMB * 1024L * 1024L,
                Parallelism = ThrottleLimit,
                MinimumSeverity = MinimumSeverity,
            };
            var scanner = new SecretScanner(options);
            try
            {
                if (Staged)
                {
                    foreach (var f in Await(ct => scanner.ScanStagedAsync(_paths[0], ct))) WriteObject(f);
                }
                else
                {
                    ScanTree(scanner);
                    if (History)
                    {
                        WriteProgress(new ProgressRecord(1, "Scanning for secrets", "Reading git history (git log -p --all)"));
                        foreach (var p in _paths.Take(1))
                            foreach (var f in Await(ct => scanner.ScanHistoryAsync(p, ct))) WriteObject(f);
                    }
                }
                WriteVerbose("Scanned " + scanner.Statistics + (scanner.Repository != null ? $" (git repository {scanner.Repository.Root})" : " (not a git repository)"));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
            finally
            {
                WriteProgress(new ProgressRecord(1, "Scanning for secrets", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        private void ScanTree(SecretScanner scanner)
        {
            Await(ct => scanner.PrepareAsync(ct));
            if (scanner.Repository != null) WriteVerbose($"git tracks {scanner.Repository.TrackedCount} files in {scanner.Repository.Root}.");
            var clock = Stopwatch.StartNew();
            var lastProgress = TimeSpan.Zero;
            IEnumerator<SecretFinding>? e = null;
            try
            {
                e = scanner.ScanTree(CancellationToken, (done, listed) =>
                {
                    if (clock.Elapsed - lastProgress < TimeSpan.FromMilliseconds(250)) return;
                    lastProgress = clock.Elapsed;
                    WriteProgress(new ProgressRecord(1, "Scanning for secrets", $"{done} of {listed} files listed so far"));
                }).GetEnumerator();
                while (true)
                {
                    bool more;
                    try
                    {
                        more = e.MoveNext();
                    }
                    catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
                    {
                        throw new PipelineStoppedException();
                    }
                    if (!more) break;
                    WriteObject(e.Current);
                }
            }
            finally
            {
                e?.Dispose();
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>What Find-PlatformSecret writes.</summary>
    public enum SecretOutputFormat
    {
        /// <summary>One SecretFinding object per secret.</summary>
#pragma warning disable CA1720 // "Object" is what an operator types: -OutputFormat Object
        Object,
#pragma warning restore CA1720
        /// <summary>One SARIF 2.1.0 document (a string) for code-scanning dashboards.</summary>
        Sarif,
    }

    /// <summary>
    /// Scans a folder or git repository (working tree, staged index or history) for committed or about-to-be-committed
    /// secrets; writes one redacted finding per secret, or a SARIF document. Honours the repository's .gitleaks.toml and
    /// .gitleaksignore, reports only what is new against a baseline, and can verify the platform's own credentials.
    /// </summary>
    [Cmdlet(VerbsCommon.Find, "PlatformSecret", DefaultParameterSetName = TreeSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SecretFinding), typeof(string))]
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

        /// <summary>A gitleaks configuration file to use instead of the repository's own .gitleaks.toml.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Config { get; set; }

        /// <summary>Ignore the repository's .gitleaks.toml and .gitleaksignore: the built-in rules only.</summary>
        [Parameter]
        public SwitchParameter NoRepositoryConfig { get; set; }

        /// <summary>A baseline file (from -UpdateBaseline): only findings not in it are written.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Baseline { get; set; }

        /// <summary>Write every current finding to the -Baseline file (accepting them).</summary>
        [Parameter]
        public SwitchParameter UpdateBaseline { get; set; }

        [Parameter]
        public SecretOutputFormat OutputFormat { get; set; } = SecretOutputFormat.Object;

        /// <summary>Try each PostgreSQL or Redis credential found against the profile's own servers: Live, Rejected or Unknown.</summary>
        [Parameter]
        public SwitchParameter Verify { get; set; }

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
            if (UpdateBaseline && Baseline == null)
                Fail("PlatformSecretBaselineMissing", ErrorCategory.InvalidArgument, null, "-UpdateBaseline needs -Baseline with the file to write, e.g. -Baseline .secrets.baseline.json -UpdateBaseline.");
            var options = new SecretScanOptions
            {
                Paths = _paths,
                Exclude = Exclude ?? Array.Empty<string>(),
                SkipIgnored = SkipIgnored,
                IncludeIgnoredFolders = IncludeIgnoredFolders,
                MaxFileBytes = MaxFileSizeMB * 1024L * 1024L,
                Parallelism = ThrottleLimit,
                MinimumSeverity = MinimumSeverity,
                ConfigPath = Config == null ? null : GetUnresolvedProviderPathFromPSPath(Config),
                UseRepositoryConfig = !NoRepositoryConfig,
                KeepSecrets = Verify,
            };
            var scanner = new SecretScanner(options);
            var baselinePath = Baseline == null ? null : GetUnresolvedProviderPathFromPSPath(Baseline);
            try
            {
                var baseline = baselinePath != null && !UpdateBaseline ? Secrets.Baseline.Load(baselinePath) : null;
                // Streaming is kept for the plain case; a baseline update, SARIF and -Verify need every finding first.
                var collect = UpdateBaseline || OutputFormat == SecretOutputFormat.Sarif || Verify;
                var all = new List<SecretFinding>();
                var known = 0;
                void Emit(SecretFinding f)
                {
                    if (baseline != null && baseline.Contains(f)) { known++; return; }
                    if (collect) all.Add(f); else WriteObject(f);
                }
                if (Staged)
                {
                    foreach (var f in Await(ct => scanner.ScanStagedAsync(_paths[0], ct))) Emit(f);
                }
                else
                {
                    ScanTree(scanner, Emit);
                    if (History)
                    {
                        WriteProgress(new ProgressRecord(1, "Scanning for secrets", "Reading git history (git log -p --all)"));
                        foreach (var p in _paths.Take(1))
                            foreach (var f in Await(ct => scanner.ScanHistoryAsync(p, ct))) Emit(f);
                    }
                }
                WriteVerbose("Scanned " + scanner.Statistics + (scanner.Repository != null ? $" (git repository {scanner.Repository.Root})" : " (not a git repository)"));
                WriteVerbose(scanner.ConfigFile != null ? $"Rules: {scanner.Rules.Rules.Count} from {scanner.ConfigFile}" : $"Rules: the {scanner.Rules.Rules.Count} built-in rules and the name-based assignment rule");
                if (scanner.IgnoredCount > 0) WriteVerbose($"{scanner.IgnoredCount} finding(s) left out: .gitleaksignore names them.");
                if (baseline != null) WriteVerbose($"{known} finding(s) left out: the baseline {baseline.Path} holds them ({baseline.Count} entries).");
                if (Verify) RunVerification(all);
                if (UpdateBaseline && ShouldProcess(baselinePath, $"Write a baseline of {all.Count} finding(s)"))
                {
                    Secrets.Baseline.Write(baselinePath!, all);
                    WriteVerbose($"Wrote {all.Count} finding(s) to the baseline {baselinePath}.");
                }
                foreach (var f in all) f.Secret = null;
                if (!collect) return;
                if (OutputFormat == SecretOutputFormat.Sarif)
                    WriteObject(Sarif.Write(all, typeof(FindPlatformSecretCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"));
                else
                    foreach (var f in all) WriteObject(f);
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

        private void RunVerification(List<SecretFinding> findings)
        {
            var profile = EffectiveProfile;
            if (profile == null)
                WriteWarning("-Verify: no platform profile (Import-PlatformProfile or -Profile), so no credential can be tried; every finding is Unknown.");
            var verifier = new SecretVerifier(profile);
            WriteProgress(new ProgressRecord(2, "Verifying secrets", $"Trying {findings.Count} finding(s) against the platform's own servers"));
            try
            {
                Await(ct => verifier.VerifyAsync(findings, ct));
            }
            finally
            {
                WriteProgress(new ProgressRecord(2, "Verifying secrets", "Done") { RecordType = ProgressRecordType.Completed });
            }
            WriteVerbose($"-Verify: {verifier.Attempts} distinct credential(s) tried; {findings.Count(f => f.Verification == SecretVerification.Live)} live, {findings.Count(f => f.Verification == SecretVerification.Rejected)} rejected.");
        }

        private void ScanTree(SecretScanner scanner, Action<SecretFinding> emit)
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
                    emit(e.Current);
                }
            }
            finally
            {
                e?.Dispose();
            }
        }
    }
}

using System;

namespace PlatformOps.Secrets
{
    /// <summary>One secret found by Find-PlatformSecret. The value itself is never kept, only its redacted form.</summary>
    public sealed class SecretFinding
    {
        /// <summary>The file's full path (for history findings: its path in the repository at that commit).</summary>
        public string Path { get; internal set; } = string.Empty;
        /// <summary>The path relative to the scanned folder or repository root, with '/' separators.</summary>
        public string RelativePath { get; internal set; } = string.Empty;
        public int Line { get; internal set; }
        public int Column { get; internal set; }
        /// <summary>The rule id: private-key, aws-access-key-id, github-token, url-credentials, password-assignment, ...</summary>
        public string Rule { get; internal set; } = string.Empty;
        public string Description { get; internal set; } = string.Empty;
        public SecretSeverity Severity { get; internal set; }
        /// <summary>The variable or key the value is assigned to (or scheme://user@host for URLs), when there is one.</summary>
        public string? Key { get; internal set; }
        /// <summary>The secret redacted: at most a known non-secret prefix (ghp_, AKIA) and its length.</summary>
        public string Redacted { get; internal set; } = string.Empty;
        /// <summary>Tracked, Untracked, Ignored, Staged, Committed (history) or NotInRepository.</summary>
        public GitFileStatus GitStatus { get; internal set; }
        /// <summary>The commit that added it (history findings only).</summary>
        public string? Commit { get; internal set; }

        /// <summary>gitleaks' fingerprint (file:rule:line, or commit:file:rule:line for history): one line of a .gitleaksignore.</summary>
        public string Fingerprint => (Commit != null ? Commit + ":" : string.Empty) + RelativePath + ":" + Rule + ":" + Line;
        /// <summary>With -Verify: Live (the platform accepted it), Rejected, or Unknown (not a platform credential, or the server could not be asked).</summary>
        public SecretVerification Verification { get; internal set; }
        /// <summary>With -Verify: what was tried (server and user), never the secret.</summary>
        public string? VerificationDetail { get; internal set; }

        /// <summary>The secret itself, for the baseline hash and -Verify; internal and cleared after the scan, never written out.</summary>
        internal string? Secret;
        /// <summary>SHA-256 of the rule and the secret: how a baseline recognises a finding that moved to another line.</summary>
        internal string SecretHash = string.Empty;

        public override string ToString() => $"{RelativePath}:{Line} {Rule} {Redacted}";
    }

    /// <summary>What -Verify found out about a finding.</summary>
    public enum SecretVerification
    {
        /// <summary>Not verified (no -Verify).</summary>
        NotVerified = 0,
        /// <summary>The platform's own server accepted the credential: rotate it first.</summary>
        Live = 1,
        /// <summary>The platform's server refused it (rotated already, or never valid there).</summary>
        Rejected = 2,
        /// <summary>Not a credential of this platform, or the server could not be asked.</summary>
        Unknown = 3,
    }

    /// <summary>What one scan covered, for -Verbose and benchmarks.</summary>
    public sealed class SecretScanStatistics
    {
        public int FilesListed { get; internal set; }
        public int FilesScanned { get; internal set; }
        public long BytesScanned { get; internal set; }
        public int SkippedBinary { get; internal set; }
        public int SkippedLarge { get; internal set; }
        public int Unreadable { get; internal set; }
        public int Findings { get; internal set; }
        public int HistoryChunks { get; internal set; }
        public TimeSpan Elapsed { get; internal set; }

        public override string ToString()
            => $"{FilesScanned} of {FilesListed} files ({BytesScanned / 1048576.0:0.0} MB) in {Elapsed.TotalSeconds:0.00} s: {Findings} findings; skipped {SkippedBinary} binary, {SkippedLarge} too large, {Unreadable} unreadable"
               + (HistoryChunks > 0 ? $"; {HistoryChunks} file changes in history" : string.Empty);
    }
}

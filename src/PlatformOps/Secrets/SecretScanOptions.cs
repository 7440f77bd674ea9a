using System;
using System.Collections.Generic;

namespace PlatformOps.Secrets
{
    internal sealed class SecretScanOptions
    {
        /// <summary>Files or folders to scan.</summary>
        public IList<string> Paths { get; set; } = new List<string>();
        /// <summary>Wildcards matched against the relative path and the file name.</summary>
        public IList<string> Exclude { get; set; } = new List<string>();
        /// <summary>Skip every file git ignores (default: ignored files are scanned, ignored folders are not).</summary>
        public bool SkipIgnored { get; set; }
        /// <summary>Walk folders git ignores too (node_modules, bin, .venv ...).</summary>
        public bool IncludeIgnoredFolders { get; set; }
        public long MaxFileBytes { get; set; } = 10L * 1024 * 1024;
        /// <summary>Files scanned at once: twice the cores, so that one thread's open/read (or a GC pause) overlaps another's scan.</summary>
        public int Parallelism { get; set; } = DefaultParallelism;

        public static int DefaultParallelism => Math.Max(2, 2 * Environment.ProcessorCount);
        public SecretSeverity MinimumSeverity { get; set; } = SecretSeverity.Low;
        /// <summary>A gitleaks configuration to use; null: the scanned repository's own .gitleaks.toml when it has one (see <see cref="UseRepositoryConfig"/>).</summary>
        public string? ConfigPath { get; set; }
        /// <summary>Read .gitleaks.toml and .gitleaksignore at the root of the scanned repository or folder.</summary>
        public bool UseRepositoryConfig { get; set; } = true;
        /// <summary>Keep each secret in memory on its finding (for -Verify); cleared by the caller.</summary>
        public bool KeepSecrets { get; set; }
    }

    /// <summary>A file to scan and what git says of it.</summary>
    internal sealed class ScanItem
    {
        public ScanItem(string fullPath, string relativePath, GitFileStatus status)
        {
            FullPath = fullPath;
            RelativePath = relativePath;
            Status = status;
        }

        public string FullPath { get; }
        public string RelativePath { get; }
        public GitFileStatus Status { get; }
    }
}

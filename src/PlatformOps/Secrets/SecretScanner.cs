using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>
    /// Scans files for secrets: lists the tree once (git status from two batched calls), reads and scans files on every
    /// core, and hands findings back in file order to the one thread that writes them.
    /// </summary>
    internal sealed partial class SecretScanner
    {
        private static readonly HashSet<string> BinaryExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z",
            ".rar", ".tar", ".jar", ".war", ".pdf", ".dll", ".exe", ".so", ".dylib", ".a", ".o", ".obj", ".lib", ".class", ".pyc", ".pyo", ".whl",
            ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".mov", ".avi", ".mkv", ".wav", ".flac", ".ogg", ".webm", ".db", ".sqlite",
            ".sqlite3", ".parquet", ".pack", ".idx", ".nupkg", ".snk", ".pdb", ".bin", ".dat", ".onnx", ".pt", ".safetensors", ".h5", ".npy", ".npz",
        };

        private readonly SecretScanOptions _options;
        private readonly WildcardPattern[] _exclude;

        public SecretScanner(SecretScanOptions options)
        {
            _options = options;
            _exclude = options.Exclude.Select(e => new WildcardPattern(e.Replace('\\', '/'), WildcardOptions.IgnoreCase)).ToArray();
        }

        public SecretScanStatistics Statistics { get; } = new SecretScanStatistics();
        public GitRepository? Repository { get; private set; }
        /// <summary>The rules in force: the defaults, or a gitleaks configuration's.</summary>
        public RuleSet Rules { get; private set; } = RuleSet.Default;
        /// <summary>The gitleaks configuration file in force, if any.</summary>
        public string? ConfigFile { get; private set; }
        /// <summary>Fingerprints from .gitleaksignore: findings that are never reported.</summary>
        public HashSet<string> Ignored { get; private set; } = new HashSet<string>(StringComparer.Ordinal);
        /// <summary>Findings left out because .gitleaksignore names them.</summary>
        public int IgnoredCount => _ignoredCount;
        private int _ignoredCount;

        private bool Excluded(string relative)
        {
            if (_exclude.Length == 0) return false;
            var name = relative.Substring(relative.LastIndexOf('/') + 1);
            return _exclude.Any(p => p.IsMatch(relative) || p.IsMatch(name));
        }

        private readonly List<KeyValuePair<string, GitRepository?>> _roots = new List<KeyValuePair<string, GitRepository?>>();

        /// <summary>Checks the paths and asks git (two batched calls per repository) which files it tracks and ignores.</summary>
        public async Task PrepareAsync(CancellationToken cancellationToken)
        {
            _roots.Clear();
            foreach (var raw in _options.Paths)
            {
                var path = Path.GetFullPath(raw);
                if (!File.Exists(path) && !Directory.Exists(path))
                    throw new PlatformOpsException("PlatformSecretPathNotFound", ErrorCategory.ObjectNotFound, raw, $"'{path}' does not exist.");
                var repo = _roots.Select(r => r.Value).FirstOrDefault(r => r != null && r.Relative(path) != null);
                if (repo == null)
                {
                    repo = await GitRepository.OpenAsync(path, cancellationToken).ConfigureAwait(false);
                    if (repo != null) await repo.LoadStatusAsync(cancellationToken).ConfigureAwait(false);
                    Repository ??= repo;
                }
                _roots.Add(new KeyValuePair<string, GitRepository?>(path, repo));
            }
            LoadConfiguration();
        }

        /// <summary>Lists the files under the paths, with their git status.</summary>
        public async Task<List<ScanItem>> ListAsync(CancellationToken cancellationToken)
        {
            await PrepareAsync(cancellationToken).ConfigureAwait(false);
            var items = new List<ScanItem>();
            Walk(batch => items.AddRange(batch), cancellationToken);
            Statistics.FilesListed = items.Count;
            return items;
        }

        /// <summary>Walks the prepared paths (symlinks not followed, .git and ignored folders skipped), one batch per folder.</summary>
        private void Walk(Action<List<ScanItem>> emit, CancellationToken cancellationToken)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var root in _roots)
            {
                var path = root.Key;
                var repo = root.Value;
                var baseFolder = Directory.Exists(path) ? path : Path.GetDirectoryName(path) ?? ".";
                if (File.Exists(path))
                {
                    var single = new List<ScanItem>();
                    Add(single, path, baseFolder, repo);
                    emit(single);
                    continue;
                }
                var stack = new Stack<string>();
                stack.Push(path);
                while (stack.Count > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var dir = stack.Pop();
                    List<FileSystemInfo> entries;
                    try
                    {
                        entries = new DirectoryInfo(dir).EnumerateFileSystemInfos().ToList();
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        Statistics.Unreadable++;
                        continue;
                    }
                    var subdirs = new List<string>();
                    var batch = new List<ScanItem>();
                    entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                    foreach (var entry in entries)
                    {
                        if ((entry.Attributes & FileAttributes.ReparsePoint) != 0) continue;   // symlinks: not followed
                        if ((entry.Attributes & FileAttributes.Directory) != 0)
                        {
                            if (entry.Name == ".git") continue;
                            if (repo != null && !_options.IncludeIgnoredFolders && repo.IsIgnoredDirectory(entry.FullName)) continue;
                            if (Excluded(RelativeTo(baseFolder, entry.FullName) + "/")) continue;
                            subdirs.Add(entry.FullName);
                        }
                        else
                        {
                            Add(batch, entry.FullName, baseFolder, repo);
                        }
                    }
                    if (batch.Count > 0) emit(batch);
                    for (var i = subdirs.Count - 1; i >= 0; i--) stack.Push(subdirs[i]);
                }
            }

            void Add(List<ScanItem> batch, string file, string baseFolder, GitRepository? repo)
            {
                if (!seen.Add(file)) return;
                var relative = RelativeTo(baseFolder, file);
                if (Excluded(relative)) return;
                var status = repo?.StatusOf(file) ?? GitFileStatus.NotInRepository;
                if (_options.SkipIgnored && status == GitFileStatus.Ignored) return;
                batch.Add(new ScanItem(file, relative, status));
            }
        }

        private static string RelativeTo(string baseFolder, string path)
        {
            var b = baseFolder.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? baseFolder : baseFolder + Path.DirectorySeparatorChar;
            var rel = path.StartsWith(b, StringComparison.Ordinal) ? path.Substring(b.Length) : Path.GetFileName(path);
            return rel.Replace('\\', '/');
        }

        private enum FileOutcome { Scanned, Binary, Large, Unreadable }

        private FileOutcome ScanFile(ScanItem item, ref byte[] buffer, out long size, out List<SecretFinding>? found)
        {
            size = 0;
            found = null;
            if (BinaryExtensions.Contains(Path.GetExtension(item.FullPath))) return FileOutcome.Binary;
            int read;
            try
            {
                using var stream = new FileStream(item.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
                var length = stream.Length;
                if (length > _options.MaxFileBytes) return FileOutcome.Large;
                if (buffer.Length < length) buffer = new byte[Math.Max(length, buffer.Length * 2L)];
                read = 0;
                while (read < length)
                {
                    var r = stream.Read(buffer, read, (int)length - read);
                    if (r == 0) break;
                    read += r;
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return FileOutcome.Unreadable;
            }
            size = read;
            if (read == 0) return FileOutcome.Scanned;
            if (IsBinary(buffer, read)) return FileOutcome.Binary;
            if (Rules.Allow.Paths.Count > 0 && Rules.Allow.Paths.Any(p => p.IsMatch(item.RelativePath))) return FileOutcome.Scanned;
            found = ScanText(buffer, read, item.FullPath, item.RelativePath, item.Status, null);
            return FileOutcome.Scanned;
        }

        private List<SecretFinding>? ScanText(byte[] data, int count, string path, string relativePath, GitFileStatus status, string? commit)
        {
            var offset = count >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF ? 3 : 0;
            if (!Rules.MayContainSecret(data, offset, count - offset, relativePath)) return null;
            var text = Encoding.UTF8.GetString(data, offset, count - offset);
            return ToFindings(ContentScanner.Scan(text, ContentScanner.KindOf(path), relativePath, Rules), path, relativePath, status, commit, null, _options.KeepSecrets);
        }

        /// <summary>Scans one file's bytes; null when binary or when nothing was found.</summary>
        internal List<SecretFinding>? ScanBytes(byte[] data, string path, string relativePath, GitFileStatus status, string? commit)
        {
            if (data.Length == 0 || IsBinary(data)) return null;
            return ScanText(data, data.Length, path, relativePath, status, commit);
        }

        internal static List<SecretFinding>? ToFindings(List<RawFinding> raw, string path, string relativePath, GitFileStatus status, string? commit, IList<int>? lineMap, bool keepSecrets = false)
        {
            if (raw.Count == 0) return null;
            return raw.Select(r => new SecretFinding
            {
                Path = path,
                RelativePath = relativePath,
                Line = lineMap != null && r.Line - 1 < lineMap.Count ? lineMap[r.Line - 1] : r.Line,
                Column = r.Column,
                Rule = r.Rule,
                Description = r.Description,
                Severity = r.Severity,
                Key = r.Key,
                Redacted = r.Redacted,
                GitStatus = status,
                Commit = commit,
                SecretHash = Baseline.Hash(r.Rule, r.Secret),
                Secret = keepSecrets ? r.Secret : null,
            }).ToList();
        }

        /// <summary>A NUL byte in the first 8000 bytes means binary, as git decides.</summary>
        internal static bool IsBinary(byte[] data) => IsBinary(data, data.Length);

        internal static bool IsBinary(byte[] data, int count) => Array.IndexOf(data, (byte)0, 0, Math.Min(count, 8000)) >= 0;
    }
}

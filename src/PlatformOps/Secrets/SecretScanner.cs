using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using PlatformOps.Common;

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

        /// <summary>
        /// The files to scan, numbered in listing order: the walker (or a list given whole) writes them, every worker reads.
        /// The findings come back through a second channel and are put in this order again (<see cref="ScanQueue"/>).
        /// </summary>
        private sealed class ScanQueue
        {
            private readonly Channel<(int Index, ScanItem Item)> _channel =
                Channel.CreateUnbounded<(int Index, ScanItem Item)>(new UnboundedChannelOptions { SingleWriter = true });
            private int _count;

            public ScanQueue(IEnumerable<ScanItem>? items = null)
            {
                if (items == null) return;
                foreach (var item in items) Add(item);
                Complete();
            }

            /// <summary>Files listed so far.</summary>
            public int Count => Volatile.Read(ref _count);

            public ChannelReader<(int Index, ScanItem Item)> Reader => _channel.Reader;

            public void Add(List<ScanItem> batch)
            {
                foreach (var item in batch) Add(item);
            }

            private void Add(ScanItem item) => _channel.Writer.TryWrite((Interlocked.Increment(ref _count) - 1, item));

            public void Complete() => _channel.Writer.TryComplete();
        }

        /// <summary>What a worker hands back for one file: its findings (null: none), or the failure that stopped it.</summary>
        private sealed class ScanResult
        {
            public ScanResult(int index, ScanItem? item, List<SecretFinding>? found, Exception? failure)
            {
                Index = index;
                Item = item;
                Found = found;
                Failure = failure;
            }

            public int Index { get; }
            /// <summary>Null only for a failure before the worker took a file.</summary>
            public ScanItem? Item { get; }
            public List<SecretFinding>? Found { get; }
            public Exception? Failure { get; }
        }

        /// <summary>
        /// Walks and scans at once: a walker thread lists files while the workers scan those already listed; findings
        /// come back in listing order on the calling thread. <paramref name="progress"/> gets (files done, files listed).
        /// </summary>
        public IEnumerable<SecretFinding> ScanTree(CancellationToken cancellationToken, Action<int, int>? progress = null)
        {
            var feed = new ScanQueue();
            Exception? walkFailure = null;
            var walker = Task.Run(() =>
            {
                try
                {
                    Walk(feed.Add, cancellationToken);
                }
                catch (Exception ex)
                {
                    walkFailure = ex;
                }
                finally
                {
                    feed.Complete();
                }
            }, CancellationToken.None);
            try
            {
                foreach (var f in ScanFeed(feed, done => progress?.Invoke(done, feed.Count), cancellationToken)) yield return f;
            }
            finally
            {
                walker.Wait();
                Statistics.FilesListed = feed.Count;
            }
            if (walkFailure is OperationCanceledException) throw walkFailure;
            if (walkFailure != null)
                throw new PlatformOpsException("PlatformSecretScanFailed", ErrorCategory.ReadError, _options.Paths.FirstOrDefault(),
                    $"Listing the files failed: {PlatformErrors.Reason(walkFailure)}", walkFailure);
        }

        private static string RelativeTo(string baseFolder, string path)
        {
            var b = baseFolder.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? baseFolder : baseFolder + Path.DirectorySeparatorChar;
            var rel = path.StartsWith(b, StringComparison.Ordinal) ? path.Substring(b.Length) : Path.GetFileName(path);
            return rel.Replace('\\', '/');
        }

        /// <summary>
        /// Scans the items on every core; yields findings in item order on the calling thread, calling
        /// <paramref name="progress"/> (files done) between items.
        /// </summary>
        public IEnumerable<SecretFinding> Scan(IReadOnlyList<ScanItem> items, CancellationToken cancellationToken, Action<int>? progress = null)
            => ScanFeed(new ScanQueue(items), progress, cancellationToken);

        private IEnumerable<SecretFinding> ScanFeed(ScanQueue items, Action<int>? progress, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var results = Channel.CreateUnbounded<ScanResult>(new UnboundedChannelOptions { SingleReader = true });
            long bytes = 0;
            int scanned = 0, binary = 0, large = 0, unreadable = 0;
            var running = Math.Max(1, _options.Parallelism);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var workers = Enumerable.Range(0, running).Select(_ => Task.Run(async () =>
            {
                var buffer = new byte[1 << 16];
                (int Index, ScanItem Item) next = default;
                try
                {
                    while (await items.Reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
                    {
                        while (!stop.IsCancellationRequested && items.Reader.TryRead(out next))
                        {
                            var outcome = ScanFile(next.Item, ref buffer, out var size, out var found);
                            switch (outcome)
                            {
                                case FileOutcome.Binary: Interlocked.Increment(ref binary); break;
                                case FileOutcome.Large: Interlocked.Increment(ref large); break;
                                case FileOutcome.Unreadable: Interlocked.Increment(ref unreadable); break;
                                default:
                                    Interlocked.Increment(ref scanned);
                                    Interlocked.Add(ref bytes, size);
                                    break;
                            }
                            results.Writer.TryWrite(new ScanResult(next.Index, next.Item, found, null));
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // the consumer stopped
                }
                catch (Exception ex)
                {
                    results.Writer.TryWrite(new ScanResult(next.Index, next.Item, null, ex));
                }
                finally
                {
                    if (Interlocked.Decrement(ref running) == 0) results.Writer.TryComplete();
                }
            }, CancellationToken.None)).ToArray();

            try
            {
                // Results arrive in the order the workers finish; they are handed out in listing order.
                var waiting = new Dictionary<int, ScanResult>();
                var findings = 0;
                for (var i = 0; ; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ScanResult? result;
                    while (!waiting.TryGetValue(i, out result))
                    {
                        var more = results.Reader.WaitToReadAsync(cancellationToken);
                        if (!(more.IsCompletedSuccessfully ? more.Result : more.AsTask().GetAwaiter().GetResult())) break;
                        while (results.Reader.TryRead(out var r))
                        {
                            if (r.Failure != null)
                                throw new PlatformOpsException("PlatformSecretScanFailed", ErrorCategory.NotSpecified, r.Item?.FullPath,
                                    $"Scanning failed: {PlatformErrors.Reason(r.Failure)}", r.Failure);
                            waiting[r.Index] = r;
                        }
                    }
                    if (result == null)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        break;   // every listed file is done
                    }
                    waiting.Remove(i);
                    if (result.Found != null)
                    {
                        foreach (var f in result.Found)
                        {
                            if (f.Severity < _options.MinimumSeverity || IsIgnored(f)) continue;
                            findings++;
                            yield return f;
                        }
                    }
                    if ((i & 63) == 0) progress?.Invoke(i + 1);
                }
                Statistics.Findings += findings;
            }
            finally
            {
                stop.Cancel();
                Task.WaitAll(workers, CancellationToken.None);
                Statistics.FilesScanned += scanned;
                Statistics.BytesScanned += bytes;
                Statistics.SkippedBinary += binary;
                Statistics.SkippedLarge += large;
                Statistics.Unreadable += unreadable;
                Statistics.Elapsed += clock.Elapsed;
            }
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

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>Where a file stands with git.</summary>
    public enum GitFileStatus
    {
        /// <summary>The file is not inside a git working tree (or git is not installed).</summary>
        NotInRepository,
        /// <summary>Committed (in the index): a secret here is in the repository.</summary>
        Tracked,
        /// <summary>Neither tracked nor ignored: the next `git add .` commits it.</summary>
        Untracked,
        /// <summary>Ignored by .gitignore (or info/exclude, or the global excludes file).</summary>
        Ignored,
        /// <summary>Staged for the next commit (-Staged scans the index's copy).</summary>
        Staged,
        /// <summary>Found in a past commit (-History).</summary>
        Committed,
    }

    /// <summary>
    /// The few git questions the scanner and the hygiene checks ask, each answered by one batched git call (never one per file).
    /// </summary>
    internal sealed class GitRepository
    {
        private HashSet<string> _tracked = new HashSet<string>(StringComparer.Ordinal);
        private HashSet<string> _ignoredFiles = new HashSet<string>(StringComparer.Ordinal);
        private HashSet<string> _ignoredDirectories = new HashSet<string>(StringComparer.Ordinal);

        private GitRepository(string root)
        {
            Root = root;
        }

        public string Root { get; }
        public int TrackedCount => _tracked.Count;

        /// <summary>The repository that holds <paramref name="path"/>, or null when there is none (or git is missing).</summary>
        public static async Task<GitRepository?> OpenAsync(string path, CancellationToken cancellationToken)
        {
            var folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            ProcessResult result;
            try
            {
                result = await RunAsync(folder, cancellationToken, "rev-parse", "--show-toplevel").ConfigureAwait(false);
            }
            catch (PlatformOpsException ex) when (ex.ErrorId == "ProcessNotFound")
            {
                return null;
            }
            if (!result.Succeeded) return null;
            var root = result.StandardOutput.Trim();
            if (root.Length == 0) return null;
            return new GitRepository(Path.GetFullPath(root));
        }

        internal static Task<ProcessResult> RunAsync(string workingDirectory, CancellationToken cancellationToken, params string[] arguments)
            => RunAsync(workingDirectory, null, null, cancellationToken, arguments);

        internal static Task<ProcessResult> RunAsync(string workingDirectory, Stream? input, Stream? output, CancellationToken cancellationToken, params string[] arguments)
        {
            var all = new List<string> { "-c", "core.quotepath=off", "--no-pager" };
            all.AddRange(arguments);
            var spec = new ProcessSpec("git", all.ToArray()) { WorkingDirectory = workingDirectory };
            spec.Environment["GIT_TERMINAL_PROMPT"] = "0";
            spec.Environment["GIT_OPTIONAL_LOCKS"] = "0";
            spec.Environment["LC_ALL"] = "C";
            return ProcessRunner.RunAsync(spec, cancellationToken, input, output);
        }

        /// <summary>Loads which files are tracked and which are ignored: two git calls for the whole tree.</summary>
        public async Task LoadStatusAsync(CancellationToken cancellationToken)
        {
            var tracked = await RunAsync(Root, cancellationToken, "ls-files", "-z", "--cached").ConfigureAwait(false);
            if (!tracked.Succeeded) throw Failure("ls-files", tracked);
            _tracked = new HashSet<string>(Split(tracked.StandardOutput), StringComparer.Ordinal);
            var ignored = await RunAsync(Root, cancellationToken, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory").ConfigureAwait(false);
            if (!ignored.Succeeded) throw Failure("ls-files --ignored", ignored);
            foreach (var entry in Split(ignored.StandardOutput))
            {
                if (entry.EndsWith("/", StringComparison.Ordinal)) _ignoredDirectories.Add(entry.TrimEnd('/'));
                else _ignoredFiles.Add(entry);
            }
        }

        private static PlatformOpsException Failure(string what, ProcessResult result)
            => new PlatformOpsException("PlatformSecretGitFailed", System.Management.Automation.ErrorCategory.InvalidResult, what,
                $"git {what} failed ({result.ExitCode}): {result.StandardError}");

        private static readonly char[] Nul = { '\0' };

        private static IEnumerable<string> Split(string z) => z.Split(Nul, StringSplitOptions.RemoveEmptyEntries);

        /// <summary>The path relative to the root with '/' separators, or null when outside the repository.</summary>
        public string? Relative(string fullPath)
        {
            var full = Path.GetFullPath(fullPath);
            var root = Root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? Root : Root + Path.DirectorySeparatorChar;
            if (string.Equals(full, Root, StringComparison.Ordinal)) return string.Empty;
            if (!full.StartsWith(root, StringComparison.Ordinal)) return null;
            return full.Substring(root.Length).Replace('\\', '/');
        }

        public GitFileStatus StatusOf(string fullPath)
        {
            var rel = Relative(fullPath);
            if (rel == null) return GitFileStatus.NotInRepository;
            if (_tracked.Contains(rel)) return GitFileStatus.Tracked;
            if (_ignoredFiles.Contains(rel) || IsInIgnoredDirectory(rel)) return GitFileStatus.Ignored;
            return GitFileStatus.Untracked;
        }

        public bool IsIgnoredDirectory(string fullPath)
        {
            var rel = Relative(fullPath);
            return rel != null && rel.Length > 0 && (_ignoredDirectories.Contains(rel) || IsInIgnoredDirectory(rel));
        }

        private bool IsInIgnoredDirectory(string rel)
        {
            if (_ignoredDirectories.Count == 0) return false;
            var slash = rel.LastIndexOf('/');
            while (slash > 0)
            {
                rel = rel.Substring(0, slash);
                if (_ignoredDirectories.Contains(rel)) return true;
                slash = rel.LastIndexOf('/');
            }
            return false;
        }

        /// <summary>Tracked paths (relative) that match a predicate, e.g. key files committed by mistake.</summary>
        public IEnumerable<string> Tracked(Func<string, bool> predicate) => _tracked.Where(predicate);

        /// <summary>Asks git whether these paths would be ignored (one call; works for files that do not exist).</summary>
        public async Task<HashSet<string>> CheckIgnoreAsync(IEnumerable<string> relativePaths, CancellationToken cancellationToken)
        {
            var list = relativePaths.ToList();
            var result = new HashSet<string>(StringComparer.Ordinal);
            if (list.Count == 0) return result;
            using var input = new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\0", list) + "\0"));
            var run = await RunAsync(Root, input, null, cancellationToken, "check-ignore", "-z", "--stdin", "--no-index").ConfigureAwait(false);
            // Exit 1 means "none ignored"; 128 is an error.
            if (run.ExitCode == 128) throw Failure("check-ignore", run);
            foreach (var p in Split(run.StandardOutput)) result.Add(p);
            return result;
        }

        /// <summary>
        /// Paths (relative to the root) that any commit of any ref added or changed, among those matching the pathspecs,
        /// with the newest such commit (abbreviated): one `git log --all` call. A file removed since (git rm --cached) still shows.
        /// </summary>
        public async Task<Dictionary<string, string>> EverCommittedAsync(IEnumerable<string> pathspecs, CancellationToken cancellationToken)
        {
            var args = new List<string> { "log", "--all", "--format=%x01%h", "--name-only", "--diff-filter=AMCR", "-z", "--" };
            args.AddRange(pathspecs);
            var run = await RunAsync(Root, cancellationToken, args.ToArray()).ConfigureAwait(false);
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            // A repository without commits answers 128 ("does not have any commits yet"): nothing was ever committed.
            if (!run.Succeeded) return result;
            var commit = string.Empty;
            foreach (var raw in run.StandardOutput.Split('\0', '\n'))
            {
                var entry = raw.Trim('\r');
                if (entry.Length == 0) continue;
                if (entry[0] == '\u0001') { commit = entry.Substring(1).Trim(); continue; }
                if (!result.ContainsKey(entry)) result[entry] = commit;
            }
            return result;
        }

        /// <summary>The staged (index) content of added, copied and modified files: one diff call and one cat-file --batch call.</summary>
        public async Task<List<KeyValuePair<string, byte[]>>> StagedAsync(CancellationToken cancellationToken)
        {
            var names = await RunAsync(Root, cancellationToken, "diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR").ConfigureAwait(false);
            if (!names.Succeeded) throw Failure("diff --cached", names);
            var paths = Split(names.StandardOutput).Where(p => p.IndexOf('\n') < 0).ToList();
            var files = new List<KeyValuePair<string, byte[]>>();
            if (paths.Count == 0) return files;
            using var input = new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(paths.Select(p => ":" + p + "\n"))));
            using var output = new MemoryStream();
            var run = await RunAsync(Root, input, output, cancellationToken, "cat-file", "--batch").ConfigureAwait(false);
            if (!run.Succeeded) throw Failure("cat-file --batch", run);
            var data = output.ToArray();
            var offset = 0;
            foreach (var path in paths)
            {
                var nl = Array.IndexOf(data, (byte)'\n', offset);
                if (nl < 0) break;
                var header = Encoding.ASCII.GetString(data, offset, nl - offset).Split(' ');
                offset = nl + 1;
                if (header.Length < 3 || header[1] != "blob") continue;   // "<name> missing", a submodule, ...
                var size = int.Parse(header[2], System.Globalization.CultureInfo.InvariantCulture);
                var content = new byte[size];
                Buffer.BlockCopy(data, offset, content, 0, size);
                offset += size + 1;
                files.Add(new KeyValuePair<string, byte[]>(path, content));
            }
            return files;
        }

        /// <summary>One file's added lines in one commit of the history.</summary>
        public sealed class HistoryChunk
        {
            public string Commit { get; set; } = string.Empty;
            public string Path { get; set; } = string.Empty;
            public StringBuilder Text { get; } = new StringBuilder();
            public List<int> Lines { get; } = new List<int>();
        }

        /// <summary>Streams `git log -p` of every ref and hands each (commit, file)'s added lines to <paramref name="onChunk"/>.</summary>
        public async Task HistoryAsync(Action<HistoryChunk> onChunk, CancellationToken cancellationToken)
        {
            HistoryChunk? chunk = null;
            string commit = string.Empty;
            var inHunk = false;
            var newLine = 0;

            void Flush()
            {
                if (chunk != null && chunk.Lines.Count > 0) onChunk(chunk);
                chunk = null;
            }

            void OnLine(string line)
            {
                if (line.Length > 0 && line[0] == '\u0001')
                {
                    Flush();
                    commit = line.Substring(1).Trim();
                    inHunk = false;
                    return;
                }
                if (line.StartsWith("diff --git ", StringComparison.Ordinal))
                {
                    Flush();
                    inHunk = false;
                    return;
                }
                if (!inHunk && line.StartsWith("+++ ", StringComparison.Ordinal))
                {
                    var path = Unquote(line.Substring(4));
                    chunk = path == "/dev/null" ? null : new HistoryChunk { Commit = commit, Path = path.StartsWith("b/", StringComparison.Ordinal) ? path.Substring(2) : path };
                    return;
                }
                if (line.StartsWith("@@ ", StringComparison.Ordinal))
                {
                    inHunk = true;
                    var plus = line.IndexOf(" +", StringComparison.Ordinal);
                    if (plus > 0)
                    {
                        var end = plus + 2;
                        while (end < line.Length && char.IsDigit(line[end])) end++;
                        int.TryParse(line.Substring(plus + 2, end - plus - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out newLine);
                    }
                    return;
                }
                if (inHunk && chunk != null && line.Length > 0 && line[0] == '+')
                {
                    chunk.Text.Append(line, 1, line.Length - 1).Append('\n');
                    chunk.Lines.Add(newLine++);
                }
            }

            using var splitter = new LineSplitter(OnLine);
            var run = await RunAsync(Root, null, splitter, cancellationToken, "log", "-p", "--all", "--no-color", "--no-ext-diff", "--no-renames",
                "-U0", "--diff-filter=AM", "--format=%x01%H").ConfigureAwait(false);
            splitter.Complete();
            Flush();
            if (!run.Succeeded && run.StandardError.IndexOf("does not have any commits", StringComparison.Ordinal) < 0)
                throw Failure("log -p", run);
        }

        private static string Unquote(string path)
        {
            if (path.Length < 2 || path[0] != '"' || path[path.Length - 1] != '"') return path;
            var sb = new StringBuilder();
            for (var i = 1; i < path.Length - 1; i++)
            {
                if (path[i] == '\\' && i + 1 < path.Length - 1)
                {
                    var n = path[++i];
                    sb.Append(n == 't' ? '\t' : n == 'n' ? '\n' : n);
                }
                else sb.Append(path[i]);
            }
            return sb.ToString();
        }

        /// <summary>A write-only stream that decodes UTF-8 and calls back once per line (for streaming a child's output).</summary>
        private sealed class LineSplitter : Stream
        {
            private readonly Action<string> _onLine;
            private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
            private readonly StringBuilder _pending = new StringBuilder();
            private char[] _chars = new char[8192];

            public LineSplitter(Action<string> onLine) => _onLine = onLine;

            public override void Write(byte[] buffer, int offset, int count)
            {
                var needed = _decoder.GetCharCount(buffer, offset, count);
                if (_chars.Length < needed) _chars = new char[needed];
                var n = _decoder.GetChars(buffer, offset, count, _chars, 0);
                var start = 0;
                for (var i = 0; i < n; i++)
                {
                    if (_chars[i] != '\n') continue;
                    _pending.Append(_chars, start, i - start);
                    _onLine(_pending.ToString());
                    _pending.Clear();
                    start = i + 1;
                }
                _pending.Append(_chars, start, n - start);
            }

            public void Complete()
            {
                if (_pending.Length > 0) _onLine(_pending.ToString());
                _pending.Clear();
            }

            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }
}

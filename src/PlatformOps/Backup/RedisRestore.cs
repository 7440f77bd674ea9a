using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>
    /// One-command RESP client on a fresh socket: enough to wait for a server that is loading its RDB, where a pooled client
    /// gives up. The whole exchange (connect, AUTH, command, reply) is bounded by one timeout, and replies by size
    /// (<see cref="Redis.RespReader"/>): a server that says too much, says it wrongly, or says nothing ends in a clean error.
    /// </summary>
    internal static class RawRedis
    {
        /// <summary>How long one exchange may take unless the caller says otherwise.</summary>
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

        /// <summary>The largest reply a one-command exchange accepts (INFO is a few KB).</summary>
        public const int MaxReplyBytes = 4 << 20;

        public static Task<string> CommandAsync(string host, int port, string? password, CancellationToken cancellationToken, params string[] command)
            => CommandAsync(host, port, password, DefaultTimeout, cancellationToken, command);

        /// <summary>Sends one command (after AUTH when a password is given) and returns the reply as text.</summary>
        /// <exception cref="PlatformOpsException">RedisTimeout, RedisReplyTooLarge or RedisProtocolError.</exception>
        /// <exception cref="IOException">The connection was refused or closed (the server may be restarting).</exception>
        public static async Task<string> CommandAsync(string host, int port, string? password, TimeSpan timeout, CancellationToken cancellationToken,
            params string[] command)
        {
            var endpoint = $"{host}:{port}";
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            using var tcp = new TcpClient();
            using var close = deadline.Token.Register(() => tcp.Close());
            try
            {
                await tcp.ConnectAsync(host, port).ConfigureAwait(false);
                var stream = tcp.GetStream();
                var reader = new Redis.RespReader(stream);
                if (!string.IsNullOrEmpty(password))
                {
                    await SendAsync(stream, deadline.Token, "AUTH", password!).ConfigureAwait(false);
                    var auth = await reader.ReadReplyAsync(MaxReplyBytes, deadline.Token).ConfigureAwait(false);
                    if (!auth.StartsWith("+", StringComparison.Ordinal)) return auth;
                }
                await SendAsync(stream, deadline.Token, command).ConfigureAwait(false);
                return await reader.ReadReplyAsync(MaxReplyBytes, deadline.Token).ConfigureAwait(false);
            }
            catch (Redis.RespTooLargeException ex)
            {
                throw new PlatformOpsException("RedisReplyTooLarge", System.Management.Automation.ErrorCategory.InvalidData, endpoint,
                    $"Redis at {endpoint} sent a reply PlatformOps will not take: {ex.Message}. Is it a Redis server?", ex);
            }
            catch (InvalidDataException ex)
            {
                throw new PlatformOpsException("RedisProtocolError", System.Management.Automation.ErrorCategory.ProtocolError, endpoint,
                    $"Redis at {endpoint} broke the protocol: {ex.Message}. Is it a Redis server?", ex);
            }
            catch (Exception ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                                       && (ex is OperationCanceledException || ex is IOException || ex is ObjectDisposedException || ex is SocketException
                                           || ex is NullReferenceException))
            {
                throw new PlatformOpsException("RedisTimeout", System.Management.Automation.ErrorCategory.OperationTimeout, endpoint,
                    $"Redis at {endpoint} did not answer within {timeout.TotalSeconds:0.#} s.", ex);
            }
            catch (Exception ex) when (ex is ObjectDisposedException || ex is NullReferenceException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new IOException("the connection was closed", ex);
            }
        }

        /// <summary>Sends one command as a RESP array.</summary>
        public static Task SendAsync(Stream stream, CancellationToken cancellationToken, params string[] parts)
        {
            var sb = new StringBuilder();
            sb.Append('*').Append(parts.Length).Append("\r\n");
            foreach (var p in parts) sb.Append('$').Append(Encoding.UTF8.GetByteCount(p)).Append("\r\n").Append(p).Append("\r\n");
            var data = Encoding.UTF8.GetBytes(sb.ToString());
            return stream.WriteAsync(data, 0, data.Length, cancellationToken);
        }

        private static string Clip(string text) => text.Length <= 80 ? text : text.Substring(0, 80) + "...";

        /// <summary>
        /// Keys per database ("0", "3", ...) from INFO keyspace text. Lines other than dbN are ignored; the fields of a
        /// dbN line are read by name, so their order does not matter. A dbN line without a whole, non-negative key
        /// count is a RedisInfoInvalid error that quotes it, never a FormatException.
        /// </summary>
        public static Dictionary<string, long> ParseKeyspace(string info, string endpoint)
        {
            if (info == null) throw new ArgumentNullException(nameof(info));
            var keys = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var pair in Redis.RedisProbe.Parse(info))
            {
                if (pair.Key.Length < 3 || !pair.Key.StartsWith("db", StringComparison.OrdinalIgnoreCase) || !pair.Key.Substring(2).All(char.IsDigit)) continue;
                var field = pair.Value.Split(',').Select(f => f.Trim()).FirstOrDefault(f => f.StartsWith("keys=", StringComparison.Ordinal));
                if (field == null || !long.TryParse(field.Substring(5), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                    throw new PlatformOpsException("RedisInfoInvalid", System.Management.Automation.ErrorCategory.InvalidData, endpoint,
                        $"Redis at {endpoint} answered INFO keyspace with a line that has no whole key count: '{Clip(pair.Key + ":" + pair.Value)}'. " +
                        "Check that a Redis server (not a proxy or another service) answers on that port.");
                keys[pair.Key.Substring(2)] = count;
            }
            return keys;
        }

        /// <summary>Asks INFO keyspace on a fresh socket and counts the keys per database; any answer but a keyspace is a clear error.</summary>
        public static async Task<Dictionary<string, long>> KeyspaceAsync(string host, int port, string? password, CancellationToken cancellationToken)
        {
            var endpoint = host + ":" + port.ToString(CultureInfo.InvariantCulture);
            string reply;
            try
            {
                reply = await CommandAsync(host, port, password, cancellationToken, "INFO", "keyspace").ConfigureAwait(false);
            }
            catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PlatformOpsException("RedisReplyInvalid", System.Management.Automation.ErrorCategory.InvalidData, endpoint,
                    $"Redis at {endpoint} did not answer INFO keyspace properly: {ex.Message}.", ex);
            }
            if (reply.StartsWith("-", StringComparison.Ordinal))
                throw new PlatformOpsException("RedisCommandFailed", System.Management.Automation.ErrorCategory.InvalidOperation, endpoint,
                    $"Redis at {endpoint} refused INFO keyspace: {Secrets.Redact(Clip(reply.Substring(1)))}");
            return ParseKeyspace(reply, endpoint);
        }

        /// <summary>Waits until the server answers PING (not LOADING); returns its last answer when it never does.</summary>
        public static async Task<bool> WaitReadyAsync(string host, int port, string? password, TimeSpan timeout, Func<bool>? gaveUp, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (gaveUp != null && gaveUp()) return false;
                try
                {
                    if (await CommandAsync(host, port, password, cancellationToken, "PING").ConfigureAwait(false) == "+PONG") return true;
                }
                catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException) { }
                catch (PlatformOpsException ex) when (ex.ErrorId == "RedisTimeout") { }   // busy loading; a protocol breach is not retried
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            return false;
        }
    }

    /// <summary>A throwaway redis-server on 127.0.0.1 that loads a set's RDB, so its keys can be counted. Removed on Dispose.</summary>
    internal sealed class ScratchRedis : IDisposable
    {
        private readonly Process _process;
        private readonly string _folder;
        private readonly StringBuilder _log = new StringBuilder();

        private ScratchRedis(Process process, string folder, int port, string password)
        {
            _process = process;
            _folder = folder;
            Port = port;
            Password = password;
        }

        public int Port { get; }
        public string Password { get; }

        private static readonly string[] KnownFolders = { "/usr/bin", "/usr/local/bin", "/opt/homebrew/bin" };

        public static string? FindServer()
        {
            var names = new List<string>();
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Concat(KnownFolders))
                if (!string.IsNullOrEmpty(dir)) names.Add(Path.Combine(dir, "redis-server"));
            return names.FirstOrDefault(File.Exists);
        }

        public static async Task<ScratchRedis> StartAsync(string server, string rdbPath, CancellationToken cancellationToken)
        {
            var folder = Path.Combine(Path.GetTempPath(), "platformops-scratch-redis-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(folder);
            AtomicFile.SetMode(folder, 0x1C0);
            try
            {
                File.Copy(rdbPath, Path.Combine(folder, "dump.rdb"));
                var port = LoopbackPort.Free();
                var password = Guid.NewGuid().ToString("N");
                var config = Path.Combine(folder, "redis.conf");
                AtomicFile.WriteAllText(config, string.Join("\n", "bind 127.0.0.1", $"port {port}", $"dir {folder}", "dbfilename dump.rdb", "save \"\"",
                    "appendonly no", "daemonize no", "protected-mode yes", $"requirepass {password}", "logfile \"\"", string.Empty), secret: true);
                var psi = new ProcessStartInfo(server, ProcessRunner.Quote(config))
                {
                    UseShellExecute = false,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    CreateNoWindow = true,
                };
                var process = Process.Start(psi) ?? throw new IOException("redis-server did not start");
                var scratch = new ScratchRedis(process, folder, port, password);
                process.OutputDataReceived += (_, e) => { lock (scratch._log) { if (e.Data != null && scratch._log.Length < 20000) scratch._log.AppendLine(e.Data); } };
                process.ErrorDataReceived += (_, e) => { lock (scratch._log) { if (e.Data != null && scratch._log.Length < 20000) scratch._log.AppendLine(e.Data); } };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                if (!await RawRedis.WaitReadyAsync("127.0.0.1", port, password, TimeSpan.FromMinutes(10), () => process.HasExited, cancellationToken).ConfigureAwait(false))
                {
                    var log = scratch.Log;
                    scratch.Dispose();
                    throw new PlatformOpsException("RedisScratchFailed", System.Management.Automation.ErrorCategory.InvalidData, rdbPath,
                        $"A scratch redis-server could not load the RDB: {Secrets.Redact(LastLines(log))}");
                }
                return scratch;
            }
            catch (Exception ex) when (!(ex is PlatformOpsException) && !(ex is OperationCanceledException))
            {
                BackupEngine.DeleteQuietly(folder);
                throw new PlatformOpsException("RedisScratchFailed", System.Management.Automation.ErrorCategory.InvalidOperation, rdbPath,
                    $"A scratch redis-server could not be started: {PlatformErrors.Reason(ex)}", ex);
            }
        }

        public string Log
        {
            get { lock (_log) return _log.ToString(); }
        }

        private static string LastLines(string log)
            => string.Join(" | ", log.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Reverse().Take(3).Reverse());

        public async Task<Dictionary<string, long>> KeysAsync(CancellationToken cancellationToken)
            => await RawRedis.KeyspaceAsync("127.0.0.1", Port, Password, cancellationToken).ConfigureAwait(false);

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
            BackupEngine.DeleteQuietly(_folder);
        }
    }

    /// <summary>A stream that reads several streams one after another (a tar header, the file, the padding).</summary>
    internal sealed class ConcatReadStream : Stream
    {
        private readonly Queue<Stream> _streams;

        public ConcatReadStream(params Stream[] streams) => _streams = new Queue<Stream>(streams);

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_streams.Count > 0)
            {
                var n = _streams.Peek().Read(buffer, offset, count);
                if (n > 0) return n;
                _streams.Dequeue().Dispose();
            }
            return 0;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) while (_streams.Count > 0) _streams.Dequeue().Dispose();
            base.Dispose(disposing);
        }

        /// <summary>A one-file ustar archive of <paramref name="path"/>, named <paramref name="name"/>, owned by uid:gid, mode 0600.</summary>
        public static Stream Tar(string path, string name, int uid, int gid)
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var size = file.Length;
            var header = new byte[512];
            void Put(int offset, int length, string value)
            {
                var bytes = Encoding.ASCII.GetBytes(value);
                Array.Copy(bytes, 0, header, offset, Math.Min(bytes.Length, length));
            }
            string Octal(long value, int width) => Convert.ToString(value, 8).PadLeft(width - 1, '0') + "\0";
            Put(0, 100, name);
            Put(100, 8, Octal(0x180, 8));
            Put(108, 8, Octal(uid, 8));
            Put(116, 8, Octal(gid, 8));
            Put(124, 12, Octal(size, 12));
            Put(136, 12, Octal(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 12));
            Put(148, 8, "        ");
            header[156] = (byte)'0';
            Put(257, 6, "ustar\0");
            Put(263, 2, "00");
            var sum = header.Sum(b => (long)b);
            Put(148, 8, Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
            var padding = (int)((512 - size % 512) % 512) + 1024;
            return new ConcatReadStream(new MemoryStream(header), file, new MemoryStream(new byte[padding]));
        }
    }

    /// <summary>What Restore-PlatformRedis will do, worked out before anything is touched.</summary>
    public sealed class RedisRestorePlan
    {
        internal BackupFileEntry Entry { get; set; } = new BackupFileEntry();
        internal PlatformBackupSet Set { get; set; } = new PlatformBackupSet();
        internal RedisTarget Target { get; set; } = null!;
        internal DockerTarget Docker { get; set; } = null!;
        public string Container { get; internal set; } = string.Empty;
        public string Directory { get; internal set; } = string.Empty;
        public string DbFilename { get; internal set; } = string.Empty;
        internal int Uid { get; set; }
        internal int Gid { get; set; }
        public long KeysExpected { get; internal set; }
        public IReadOnlyList<string> Steps { get; internal set; } = new List<string>();
    }

    /// <summary>Puts a set's RDB back into the Redis container: stop, replace the RDB file, start, wait, count keys.</summary>
    internal static class RedisRestore
    {
        public static async Task<RedisRestorePlan> PlanAsync(PlatformBackupSet set, RedisTarget target, DockerTarget docker, string? container,
            BackupProgress progress, CancellationToken cancellationToken)
        {
            var entry = set.Manifest.Files.FirstOrDefault(f => f.Kind == BackupKinds.Redis)
                ?? throw new PlatformOpsException("PlatformBackupHasNoRedis", System.Management.Automation.ErrorCategory.ObjectNotFound, set.Path,
                    $"The backup set {set.Id} holds no Redis snapshot.");
            var checks = await BackupVerifier.VerifyAsync(set, new[] { entry }, progress, cancellationToken).ConfigureAwait(false);
            ThrowIfFailed(set, checks);
            var name = container ?? target.Container
                ?? throw new PlatformOpsException("RedisContainerUnknown", System.Management.Automation.ErrorCategory.InvalidArgument, target,
                    "Restore-PlatformRedis puts the RDB into the Redis container: pass -Container or set Redis.Container in the platform profile.");

            var info = await RedisInfo.ReadAsync(target, cancellationToken).ConfigureAwait(false);
            if (info.AofEnabled)
                throw new PlatformOpsException("RedisAofEnabled", System.Management.Automation.ErrorCategory.InvalidOperation, target,
                    $"Redis at {target.Endpoint} has appendonly yes: at startup it loads the AOF and ignores the RDB, so restoring dump.rdb would change nothing. " +
                    "Set 'appendonly no' in its configuration and restart it, run Restore-PlatformRedis, then turn the AOF back on with CONFIG SET appendonly yes (it is rebuilt from the restored data).");
            var dir = await ConfigGetAsync(target, "dir", cancellationToken).ConfigureAwait(false);
            var dbfilename = await ConfigGetAsync(target, "dbfilename", cancellationToken).ConfigureAwait(false);

            using var client = docker.CreateClient(TimeSpan.FromSeconds(60));
            ContainerInspectResponse inspected;
            try
            {
                inspected = await client.Containers.InspectContainerAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerContainerNotFoundException ex)
            {
                throw new PlatformOpsException("DockerContainerNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, name, $"The Redis container '{name}' does not exist.", ex);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                throw docker.Explain(ex);
            }
            var (uid, gid) = ParseUser(inspected.Config?.User);
            var keys = entry.Keys?.Values.Sum() ?? 0;
            var rdb = dir.TrimEnd('/') + "/" + dbfilename;
            return new RedisRestorePlan
            {
                Entry = entry,
                Set = set,
                Target = target,
                Docker = docker,
                Container = name,
                Directory = dir,
                DbFilename = dbfilename,
                Uid = uid,
                Gid = gid,
                KeysExpected = keys,
                Steps = new List<string>
                {
                    $"Stop container '{name}' (Redis {target.Endpoint}; its keys now are replaced)",
                    $"Write {entry.Name} of set {set.Id} ({BackupProgress.Size(entry.Size)}, SHA-256 verified) to {rdb} in the container",
                    $"Start container '{name}' and wait until Redis has loaded the RDB",
                    $"Check that Redis holds the {keys} keys of the set",
                },
            };
        }

        private static async Task<string> ConfigGetAsync(RedisTarget target, string name, CancellationToken cancellationToken)
        {
            using var muxer = await target.ConnectAsync(5000).ConfigureAwait(false);
            var server = muxer.GetServer(target.Host, target.Port);
            try
            {
                var pairs = await server.ConfigGetAsync(name).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                var match = pairs.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));
                if (string.IsNullOrEmpty(match.Value))
                    throw new PlatformOpsException("RedisConfigUnreadable", System.Management.Automation.ErrorCategory.PermissionDenied, target,
                        $"Redis at {target.Endpoint} does not answer CONFIG GET {name} (renamed or forbidden), so the RDB's place is unknown.");
                return match.Value;
            }
            catch (StackExchange.Redis.RedisException ex)
            {
                throw target.Explain(ex);
            }
        }

        internal static (int Uid, int Gid) ParseUser(string? user)
        {
            if (string.IsNullOrEmpty(user)) return (0, 0);
            var parts = user!.Split(':');
            var uid = int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : 0;
            var gid = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : uid;
            return (uid, gid);
        }

        internal static void ThrowIfFailed(PlatformBackupSet set, IEnumerable<BackupCheck> checks)
        {
            var failed = checks.Where(c => !c.Passed).ToList();
            if (failed.Any(c => c.Kind == "Manifest"))
                throw new PlatformOpsException("PlatformBackupManifestMismatch", System.Management.Automation.ErrorCategory.SecurityError, set.Path,
                    $"The manifest of the backup set {set.Id} disagrees with its dump, so nothing was restored: {string.Join("; ", failed.Select(c => c.Name + ": " + c.Detail + (c.Expected != null ? $" (manifest {c.Expected}, dump {c.Actual})" : string.Empty)))}");
            if (failed.Count > 0)
                throw new PlatformOpsException("PlatformBackupChecksumMismatch", System.Management.Automation.ErrorCategory.InvalidData, set.Path,
                    $"The backup set {set.Id} failed verification, so nothing was restored: {string.Join("; ", failed.Select(c => c.Name + ": " + c.Detail))}");
        }

        public static async Task<RedisRestoreResult> ExecuteAsync(RedisRestorePlan plan, BackupProgress progress, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            using var client = plan.Docker.CreateClient(TimeSpan.FromSeconds(120));
            progress.Step(1, 4, $"Stopping {plan.Container}");
            await client.Containers.StopContainerAsync(plan.Container, new ContainerStopParameters { WaitBeforeKillSeconds = 30 }, cancellationToken).ConfigureAwait(false);
            var started = false;
            try
            {
                progress.Step(2, 4, $"Writing {plan.DbFilename}");
                using (var tar = ConcatReadStream.Tar(Path.Combine(plan.Set.Path, plan.Entry.Name), plan.DbFilename, plan.Uid, plan.Gid))
                {
                    await client.Containers.ExtractArchiveToContainerAsync(plan.Container,
                        new ContainerPathStatParameters { Path = plan.Directory, AllowOverwriteDirWithFile = false }, tar, cancellationToken).ConfigureAwait(false);
                }
                progress.Step(3, 4, $"Starting {plan.Container}");
                await client.Containers.StartContainerAsync(plan.Container, new ContainerStartParameters(), CancellationToken.None).ConfigureAwait(false);
                started = true;
            }
            finally
            {
                if (!started)
                {
                    // Whatever failed, do not leave the platform's Redis stopped.
                    try { await client.Containers.StartContainerAsync(plan.Container, new ContainerStartParameters(), CancellationToken.None).ConfigureAwait(false); }
                    catch (Exception) { }
                }
            }
            progress.Step(4, 4, "Waiting for Redis to load the RDB");
            if (!await RawRedis.WaitReadyAsync(plan.Target.Host, plan.Target.Port, plan.Target.Password, TimeSpan.FromMinutes(10), null, cancellationToken).ConfigureAwait(false))
                throw new PlatformOpsException("RedisNotReady", System.Management.Automation.ErrorCategory.ResourceUnavailable, plan.Target,
                    $"Redis at {plan.Target.Endpoint} did not come back after the restore. Check the container's log (docker logs {plan.Container}).");
            var keys = await RawRedis.KeyspaceAsync(plan.Target.Host, plan.Target.Port, plan.Target.Password, cancellationToken).ConfigureAwait(false);
            return new RedisRestoreResult
            {
                BackupId = plan.Set.Id,
                Container = plan.Container,
                RdbPath = plan.Directory.TrimEnd('/') + "/" + plan.DbFilename,
                KeysExpected = plan.KeysExpected,
                KeysLoaded = keys.Values.Sum(),
                Duration = clock.Elapsed,
            };
        }
    }
}

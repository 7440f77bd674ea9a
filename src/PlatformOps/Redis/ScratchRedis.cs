using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Redis
{
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
                if (!await RespClient.WaitReadyAsync("127.0.0.1", port, password, TimeSpan.FromMinutes(10), () => process.HasExited, cancellationToken).ConfigureAwait(false))
                {
                    var log = scratch.Log;
                    scratch.Dispose();
                    throw new PlatformOpsException("RedisScratchFailed", System.Management.Automation.ErrorCategory.InvalidData, rdbPath,
                        $"A scratch redis-server could not load the RDB: {Sensitive.Redact(LastLines(log))}");
                }
                return scratch;
            }
            catch (Exception ex) when (!(ex is PlatformOpsException) && !(ex is OperationCanceledException))
            {
                UnixFile.DeleteQuietly(folder);
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
            => await RespClient.KeyspaceAsync("127.0.0.1", Port, Password, cancellationToken).ConfigureAwait(false);

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
            UnixFile.DeleteQuietly(_folder);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Postgres
{
    /// <summary>
    /// A PostgreSQL server the module starts itself, on 127.0.0.1, from this machine's server programs (pg_ctl,
    /// postgres, initdb): either a throwaway cluster it creates (<see cref="CreateAsync"/>: initdb without fsync, tuned
    /// for bulk loading, a random superuser password in a 0600 file, stopped and deleted on Dispose) or a data directory
    /// it was given (<see cref="Existing"/>: a restored copy, started and stopped on request and left in place).
    /// PostgreSQL refuses to run as root, so when this process is root every program runs as <see cref="OsUser"/>
    /// through setpriv, with a clean environment.
    /// </summary>
    internal sealed class ScratchCluster : IDisposable
    {
        /// <summary>The superuser of a created cluster: not a name the platform uses, so restoring the platform's globals
        /// (with its own role passwords) never changes the login the scratch cluster is driven with.</summary>
        internal const string Superuser = "platformops_scratch_admin";

        private const int PrivateFile = 0x180; // 0600
        private static readonly string[] ServerPrograms = { "initdb", "pg_ctl", "postgres" };

        private readonly string _binDir;
        /// <summary>The folder a created cluster lives in, deleted on Dispose; null for a data directory that was given.</summary>
        private readonly string? _ownedFolder;

        private ScratchCluster(string binDir, string dataDirectory, string? osUser, int port, string logFile, string? ownedFolder)
        {
            _binDir = binDir;
            DataDirectory = dataDirectory;
            OsUser = osUser;
            Port = port;
            LogFile = logFile;
            _ownedFolder = ownedFolder;
        }

        public string DataDirectory { get; }
        /// <summary>The operating-system user the server runs as; null: this process's user.</summary>
        public string? OsUser { get; }
        public int Port { get; }
        public string LogFile { get; }
        /// <summary>How to log in to a created cluster (its superuser, by password); null for a data directory that was given.</summary>
        public PostgresTarget? Target { get; private set; }
        public string PgCtl => Path.Combine(_binDir, PgTools.Exe("pg_ctl"));

        /// <summary>The user a server must run as when this process is root ('postgres'), else null (this process's user).</summary>
        public static string? DefaultOsUser => UnixFile.EffectiveUserId == 0 ? "postgres" : null;

        /// <summary>Whether <paramref name="binDir"/> holds what <see cref="CreateAsync"/> needs.</summary>
        public static bool CanCreate(string binDir)
            => ServerPrograms.All(p => File.Exists(Path.Combine(binDir, PgTools.Exe(p))));

        /// <summary>A data directory that exists (a restored copy), to be started on <paramref name="port"/>, its log in <paramref name="logFile"/>.</summary>
        public static ScratchCluster Existing(string binDir, string dataDirectory, string? osUser, int port, string logFile)
            => new ScratchCluster(binDir, dataDirectory, osUser, port, logFile, null);

        /// <summary>Creates and starts a throwaway cluster on a free port of 127.0.0.1; PostgresScratchFailed when that fails.</summary>
        public static async Task<ScratchCluster> CreateAsync(string binDir, CancellationToken cancellationToken)
        {
            if (!CanCreate(binDir))
                throw new PlatformOpsException("PostgresScratchUnavailable", System.Management.Automation.ErrorCategory.ObjectNotFound, binDir,
                    $"-ScratchServer Local needs the PostgreSQL server programs (initdb, pg_ctl, postgres) in {binDir}. Install the server package of that version, or use -ScratchServer Platform.");
            var folder = Path.Combine(Path.GetTempPath(), "platformops-scratch-pg-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            var password = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N").Substring(0, 8);
            var port = LoopbackPort.Free();
            var osUser = DefaultOsUser;
            var data = Path.Combine(folder, "data");
            var scratch = new ScratchCluster(binDir, data, osUser, port, Path.Combine(folder, "server.log"), folder)
            {
                Target = new PostgresTarget("127.0.0.1", port, "postgres", Superuser, password, null, null, "Disable"),
            };
            try
            {
                await scratch.SetUpAsync("mkdir", cancellationToken, "-m", "700", folder).ConfigureAwait(false);
                var pwfile = Path.Combine(folder, "pw");
                // Written by this process, then handed to the cluster's owner: the password is never an argument.
                File.WriteAllText(pwfile, password + "\n");
                AtomicFile.SetMode(pwfile, PrivateFile);
                if (osUser != null) await CheckAsync("chown", RunAsAsync(null, "chown", cancellationToken, osUser + ":" + osUser, pwfile)).ConfigureAwait(false);
                await scratch.SetUpAsync(Path.Combine(binDir, PgTools.Exe("initdb")), cancellationToken, "-D", data, "-U", Superuser,
                    "--pwfile=" + pwfile, "--auth=scram-sha-256", "--no-sync", "-E", "UTF8", "--no-locale").ConfigureAwait(false);
                File.Delete(pwfile);
                var options = string.Join(" ", new[]
                {
                    $"-c port={port.ToString(CultureInfo.InvariantCulture)}", "-c listen_addresses=127.0.0.1", $"-c unix_socket_directories={folder}",
                    "-c fsync=off", "-c full_page_writes=off", "-c synchronous_commit=off", "-c wal_level=minimal", "-c max_wal_senders=0",
                    "-c max_wal_size=8GB", "-c checkpoint_timeout=1h", "-c autovacuum=off", "-c shared_buffers=128MB",
                    "-c maintenance_work_mem=256MB", "-c max_connections=20",
                });
                await CheckAsync("pg_ctl", scratch.StartAsync(60, options, cancellationToken)).ConfigureAwait(false);
                return scratch;
            }
            catch
            {
                scratch.Dispose();
                throw;
            }
        }

        /// <summary>pg_ctl start, waiting up to <paramref name="timeoutSeconds"/> for the server to accept connections; extra server options in <paramref name="options"/>.</summary>
        public Task<ProcessResult> StartAsync(int timeoutSeconds, string? options, CancellationToken cancellationToken)
        {
            var arguments = new List<string> { "start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", timeoutSeconds.ToString(CultureInfo.InvariantCulture), "-s" };
            if (options != null) arguments.AddRange(new[] { "-o", options });
            return RunAsAsync(OsUser, PgCtl, cancellationToken, arguments.ToArray());
        }

        /// <summary>pg_ctl stop in <paramref name="mode"/> (fast, immediate), waiting for the server to go.</summary>
        public Task<ProcessResult> StopAsync(string mode, CancellationToken cancellationToken)
            => RunAsAsync(OsUser, PgCtl, cancellationToken, "stop", "-D", DataDirectory, "-m", mode, "-w", "-s");

        /// <summary>The command an operator runs to stop the server.</summary>
        public string StopCommand
            => (OsUser != null ? $"setpriv --reuid={OsUser} --regid={OsUser} --init-groups -- " : string.Empty) + $"{PgCtl} stop -D {ProcessRunner.Quote(DataDirectory)} -m fast";

        /// <summary>The postmaster's process id from postmaster.pid, or null.</summary>
        public int? ProcessId
        {
            get
            {
                try
                {
                    var first = File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).FirstOrDefault();
                    return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : (int?)null;
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    return null;
                }
            }
        }

        /// <summary>Whether the postmaster of the data directory runs.</summary>
        public bool Running => ProcessId is int pid && ProcessAlive(pid);

        private static bool ProcessAlive(int pid)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                return !p.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        /// <summary>
        /// Runs a program as <paramref name="osUser"/> (setpriv, a clean environment, working folder /), or as this
        /// process's user when it is null (working folder: the temp folder, never the caller's).
        /// </summary>
        public static Task<ProcessResult> RunAsAsync(string? osUser, string program, CancellationToken cancellationToken, params string[] arguments)
        {
            if (osUser == null) return ProcessRunner.RunAsync(new ProcessSpec(program, arguments) { WorkingDirectory = Path.GetTempPath() }, cancellationToken);
            var all = new List<string> { $"--reuid={osUser}", $"--regid={osUser}", "--init-groups", "--reset-env", "--", program };
            all.AddRange(arguments);
            return ProcessRunner.RunAsync(new ProcessSpec("setpriv", all.ToArray()) { WorkingDirectory = "/" }, cancellationToken);
        }

        private Task SetUpAsync(string program, CancellationToken cancellationToken, params string[] arguments)
            => CheckAsync(program, RunAsAsync(OsUser, program, cancellationToken, arguments));

        private static async Task CheckAsync(string program, Task<ProcessResult> run)
        {
            var result = await run.ConfigureAwait(false);
            if (!result.Succeeded)
                throw new PlatformOpsException("PostgresScratchFailed", System.Management.Automation.ErrorCategory.InvalidOperation, program,
                    $"The scratch PostgreSQL cluster could not be set up ({Path.GetFileName(program)} exit code {result.ExitCode}): {ProcessRunner.LastLines(result.StandardError + "\n" + result.StandardOutput)}");
        }

        /// <summary>A created cluster is stopped (immediate) and its folder deleted; a data directory that was given is left as it is.</summary>
        public void Dispose()
        {
            if (_ownedFolder == null) return;
            try
            {
                if (Directory.Exists(DataDirectory))
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                    StopAsync("immediate", timeout.Token).GetAwaiter().GetResult();
                }
            }
            catch (Exception)
            {
                // Not running (it failed to start): nothing to stop.
            }
            UnixFile.DeleteQuietly(_ownedFolder);
        }
    }
}

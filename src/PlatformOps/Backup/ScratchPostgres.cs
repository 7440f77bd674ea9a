using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>Where Test-PlatformBackup -Restore restores the databases.</summary>
    public enum ScratchServer
    {
        /// <summary>A scratch database on the platform's own server: the measured RTO is the platform's.</summary>
        Platform,
        /// <summary>A throwaway cluster on this machine (same major version, tuned for loading, removed after): the platform's server is not loaded.</summary>
        Local,
    }

    /// <summary>
    /// A throwaway PostgreSQL cluster on 127.0.0.1 built from this machine's server binaries: initdb without fsync,
    /// settings for bulk loading (fsync, full-page writes and synchronous commit off, wal_level minimal), a random
    /// superuser password in a 0600 file, run as the 'postgres' user when this process is root. Stopped and deleted on Dispose.
    /// </summary>
    internal sealed class ScratchPostgres : IDisposable
    {
        private readonly string _folder;
        private readonly string _binDir;
        private readonly bool _asPostgresUser;

        /// <summary>The scratch superuser: not a name the platform uses, so restoring the platform's globals (with its own
        /// role passwords) never changes the login the scratch cluster is driven with.</summary>
        internal const string Superuser = "platformops_scratch_admin";

        private ScratchPostgres(string folder, string binDir, bool asPostgresUser, PostgresTarget target)
        {
            _folder = folder;
            _binDir = binDir;
            _asPostgresUser = asPostgresUser;
            Target = target;
        }

        public PostgresTarget Target { get; }

        public static bool CanRun(string binDir)
            => File.Exists(Path.Combine(binDir, "initdb")) && File.Exists(Path.Combine(binDir, "pg_ctl")) && File.Exists(Path.Combine(binDir, "postgres"));

        public static async Task<ScratchPostgres> StartAsync(string binDir, CancellationToken cancellationToken)
        {
            if (!CanRun(binDir))
                throw new PlatformOpsException("PostgresScratchUnavailable", System.Management.Automation.ErrorCategory.ObjectNotFound, binDir,
                    $"-ScratchServer Local needs the PostgreSQL server programs (initdb, pg_ctl, postgres) in {binDir}. Install the server package of that version, or use -ScratchServer Platform.");
            var root = IsRoot();
            var folder = Path.Combine(Path.GetTempPath(), "platformops-scratch-pg-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            var password = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N").Substring(0, 8);
            var port = LoopbackPort.Free();

            var scratch = new ScratchPostgres(folder, binDir, root,
                new PostgresTarget("127.0.0.1", port, "postgres", Superuser, password, null, null, "Disable"));
            try
            {
                await scratch.RunAsync("mkdir", new[] { "-m", "700", folder }, cancellationToken).ConfigureAwait(false);
                var pwfile = Path.Combine(folder, "pw");
                // Written by this process, then handed to the cluster's owner: the password is never an argument.
                File.WriteAllText(pwfile, password + "\n");
                AtomicFile.SetMode(pwfile, 0x180);
                if (root) await RunPlainAsync("chown", new[] { "postgres:postgres", pwfile }, cancellationToken).ConfigureAwait(false);
                await scratch.RunAsync(Path.Combine(binDir, "initdb"), new[] { "-D", Path.Combine(folder, "data"), "-U", Superuser,
                    "--pwfile=" + pwfile, "--auth=scram-sha-256", "--no-sync", "-E", "UTF8", "--no-locale" }, cancellationToken).ConfigureAwait(false);
                File.Delete(pwfile);
                var options = string.Join(" ", new[]
                {
                    $"-c port={port.ToString(CultureInfo.InvariantCulture)}", "-c listen_addresses=127.0.0.1", $"-c unix_socket_directories={folder}",
                    "-c fsync=off", "-c full_page_writes=off", "-c synchronous_commit=off", "-c wal_level=minimal", "-c max_wal_senders=0",
                    "-c max_wal_size=8GB", "-c checkpoint_timeout=1h", "-c autovacuum=off", "-c shared_buffers=128MB",
                    "-c maintenance_work_mem=256MB", "-c max_connections=20",
                });
                await scratch.RunAsync(Path.Combine(binDir, "pg_ctl"), new[] { "-D", Path.Combine(folder, "data"), "-w", "-t", "60",
                    "-l", Path.Combine(folder, "server.log"), "-o", options, "start" }, cancellationToken).ConfigureAwait(false);
                return scratch;
            }
            catch
            {
                scratch.Dispose();
                throw;
            }
        }

        private static bool IsRoot()
            => !System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)
               && DockerExec.CurrentUser()?.StartsWith("0:", StringComparison.Ordinal) == true;

        /// <summary>Runs a program as the cluster's owner (PostgreSQL refuses to run as root).</summary>
        private Task RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
        {
            if (!_asPostgresUser) return RunPlainAsync(program, arguments, cancellationToken);
            return RunPlainAsync("setpriv", new[] { "--reuid=postgres", "--regid=postgres", "--init-groups", "--", program }.Concat(arguments).ToArray(), cancellationToken);
        }

        private static async Task RunPlainAsync(string program, string[] arguments, CancellationToken cancellationToken)
        {
            var result = await ProcessRunner.RunAsync(new ProcessSpec(program, arguments), cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
                throw new PlatformOpsException("PostgresScratchFailed", System.Management.Automation.ErrorCategory.InvalidOperation, program,
                    $"The scratch PostgreSQL cluster could not be set up ({Path.GetFileName(program)} exit code {result.ExitCode}): {PgTools.FirstLine(result.StandardError + "\n" + result.StandardOutput)}");
        }

        public void Dispose()
        {
            try
            {
                if (Directory.Exists(Path.Combine(_folder, "data")))
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                    RunAsync(Path.Combine(_binDir, "pg_ctl"), new[] { "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop" }, timeout.Token)
                        .GetAwaiter().GetResult();
                }
            }
            catch (Exception)
            {
                // Not running (it failed to start): nothing to stop.
            }
            UnixFile.DeleteQuietly(_folder);
        }
    }
}

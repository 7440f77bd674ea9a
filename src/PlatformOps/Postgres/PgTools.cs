using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using PlatformOps.Common;

namespace PlatformOps.Postgres
{
    /// <summary>Where the PostgreSQL client tools run: Auto (host when its client is new enough, else the container), Host or Container.</summary>
    public enum PgToolMode
    {
        Auto,
        Host,
        Container,
    }

    /// <summary>A host folder of PostgreSQL programs and the version they report.</summary>
    internal sealed class PgInstallation
    {
        public PgInstallation(string dir, string version, int major)
        {
            Dir = dir;
            Version = version;
            Major = major;
        }

        public string Dir { get; }
        public string Version { get; }
        public int Major { get; }
    }

    /// <summary>
    /// The one place that finds PostgreSQL's programs and runs them. On the host: $env:PLATFORMOPS_PG_BIN, the
    /// distributions' folders (/usr/lib/postgresql/N/bin, /usr/pgsql-N/bin, Homebrew, /Library/PostgreSQL), then PATH,
    /// each asked its version; the fit for a server is its own major version, else the oldest newer one. In a
    /// container: the PostgreSQL container's own programs, through the Docker engine. The client tools (pg_dump,
    /// pg_restore, pg_dumpall, psql) get the password only through their environment (PGPASSFILE on the host when the
    /// target came from a pass file, else PGPASSWORD).
    /// </summary>
    internal sealed class PgTools : IDisposable
    {
        /// <summary>What a host folder must hold to back up and restore: the version is pg_dump's.</summary>
        private static readonly string[] ClientPrograms = { "pg_dump", "pg_restore" };
        private static readonly Regex VersionPattern = new Regex(@"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?", RegexOptions.CultureInvariant);

        private readonly PostgresTarget _target;
        private readonly string _binDir;
        private readonly DockerClient? _docker;
        private readonly ContainerInspectResponse? _container;
        private readonly string _connectHost;
        private readonly int _connectPort;

        private PgTools(PostgresTarget target, string mode, string binDir, string version, int major, DockerClient? docker,
            ContainerInspectResponse? container, string connectHost, int connectPort)
        {
            _target = target;
            Mode = mode;
            _binDir = binDir;
            Version = version;
            Major = major;
            _docker = docker;
            _container = container;
            _connectHost = connectHost;
            _connectPort = connectPort;
        }

        /// <summary>Host or Container.</summary>
        public string Mode { get; }
        public string Version { get; }
        public int Major { get; }
        public string? ContainerName => _container?.Name?.TrimStart('/');
        public bool InContainer => _container != null;
        /// <summary>The server's major version when known (0 for a scratch cluster's tools).</summary>
        public int ServerMajor { get; private set; }

        /// <summary>Finds the tools. <paramref name="socketDirectory"/> and <paramref name="serverPort"/> are the server's own (SHOW unix_socket_directories, port), used inside its container.</summary>
        public static async Task<PgTools> ResolveAsync(PostgresTarget target, PgToolMode mode, int serverMajor, DockerTarget? docker,
            string? socketDirectory, int serverPort, Action<string> log, CancellationToken cancellationToken)
        {
            string? hostProblem = null;
            if (mode != PgToolMode.Container)
            {
                var candidates = await FindHostAsync(ClientPrograms, cancellationToken).ConfigureAwait(false);
                if (Fit(candidates, serverMajor, newerAllowed: true) is PgInstallation fit)
                {
                    log($"PostgreSQL tools: host, {fit.Dir} (pg_dump {fit.Version}; server {serverMajor}).");
                    return new PgTools(target, "Host", fit.Dir, fit.Version, fit.Major, null, null, target.Host, target.Port) { ServerMajor = serverMajor };
                }
                hostProblem = candidates.Count == 0
                    ? "no pg_dump was found on this machine"
                    : $"the newest pg_dump here is {candidates.Max(c => c.Major)}, older than the server's {serverMajor} (a client must not be older than the server)";
                if (mode == PgToolMode.Host)
                    throw new PlatformOpsException(candidates.Count == 0 ? "PostgresClientNotFound" : "PostgresClientTooOld",
                        candidates.Count == 0 ? System.Management.Automation.ErrorCategory.ObjectNotFound : System.Management.Automation.ErrorCategory.InvalidOperation,
                        target, $"Cannot use host tools: {hostProblem}. Install postgresql-client-{serverMajor} or use -ToolMode Container.");
                log($"Host tools unusable ({hostProblem}); using the PostgreSQL container.");
            }

            if (string.IsNullOrEmpty(target.Container) || docker == null)
                throw new PlatformOpsException(hostProblem == null ? "PostgresContainerUnknown" : "PostgresClientTooOld",
                    System.Management.Automation.ErrorCategory.InvalidOperation, target,
                    hostProblem == null
                        ? "-ToolMode Container needs the PostgreSQL container's name: set Postgres.Container in the platform profile."
                        : $"Cannot back up: {hostProblem}, and no PostgreSQL container is named in the profile. Install postgresql-client-{serverMajor} or set Postgres.Container.");

            var client = docker.CreateClient(TimeSpan.FromSeconds(100));
            try
            {
                ContainerInspectResponse inspected;
                try
                {
                    inspected = await client.Containers.InspectContainerAsync(target.Container, cancellationToken).ConfigureAwait(false);
                }
                catch (DockerContainerNotFoundException ex)
                {
                    throw new PlatformOpsException("DockerContainerNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, target.Container,
                        $"The PostgreSQL container '{target.Container}' does not exist.", ex);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is PlatformOpsException))
                {
                    throw docker.Explain(ex);
                }
                if (inspected.State?.Running != true)
                    throw new PlatformOpsException("DockerContainerNotRunning", System.Management.Automation.ErrorCategory.ResourceUnavailable, target.Container,
                        $"The PostgreSQL container '{target.Container}' is not running.");

                var binDir = string.Empty;
                if (!string.IsNullOrEmpty(inspected.Path) && inspected.Path.EndsWith("/postgres", StringComparison.Ordinal))
                    binDir = inspected.Path.Substring(0, inspected.Path.Length - "/postgres".Length);
                var host = string.IsNullOrEmpty(socketDirectory) ? "127.0.0.1" : socketDirectory!;
                var probe = new PgTools(target, "Container", binDir, string.Empty, 0, client, inspected, host, serverPort);
                var result = await probe.RunAsync(new ProcessSpec(probe.Tool("pg_dump"), "--version"), cancellationToken).ConfigureAwait(false);
                var (version, major) = ParseVersion(result.StandardOutput);
                if (!result.Succeeded || major == 0)
                    throw new PlatformOpsException("PostgresClientNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, target.Container,
                        $"pg_dump cannot be run in container '{target.Container}': {ProcessRunner.LastLines(result.StandardError)}");
                if (major < serverMajor)
                    throw new PlatformOpsException("PostgresClientTooOld", System.Management.Automation.ErrorCategory.InvalidOperation, target.Container,
                        $"pg_dump {version} in container '{target.Container}' is older than the server ({serverMajor}).");
                log($"PostgreSQL tools: container {target.Container} (pg_dump {version}), connecting to {host} port {serverPort}.");
                return new PgTools(target, "Container", binDir, version, major, client, inspected, host, serverPort) { ServerMajor = serverMajor };
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <summary>Host tools from a known folder, pointed at another server (a scratch cluster).</summary>
        internal static PgTools Host(PostgresTarget target, string binDir, string version, int major)
            => new PgTools(target, "Host", binDir, version, major, null, null, target.Host, target.Port);

        /// <summary>The host folder whose client tools best fit a server major version, or null.</summary>
        internal static async Task<PgInstallation?> FindHostFolderAsync(int serverMajor, CancellationToken cancellationToken)
            => Fit(await FindHostAsync(ClientPrograms, cancellationToken).ConfigureAwait(false), serverMajor, newerAllowed: true);

        /// <summary>
        /// The host folder holding every program named, at a server's major version (or, when <paramref name="newerAllowed"/>,
        /// the oldest newer one); PostgresProgramNotFound, saying what was found, when there is none.
        /// </summary>
        public static async Task<PgInstallation> FindProgramsAsync(int major, bool newerAllowed, CancellationToken cancellationToken, params string[] programs)
        {
            if (programs == null || programs.Length == 0) throw new ArgumentException("Name at least one program.", nameof(programs));
            var found = await FindHostAsync(programs, cancellationToken).ConfigureAwait(false);
            if (Fit(found, major, newerAllowed) is PgInstallation fit) return fit;
            throw new PlatformOpsException("PostgresProgramNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, programs[0],
                $"No {string.Join(" and ", programs)} of PostgreSQL {major}{(newerAllowed ? " or newer" : string.Empty)} was found" +
                (found.Count > 0 ? $" (found: {string.Join(", ", found.Select(f => $"{f.Dir} ({f.Version})"))})" : string.Empty) +
                $". Install the PostgreSQL {major} server or client package, or set $env:PLATFORMOPS_PG_BIN to its bin folder.");
        }

        /// <summary>The server's own major version first, else (when allowed) the oldest newer one; ties go to the earlier folder.</summary>
        private static PgInstallation? Fit(IEnumerable<PgInstallation> candidates, int major, bool newerAllowed)
            => candidates.Where(c => c.Major == major || (newerAllowed && c.Major > major))
                .OrderBy(c => c.Major == major ? 0 : 1).ThenBy(c => c.Major).FirstOrDefault();

        internal static (string Version, int Major) ParseVersion(string text)
        {
            var m = VersionPattern.Match(text ?? string.Empty);
            if (!m.Success) return (string.Empty, 0);
            var major = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return (m.Groups[2].Success ? $"{major}.{m.Groups[2].Value}" : m.Groups[1].Value, major);
        }

        /// <summary>A program's file name on this system (name.exe on Windows).</summary>
        public static string Exe(string name) => RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? name + ".exe" : name;

        /// <summary>The host folders that may hold PostgreSQL programs, in the order they are preferred.</summary>
        private static IEnumerable<string> CandidateFolders()
        {
            var forced = Environment.GetEnvironmentVariable("PLATFORMOPS_PG_BIN");
            if (!string.IsNullOrEmpty(forced)) yield return forced!;
            foreach (var (root, pattern, sub) in new[]
                     {
                         ("/usr/lib/postgresql", "*", "bin"), ("/usr", "pgsql-*", "bin"), ("/opt/homebrew/opt", "postgresql@*", "bin"),
                         ("/usr/local/opt", "postgresql@*", "bin"), ("/Library/PostgreSQL", "*", "bin"),
                     })
            {
                string[] dirs;
                try
                {
                    dirs = Directory.Exists(root) ? Directory.GetDirectories(root, pattern) : Array.Empty<string>();
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    continue;
                }
                foreach (var d in dirs.OrderBy(d => d, StringComparer.Ordinal)) yield return System.IO.Path.Combine(d, sub);
            }
            foreach (var p in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator))
                if (!string.IsNullOrEmpty(p)) yield return p;
        }

        /// <summary>Every host folder holding all of <paramref name="programs"/>, with the version the first one reports.</summary>
        internal static async Task<List<PgInstallation>> FindHostAsync(IReadOnlyList<string> programs, CancellationToken cancellationToken)
        {
            var found = new List<PgInstallation>();
            foreach (var dir in CandidateFolders().Distinct(StringComparer.Ordinal))
            {
                if (!programs.All(p => File.Exists(System.IO.Path.Combine(dir, Exe(p))))) continue;
                try
                {
                    var r = await ProcessRunner.RunAsync(new ProcessSpec(System.IO.Path.Combine(dir, Exe(programs[0])), "--version"), cancellationToken).ConfigureAwait(false);
                    var (version, major) = ParseVersion(r.StandardOutput);
                    if (r.Succeeded && major > 0) found.Add(new PgInstallation(dir, version, major));
                }
                catch (PlatformOpsException) { }
            }
            return found;
        }

        /// <summary>The path of a tool: in its folder when known, else by name (the container's PATH).</summary>
        public string Tool(string name) => _binDir.Length == 0 ? name : (InContainer ? _binDir + "/" + name : System.IO.Path.Combine(_binDir, Exe(name)));

        /// <summary>A command for a tool with the connection options (-h, -p, -U) and the password in the environment.</summary>
        public ProcessSpec Spec(string tool, string applicationName, IEnumerable<string> arguments)
        {
            var spec = new ProcessSpec(Tool(tool), "-h", _connectHost, "-p", _connectPort.ToString(CultureInfo.InvariantCulture), "-U", _target.Username);
            foreach (var a in arguments) spec.Arguments.Add(a);
            spec.Environment["PGAPPNAME"] = applicationName;
            spec.Environment["PGCONNECT_TIMEOUT"] = "10";
            spec.Environment["PGSSLMODE"] = InContainer ? "prefer" : _target.SslMode.ToLowerInvariant();
            spec.Environment["PGPASSWORD"] = null;
            spec.Environment["PGPASSFILE"] = null;
            if (!InContainer && _target.PassFile != null) spec.Environment["PGPASSFILE"] = _target.PassFile;
            else if (_target.Password != null) spec.Environment["PGPASSWORD"] = _target.Password;
            return spec;
        }

        public Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken, Stream? input = null, Stream? output = null)
            => _docker != null && _container != null
                ? DockerExec.RunAsync(_docker, _container.ID, spec, DockerExec.CurrentUser(), cancellationToken, input, output)
                : ProcessRunner.RunAsync(spec, cancellationToken, input, output);

        /// <summary>The path the tools see for a host path: itself on the host; through the container's bind mounts, or null.</summary>
        public string? PathFor(string hostPath) => _container == null ? hostPath : DockerExec.ContainerPathOf(_container, hostPath);

        /// <summary>The path the tools see, or a clear error when a container cannot see the folder.</summary>
        public string RequirePathFor(string hostPath, string what)
            => PathFor(hostPath) ?? throw new PlatformOpsException("PlatformBackupFolderNotMounted", System.Management.Automation.ErrorCategory.InvalidOperation, hostPath,
                $"The PostgreSQL container '{ContainerName}' cannot see '{hostPath}' ({what}): it is not under one of its bind mounts. Mount the backup folder into the container, use -Format Plain (streamed through the Docker API), or use host tools.");

        public void Dispose() => _docker?.Dispose();
    }
}

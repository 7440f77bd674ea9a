using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace PlatformOps.Common
{
    /// <summary>
    /// Runs a command inside a running container through the Docker engine API (exec), with stdout streamed to a
    /// stream, stdin streamed from one, stderr kept (last 64 KB, secrets masked) and the exit code read back.
    /// Secrets go in <see cref="ProcessSpec.Environment"/> (the exec's Env), never in the arguments.
    /// Cancellation kills the exec'd process (by its host pid when the engine is local) and ends the attach.
    /// </summary>
    public static class DockerExec
    {
        /// <summary>Runs <paramref name="spec"/> in <paramref name="container"/>. Standard output goes to <paramref name="output"/> when given, else it is captured as text.</summary>
        /// <param name="user">The exec's user ("uid:gid" or a name); null for the container's own user.</param>
        public static async Task<ProcessResult> RunAsync(DockerClient client, string container, ProcessSpec spec, string? user,
            CancellationToken cancellationToken, Stream? input = null, Stream? output = null)
        {
            if (client == null) throw new ArgumentNullException(nameof(client));
            if (spec == null) throw new ArgumentNullException(nameof(spec));
            var clock = Stopwatch.StartNew();
            // A process started by exec is the container's child, not ours: it does not die when this process is killed.
            // Without input, it runs under a watchdog that kills it when its stdin (our attach) closes, which the engine
            // does when this process goes away. With input, the tool itself reads the end of its stdin and stops.
            var watched = input == null;
            var command = watched
                ? new List<string> { "/bin/sh", "-c", Watchdog, "platformops-watchdog", spec.FileName }.Concat(spec.Arguments).ToList()
                : new List<string> { spec.FileName }.Concat(spec.Arguments).ToList();
            var parameters = new ContainerExecCreateParameters
            {
                AttachStdout = true,
                AttachStderr = true,
                AttachStdin = true,
                Tty = false,
                Cmd = command,
                Env = spec.Environment.Where(p => p.Value != null).Select(p => p.Key + "=" + p.Value).ToList(),
                User = user,
                WorkingDir = spec.WorkingDirectory,
            };
            string execId;
            try
            {
                execId = (await client.Exec.ExecCreateContainerAsync(container, parameters, cancellationToken).ConfigureAwait(false)).ID;
            }
            catch (DockerContainerNotFoundException ex)
            {
                throw new PlatformOpsException("DockerContainerNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, container,
                    $"The container '{container}' does not exist. Check the profile's Container setting.", ex);
            }
            catch (DockerApiException ex)
            {
                throw new PlatformOpsException("DockerExecFailed", System.Management.Automation.ErrorCategory.InvalidOperation, container,
                    $"Cannot run '{spec.FileName}' in container '{container}': {PlatformErrors.Reason(ex)}", ex);
            }

            using var stream = await client.Exec.StartAndAttachContainerExecAsync(execId, false, cancellationToken).ConfigureAwait(false);
            using var kill = cancellationToken.Register(() => _ = KillAsync(client, execId));

            Task? copyIn = null;
            if (input != null)
            {
                copyIn = Task.Run(async () =>
                {
                    var buffer = new byte[1 << 16];
                    try
                    {
                        int n;
                        while ((n = await input.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
                            await stream.WriteAsync(buffer, 0, n, cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException) { /* the process closed its stdin early: its exit code tells why */ }
                    finally
                    {
                        try { stream.CloseWrite(); } catch (IOException) { } catch (ObjectDisposedException) { }
                    }
                }, CancellationToken.None);
            }

            var stderr = new StringBuilder();
            var captured = output == null ? new MemoryStream() : null;
            var target = output ?? captured!;
            var read = new byte[1 << 16];
            try
            {
                while (true)
                {
                    var result = await stream.ReadOutputAsync(read, 0, read.Length, cancellationToken).ConfigureAwait(false);
                    if (result.EOF) break;
                    if (result.Target == MultiplexedStream.TargetStream.StandardOut)
                    {
                        await target.WriteAsync(read, 0, result.Count, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        stderr.Append(Encoding.UTF8.GetString(read, 0, result.Count));
                        if (stderr.Length > 65536) stderr.Remove(0, stderr.Length - 65536);
                    }
                }
                if (copyIn != null) await copyIn.ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();

                // The attach ends a moment before the engine records the exit code.
                ContainerExecInspectResponse inspected;
                var wait = Stopwatch.StartNew();
                do
                {
                    inspected = await client.Exec.InspectContainerExecAsync(execId, cancellationToken).ConfigureAwait(false);
                    if (!inspected.Running) break;
                    await Task.Delay(20, cancellationToken).ConfigureAwait(false);
                }
                while (wait.Elapsed < TimeSpan.FromSeconds(30));

                return new ProcessResult
                {
                    ExitCode = (int)inspected.ExitCode,
                    StandardOutput = captured == null ? string.Empty : Encoding.UTF8.GetString(captured.ToArray()),
                    StandardError = Sensitive.Redact(stderr.ToString().Trim()),
                    Duration = clock.Elapsed,
                };
            }
            catch
            {
                await KillAsync(client, execId).ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>
        /// The watchdog: runs "$@" in the background with stdin from /dev/null, and a shell loop (a builtin, no process of
        /// its own) that reads the real stdin (fd 3) until it ends, then sends the tool SIGTERM: pg_dump and pg_restore
        /// then cancel their queries, pass the signal to their -j workers and exit with status 1. The shell outlives and
        /// reaps everything it started, and nothing is ever sent SIGKILL: in a container whose PID 1 is the postmaster
        /// (the usual postgres image, and the lab's), a process orphaned to PID 1 that dies of a signal makes PostgreSQL
        /// treat it as a crashed backend and restart every session. The tool's exit status is the exec's.
        /// </summary>
        internal const string Watchdog =
            "exec 3<&0\n" +
            "\"$@\" </dev/null 3<&- &\n" +
            "p=$!\n" +
            "{ while read -r _ <&3; do :; done; kill -TERM \"$p\"; } >/dev/null 2>&1 &\n" +
            "w=$!\n" +
            "exec 3<&- </dev/null\n" +
            "wait \"$p\"; rc=$?\n" +
            "kill \"$w\" 2>/dev/null; wait \"$w\" 2>/dev/null\n" +
            "exit $rc\n";

        /// <summary>
        /// Stops an exec'd tool: SIGTERM to the processes below the exec's own (the watchdog shell, which then reaps them
        /// and exits), never SIGKILL (see <see cref="Watchdog"/>). Docker has no "kill exec" call, so this needs the engine
        /// on this machine; elsewhere the closed attach ends the watchdog's stdin, which does the same.
        /// </summary>
        private static async Task KillAsync(DockerClient client, string execId)
        {
            try
            {
                var inspected = await client.Exec.InspectContainerExecAsync(execId, CancellationToken.None).ConfigureAwait(false);
                if (!inspected.Running || inspected.Pid <= 0) return;
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
                var below = Descendants((int)inspected.Pid);
                // Without the watchdog (a tool fed from stdin) the exec's own process is the tool.
                foreach (var pid in below.Count > 0 ? below : new List<int> { (int)inspected.Pid })
                    ChildLauncher.Signal(pid, 15);
            }
            catch (Exception)
            {
                // Already gone, or the engine is remote: the closed attach ends the watchdog's stdin.
            }
        }

        /// <summary>The children, grandchildren, ... of a host pid (from /proc), deepest last; empty where /proc is not there.</summary>
        internal static List<int> Descendants(int root)
        {
            var parents = new Dictionary<int, List<int>>();
            try
            {
                foreach (var dir in Directory.GetDirectories("/proc"))
                {
                    if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                    try
                    {
                        var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                        var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                        var ppid = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                        if (!parents.TryGetValue(ppid, out var list)) parents[ppid] = list = new List<int>();
                        list.Add(pid);
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException || ex is ArgumentOutOfRangeException) { }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
            var result = new List<int>();
            var queue = new Queue<int>();
            queue.Enqueue(root);
            while (queue.Count > 0)
                if (parents.TryGetValue(queue.Dequeue(), out var children))
                    foreach (var child in children)
                        if (!result.Contains(child)) { result.Add(child); queue.Enqueue(child); }
            return result;
        }

        /// <summary>"uid:gid" of this process on Unix (so files an exec writes into a bind mount belong to the caller), else null.</summary>
        public static string? CurrentUser()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return null;
            try
            {
                return NativeIds.GetUid().ToString(System.Globalization.CultureInfo.InvariantCulture) + ":"
                       + NativeIds.GetGid().ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (DllNotFoundException)
            {
                return null;
            }
            catch (EntryPointNotFoundException)
            {
                return null;
            }
        }

        /// <summary>Maps a host path to the path a container sees it at through its bind mounts; null when it is not mounted.</summary>
        public static string? ContainerPathOf(ContainerInspectResponse container, string hostPath)
        {
            if (container == null) throw new ArgumentNullException(nameof(container));
            var full = Path.GetFullPath(hostPath).TrimEnd('/');
            MountPoint? best = null;
            foreach (var mount in container.Mounts ?? new List<MountPoint>())
            {
                if (string.IsNullOrEmpty(mount.Source)) continue;
                var source = mount.Source.TrimEnd('/');
                if (full == source || full.StartsWith(source + "/", StringComparison.Ordinal))
                    if (best == null || source.Length > best.Source.TrimEnd('/').Length) best = mount;
            }
            if (best == null) return null;
            return best.Destination.TrimEnd('/') + full.Substring(best.Source.TrimEnd('/').Length);
        }

        private static class NativeIds
        {
            [DllImport("libc", EntryPoint = "getuid")]
            private static extern uint getuid();

            [DllImport("libc", EntryPoint = "getgid")]
            private static extern uint getgid();

            public static uint GetUid() => getuid();
            public static uint GetGid() => getgid();
        }
    }
}

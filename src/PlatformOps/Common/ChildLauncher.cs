using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace PlatformOps.Common
{
    /// <summary>
    /// Makes the tools PlatformOps starts (pg_dump, pg_restore, psql, compressors, ...) die with the process that
    /// started them, even when it is killed with SIGKILL and has no chance to clean up, together with the workers they
    /// fork (pg_restore -j, pg_dump -j). On Linux each child is started as
    /// <c>setpriv --pdeathsig TERM -- setsid /bin/sh -c GUARD tool args</c>: the kernel sends the guard shell SIGTERM when
    /// its parent goes away, and the guard, leader of a process group of its own, kills that whole group (the tool and
    /// its workers). The kernel means the parent THREAD, and .NET forks from the thread that calls Process.Start, so
    /// every child is started from one dedicated thread that lives as long as the process: a pool thread that retires
    /// after a quiet minute would otherwise kill a long restore with it. Elsewhere (or without setpriv and setsid)
    /// children start as before.
    /// </summary>
    internal static class ChildLauncher
    {
        private static readonly BlockingCollection<(Process Process, TaskCompletionSource<bool> Done)> Queue =
            new BlockingCollection<(Process, TaskCompletionSource<bool>)>();

        private static readonly string[] SetprivCandidates = { "/usr/bin/setpriv", "/bin/setpriv" };
        private static readonly string[] SetsidCandidates = { "/usr/bin/setsid", "/bin/setsid" };

        /// <summary>The guard: on SIGTERM (its parent died) kill its process group; else run the tool (stdin passed on through fd 3) and exit with its status.</summary>
        internal const string Guard =
            "trap 'trap - TERM; kill -KILL 0' TERM; exec 3<&0; \"$@\" <&3 3<&- & p=$!; exec 3<&-; wait \"$p\"";

        private static readonly Lazy<string?> Setsid = new Lazy<string?>(() => SetsidCandidates.FirstOrDefault(File.Exists));
        private static readonly Lazy<string?> Setpriv = new Lazy<string?>(FindSetpriv);
        private static readonly Lazy<Thread> Launcher = new Lazy<Thread>(StartThread);

        /// <summary>The setpriv used, or null when children are started directly.</summary>
        internal static string? SetprivPath => Setpriv.Value;

        /// <summary>Rewrites a start info so the child gets SIGKILL when this process dies (Linux with setpriv), keeping "not found" errors as they were.</summary>
        public static void DieWithThisProcess(ProcessStartInfo psi)
        {
            var setpriv = Setpriv.Value;
            if (setpriv == null || Environment.GetEnvironmentVariable("PLATFORMOPS_NO_PDEATHSIG") == "1") return;
            var program = Resolve(psi.FileName);
            if (program == null) return; // let Process.Start report it as before
            var setsid = Setsid.Value;
            var tool = ProcessRunner.Quote(program) + (psi.Arguments.Length > 0 ? " " + psi.Arguments : string.Empty);
            psi.Arguments = setsid == null || !File.Exists("/bin/sh")
                ? "--pdeathsig KILL -- " + tool
                : "--pdeathsig TERM -- " + setsid + " /bin/sh -c " + ProcessRunner.Quote(Guard) + " platformops-guard " + tool;
            psi.FileName = setpriv;
        }

        /// <summary>Kills a child and, when it leads a process group of its own (the guard), that whole group.</summary>
        public static void Kill(Process process)
        {
            try
            {
                // The result does not matter: the group may be gone already.
                if (Setpriv.Value != null && Setsid.Value != null && !process.HasExited) _ = NativeKill(-process.Id, 9);
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException || ex is InvalidOperationException) { }
            try
            {
                if (!process.HasExited) process.Kill();
            }
            catch (InvalidOperationException) { }
            catch (System.ComponentModel.Win32Exception) { }
        }

        /// <summary>Sends a signal to a process (Unix); false when it could not be sent (gone, not ours, or not Unix).</summary>
        public static bool Signal(int pid, int signal)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || pid <= 0) return false;
            try
            {
                return NativeKill(pid, signal) == 0;
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
                return false;
            }
        }

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int NativeKill(int pid, int signal);

        /// <summary>Starts the process from the launcher thread on Linux (so that parent-death signals track this process), else here.</summary>
        public static void Start(Process process)
        {
            if (Setpriv.Value == null)
            {
                process.Start();
                return;
            }
            _ = Launcher.Value;
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Queue.Add((process, done));
            done.Task.GetAwaiter().GetResult();
        }

        private static Thread StartThread()
        {
            var thread = new Thread(() =>
            {
                foreach (var (process, done) in Queue.GetConsumingEnumerable())
                {
                    try
                    {
                        process.Start();
                        done.SetResult(true);
                    }
                    catch (Exception ex)
                    {
                        done.SetException(ex);
                    }
                }
            })
            {
                IsBackground = true,
                Name = "PlatformOps child launcher",
            };
            thread.Start();
            return thread;
        }

        private static string? FindSetpriv()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
            return SetprivCandidates.FirstOrDefault(File.Exists);
        }

        /// <summary>The full path of a program as execvp would find it, or null.</summary>
        private static string? Resolve(string fileName)
        {
            if (fileName.IndexOf('/') >= 0) return File.Exists(fileName) ? Path.GetFullPath(fileName) : null;
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
            {
                if (string.IsNullOrEmpty(dir)) continue;
                var candidate = Path.Combine(dir, fileName);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }
    }
}

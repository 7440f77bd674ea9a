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
    /// started them, even when it is killed with SIGKILL and has no chance to clean up. On Linux each child is started
    /// through util-linux's <c>setpriv --pdeathsig KILL</c>, which asks the kernel to send it SIGKILL when its parent
    /// goes away. The kernel means the parent THREAD, and .NET forks from the thread that calls Process.Start, so every
    /// child is started from one dedicated thread that lives as long as the process: a pool thread that retires after
    /// a quiet minute would otherwise kill a long restore with it. Elsewhere (or without setpriv) children start as before.
    /// </summary>
    internal static class ChildLauncher
    {
        private static readonly BlockingCollection<(Process Process, TaskCompletionSource<bool> Done)> Queue =
            new BlockingCollection<(Process, TaskCompletionSource<bool>)>();

        private static readonly string[] SetprivCandidates = { "/usr/bin/setpriv", "/bin/setpriv" };
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
            psi.Arguments = "--pdeathsig KILL -- " + ProcessRunner.Quote(program) + (psi.Arguments.Length > 0 ? " " + psi.Arguments : string.Empty);
            psi.FileName = setpriv;
        }

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

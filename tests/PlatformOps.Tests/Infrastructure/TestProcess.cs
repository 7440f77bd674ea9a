using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace PlatformOps.Tests.Infrastructure
{
    /// <summary>
    /// The one way a test runs a program: arguments as a list (never through a shell's parser), both output streams
    /// read, a deadline, and secrets only by environment or file. An argument that holds a lab password or a secret a
    /// test registered with <see cref="KeepSecret"/> is refused before anything starts, so a test cannot put a
    /// password where <c>ps</c> shows it.
    /// </summary>
    public static class TestProcess
    {
        private static readonly ConcurrentDictionary<string, bool> Secrets = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        /// <summary>Registers a secret a test made (a throwaway password): from now on no process argument may hold it.</summary>
        public static string KeepSecret(string secret)
        {
            if (secret.Length >= 6) Secrets[secret] = true;
            return secret;
        }

        /// <summary>Runs a program to its end (or kills it at the deadline) and returns its exit code and output.</summary>
        public static Result Run(string file, IEnumerable<string> arguments, ProcessOptions? options = null)
        {
            options ??= new ProcessOptions();
            var args = arguments.ToArray();
            using var p = Process.Start(StartInfo(file, args, options, redirectInput: true))!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (options.StandardInput != null) p.StandardInput.Write(options.StandardInput);
            p.StandardInput.Close();
            if (!p.WaitForExit(options.TimeoutSeconds * 1000))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"{Describe(file, args)} took over {options.TimeoutSeconds} s");
            }
            return new Result(file, args, p.ExitCode, stdout.Result, stderr.Result);
        }

        public static Result Run(string file, params string[] arguments) => Run(file, arguments, null);

        /// <summary>Runs a program that must succeed and returns its standard output; a non-zero exit fails the test with its output.</summary>
        public static string Check(string file, params string[] arguments) => Run(file, arguments, null).EnsureSuccess().StdOut;

        /// <summary>Runs a program as the postgres user (setpriv, with a clean environment), as the lab's and a test's own clusters need.</summary>
        public static string AsPostgres(string program, params string[] arguments)
            => Run("setpriv", new[] { "--reuid=postgres", "--regid=postgres", "--init-groups", "--reset-env", "--", program }.Concat(arguments),
                new ProcessOptions { WorkingDirectory = "/" }).EnsureSuccess().StdOut;

        /// <summary>
        /// Starts a program that runs beside the test (a server, a child pwsh to kill); its output is collected as it
        /// comes. Dispose kills it (and what it started) if it still runs. <see cref="ProcessOptions.StandardInput"/>,
        /// when given, is written and the input closed; otherwise the input stays open and empty.
        /// </summary>
        public static RunningProcess Start(string file, IEnumerable<string> arguments, ProcessOptions? options = null)
        {
            options ??= new ProcessOptions();
            var args = arguments.ToArray();
            var p = Process.Start(StartInfo(file, args, options, redirectInput: true))!;
            var running = new RunningProcess(p, Describe(file, args));
            if (options.StandardInput != null)
            {
                p.StandardInput.Write(options.StandardInput);
                p.StandardInput.Close();
            }
            return running;
        }

        /// <summary>Starts a child pwsh (the repository's dotnet tool) that imports the module the tests build and runs <paramref name="script"/>.</summary>
        public static RunningProcess StartPwsh(string script, ProcessOptions? options = null)
        {
            var module = typeof(PlatformOps.Common.PlatformCmdlet).Assembly.Location;
            options ??= new ProcessOptions();
            options.WorkingDirectory ??= Lab.RepositoryRoot;
            return Start("dotnet", new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command", $"Import-Module '{module}'; {script}" }, options);
        }

        private static ProcessStartInfo StartInfo(string file, string[] arguments, ProcessOptions options, bool redirectInput)
        {
            RefuseSecrets(file, arguments);
            var psi = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput, UseShellExecute = false,
            };
            if (options.WorkingDirectory != null) psi.WorkingDirectory = options.WorkingDirectory;
            foreach (var a in arguments) psi.ArgumentList.Add(a);
            foreach (var (name, value) in options.Environment)
            {
                if (value == null) psi.Environment.Remove(name);
                else psi.Environment[name] = value;
            }
            return psi;
        }

        private static void RefuseSecrets(string file, string[] arguments)
        {
            foreach (var secret in Secrets.Keys.Concat(LabSecrets.Value))
            {
                if (file.Contains(secret, StringComparison.Ordinal) || arguments.Any(a => a.Contains(secret, StringComparison.Ordinal)))
                    throw new InvalidOperationException($"A secret was about to be passed to {Path.GetFileName(file)} as a process argument; pass it by environment or a file.");
            }
        }

        /// <summary>The lab's passwords, when the lab has been made (the files are read once).</summary>
        private static readonly Lazy<string[]> LabSecrets = new Lazy<string[]>(() =>
            new[] { Lab.PostgresPasswordFile, Lab.RedisPasswordFile }
                .Where(File.Exists).Select(f => File.ReadAllText(f).Trim()).Where(s => s.Length >= 6).ToArray());

        private static string Describe(string file, string[] arguments) => file + (arguments.Length > 0 ? " " + string.Join(' ', arguments) : string.Empty);

        public sealed class Result
        {
            internal Result(string file, string[] arguments, int exitCode, string stdOut, string stdErr)
            {
                Command = Describe(file, arguments);
                ExitCode = exitCode;
                StdOut = stdOut;
                StdErr = stdErr;
            }

            public string Command { get; }
            public int ExitCode { get; }
            public string StdOut { get; }
            public string StdErr { get; }

            /// <summary>Standard output, then standard error.</summary>
            public string Output => StdOut + StdErr;

            public Result EnsureSuccess()
            {
                if (ExitCode != 0) throw new InvalidOperationException($"{Command} failed ({ExitCode}): {StdErr}{StdOut}");
                return this;
            }

            public void Deconstruct(out int exitCode, out string output)
            {
                exitCode = ExitCode;
                output = Output;
            }
        }
    }

    /// <summary>How <see cref="TestProcess"/> runs a program: its environment (a null value removes a variable), folder, input and deadline.</summary>
    public sealed class ProcessOptions
    {
        public Dictionary<string, string?> Environment { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);
        public string? WorkingDirectory { get; set; }
        public string? StandardInput { get; set; }
        public int TimeoutSeconds { get; set; } = 120;
    }

    /// <summary>A program started by <see cref="TestProcess.Start"/>: its output so far, and a kill on Dispose.</summary>
    public sealed class RunningProcess : IDisposable
    {
        private readonly StringBuilder _output = new StringBuilder();
        private readonly string _command;
        private bool _disposed;

        internal RunningProcess(Process process, string command)
        {
            Process = process;
            _command = command;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }
        public int Id => Process.Id;
        public bool HasExited => Process.HasExited;
        public int ExitCode => Process.ExitCode;

        /// <summary>What it wrote to standard output and standard error so far, line by line as it came.</summary>
        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public bool WaitForExit(int milliseconds)
        {
            if (!Process.WaitForExit(milliseconds)) return false;
            Process.WaitForExit();   // the output readers are drained too
            return true;
        }

        /// <summary>Kills it and everything it started, if it still runs.</summary>
        public void Kill()
        {
            try { if (!Process.HasExited) Process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
        }

        public override string ToString() => _command;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Kill();
            Process.WaitForExit(10_000);
            Process.Dispose();
        }

        private void Append(string? line)
        {
            if (line == null) return;
            lock (_output) _output.AppendLine(line);
        }
    }
}

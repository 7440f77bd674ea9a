using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PlatformOps.Common
{
    /// <summary>A child process to run: program, arguments (never a secret), extra environment (where secrets go).</summary>
    public sealed class ProcessSpec
    {
        public ProcessSpec(string fileName, params string[] arguments)
        {
            FileName = fileName;
            Arguments = arguments.ToList();
        }

        public string FileName { get; }
        public IList<string> Arguments { get; }
        /// <summary>Variables added to (or, with a null value, removed from) the child's environment.</summary>
        public IDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>();
        public string? WorkingDirectory { get; set; }

        /// <summary>The command line as it may be shown: arguments only, secrets never live there.</summary>
        public override string ToString() => FileName + " " + string.Join(" ", Arguments.Select(ProcessRunner.Quote));
    }

    public sealed class ProcessResult
    {
        public int ExitCode { get; internal set; }
        /// <summary>Standard output, when it was captured rather than streamed.</summary>
        public string StandardOutput { get; internal set; } = string.Empty;
        /// <summary>The last 64 KB of standard error, secrets masked.</summary>
        public string StandardError { get; internal set; } = string.Empty;
        public TimeSpan Duration { get; internal set; }
        public bool Succeeded => ExitCode == 0;
    }

    /// <summary>
    /// Runs child processes with streamed stdin/stdout, cancellation that kills the child, and stderr kept for errors.
    /// </summary>
    public static class ProcessRunner
    {
        private static readonly char[] NeedsQuoting = { ' ', '\t', '\n', '"', '\\', '\'' };

        /// <summary>Runs a process. Standard output goes to <paramref name="output"/> when given, else it is captured as text.</summary>
        public static async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken,
            Stream? input = null, Stream? output = null)
        {
            var psi = new ProcessStartInfo(spec.FileName, string.Join(" ", spec.Arguments.Select(Quote)))
            {
                UseShellExecute = false,
                RedirectStandardInput = input != null,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            if (spec.WorkingDirectory != null) psi.WorkingDirectory = spec.WorkingDirectory;
            foreach (var pair in spec.Environment)
            {
                if (pair.Value == null) psi.Environment.Remove(pair.Key);
                else psi.Environment[pair.Key] = pair.Value;
            }

            ChildLauncher.DieWithThisProcess(psi);
            var clock = Stopwatch.StartNew();
            using var process = new Process { StartInfo = psi };
            try
            {
                ChildLauncher.Start(process);
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new PlatformOpsException("ProcessNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, spec.FileName,
                    $"Cannot start '{spec.FileName}': {ex.Message}. Is it installed and on PATH?", ex);
            }

            using var kill = cancellationToken.Register(() => { ChildLauncher.Kill(process); });
            var stderr = new StringBuilder();
            var stderrTask = Task.Run(async () =>
            {
                var buffer = new char[4096];
                int n;
                while ((n = await process.StandardError.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
                {
                    lock (stderr)
                    {
                        stderr.Append(buffer, 0, n);
                        if (stderr.Length > 65536) stderr.Remove(0, stderr.Length - 65536);
                    }
                }
            }, CancellationToken.None);

            Task<string>? captured = null;
            Task? copyOut = null;
            if (output != null) copyOut = process.StandardOutput.BaseStream.CopyToAsync(output, 1 << 16, cancellationToken);
            else captured = process.StandardOutput.ReadToEndAsync();

            Task? copyIn = null;
            if (input != null)
            {
                copyIn = Task.Run(async () =>
                {
                    try
                    {
                        await input.CopyToAsync(process.StandardInput.BaseStream, 1 << 16, cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException) { /* the child closed its stdin early: its exit code tells why */ }
                    finally
                    {
                        try { process.StandardInput.Close(); } catch (IOException) { }
                    }
                }, CancellationToken.None);
            }

            try
            {
                if (copyOut != null) await copyOut.ConfigureAwait(false);
                var text = captured != null ? await captured.ConfigureAwait(false) : string.Empty;
                if (copyIn != null) await copyIn.ConfigureAwait(false);
                await stderrTask.ConfigureAwait(false);
                await Task.Run(() => process.WaitForExit(), CancellationToken.None).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                return new ProcessResult
                {
                    ExitCode = process.ExitCode,
                    StandardOutput = text,
                    StandardError = Sensitive.Redact(stderr.ToString().Trim()),
                    Duration = clock.Elapsed,
                };
            }
            catch
            {
                ChildLauncher.Kill(process);
                throw;
            }
        }

        /// <summary>
        /// The last <paramref name="count"/> non-empty lines of a tool's error output or a server log, each trimmed,
        /// joined with " | " and with secrets masked: what an error message quotes ("no output" when there is none).
        /// </summary>
        public static string LastLines(string? text, int count = 3)
        {
            var lines = (text ?? string.Empty).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            return lines.Count == 0 ? "no output" : Sensitive.Redact(string.Join(" | ", lines.Skip(Math.Max(0, lines.Count - count))));
        }

        /// <summary>Quotes one argument so the runtime's command-line parser gives it back unchanged.</summary>
        public static string Quote(string argument)
        {
            if (argument.Length > 0 && argument.IndexOfAny(NeedsQuoting) < 0) return argument;
            var sb = new StringBuilder("\"");
            var backslashes = 0;
            foreach (var c in argument)
            {
                if (c == '\\') { backslashes++; continue; }
                if (c == '"') { sb.Append('\\', backslashes * 2 + 1).Append('"'); backslashes = 0; continue; }
                sb.Append('\\', backslashes).Append(c);
                backslashes = 0;
            }
            sb.Append('\\', backslashes * 2).Append('"');
            return sb.ToString();
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Readiness
{
    /// <summary>What Invoke-PlatformTest runs, and where.</summary>
    public sealed class PlatformTestRequest
    {
        /// <summary>The pwsh (or powershell.exe) that runs Pester in a child process.</summary>
        public string PwshPath { get; set; } = string.Empty;
        /// <summary>The PlatformOps module to import in the child: its .psd1, or the DLL.</summary>
        public string ModulePath { get; set; } = string.Empty;
        /// <summary>The profile file the acceptance suite checks the platform through.</summary>
        public string? ProfilePath { get; set; }
        public string Platform { get; set; } = string.Empty;
        /// <summary>Test files or folders that get the profile path as their ProfilePath parameter (the shipped acceptance suite).</summary>
        public IList<string> AcceptancePaths { get; } = new List<string>();
        /// <summary>The user's own test files or folders.</summary>
        public IList<string> UserPaths { get; } = new List<string>();
        /// <summary>Where to write the XML report; null: none.</summary>
        public string? OutputPath { get; set; }
        /// <summary>NUnitXml, NUnit3 or JUnitXml.</summary>
        public string OutputFormat { get; set; } = "NUnitXml";
        /// <summary>A Pester module (.psd1) to use instead of the newest Pester 5+ the child finds.</summary>
        public string? PesterPath { get; set; }
        /// <summary>Pester's Output.Verbosity: None, Normal, Detailed, Diagnostic.</summary>
        public string Verbosity { get; set; } = "Normal";
        public IList<string> Tag { get; } = new List<string>();
        public IList<string> ExcludeTag { get; } = new List<string>();
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);
    }

    /// <summary>
    /// Runs Pester in a child pwsh against the built module: the acceptance suite shipped in the module, then the
    /// user's tests. A child keeps the caller's session clean (and lets Invoke-PlatformTest run inside a Pester run
    /// of its own); its output lines are handed to the caller as they come, its result comes back as JSON.
    /// </summary>
    public static class PlatformTestRunner
    {
        /// <summary>The exit code the runner script uses when no Pester 5 or newer is installed.</summary>
        private const int PesterMissingExitCode = 3;

        public const string PesterInstallHint =
            "Install it with: Install-Module -Name Pester -MinimumVersion 5.0 -Scope CurrentUser -Force -SkipPublisherCheck " +
            "(or Install-PSResource -Name Pester), or import a Pester 5+ module before you call Invoke-PlatformTest.";

        /// <summary>The pwsh to run the tests with: $env:PLATFORMOPS_PWSH, this process if it is pwsh, $PSHOME's, then PATH.</summary>
        public static string? FindPwsh(string? psHome)
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("PLATFORMOPS_PWSH");
            if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment)) return fromEnvironment;
            var windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            var names = windows ? new[] { "pwsh.exe", "powershell.exe" } : new[] { "pwsh" };
            try
            {
                var self = System.Diagnostics.Process.GetCurrentProcess().MainModule?.FileName;
                if (self != null && names.Contains(Path.GetFileName(self), StringComparer.OrdinalIgnoreCase)) return self;
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception || ex is NotSupportedException)
            {
                // Not allowed to read our own process: look elsewhere.
            }
            if (!string.IsNullOrEmpty(psHome))
                foreach (var name in names)
                {
                    var candidate = Path.Combine(psHome, name);
                    if (File.Exists(candidate)) return candidate;
                }
            foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
                foreach (var name in names)
                {
                    if (folder.Length == 0) continue;
                    var candidate = Path.Combine(folder, name);
                    if (File.Exists(candidate)) return candidate;
                }
            return null;
        }

        /// <summary>The file name of the script the child pwsh runs, shipped in the module folder (module/ in the repository).</summary>
        public const string RunnerScriptName = "Invoke-PlatformTestRunner.ps1";

        /// <summary>
        /// The runner script: in the module folder (beside PlatformOps.psd1), else beside PlatformOps.dll (a bare build
        /// output, as the xUnit tests load it). A module without it is damaged: PlatformTestRunnerMissing.
        /// </summary>
        internal static string RunnerScriptPath()
        {
            foreach (var folder in new[] { ModuleLayout.Root, ModuleLayout.AssemblyFolder })
            {
                var path = Path.Combine(folder, RunnerScriptName);
                if (File.Exists(path)) return path;
            }
            throw new PlatformOpsException("PlatformTestRunnerMissing", ErrorCategory.ObjectNotFound, Path.Combine(ModuleLayout.Root, RunnerScriptName),
                $"The module folder '{ModuleLayout.Root}' has no {RunnerScriptName}, which Invoke-PlatformTest runs in a child pwsh. Reinstall PlatformOps.");
        }

        public static async Task<PlatformTestResult> RunAsync(PlatformTestRequest request, Action<string> onLine, CancellationToken cancellationToken)
        {
            var work = Path.Combine(Path.GetTempPath(), "platformops-test-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(work);
            try
            {
                var script = RunnerScriptPath();
                var summaryPath = Path.Combine(work, "summary.json");
                var requestPath = Path.Combine(work, "request.json");
                var payload = new Dictionary<string, object?>
                {
                    ["ModulePath"] = request.ModulePath,
                    ["ProfilePath"] = request.ProfilePath,
                    ["AcceptancePaths"] = request.AcceptancePaths.ToArray(),
                    ["UserPaths"] = request.UserPaths.ToArray(),
                    ["OutputPath"] = request.OutputPath,
                    ["OutputFormat"] = request.OutputFormat,
                    ["PesterPath"] = request.PesterPath,
                    ["Verbosity"] = request.Verbosity,
                    ["Tag"] = request.Tag.ToArray(),
                    ["ExcludeTag"] = request.ExcludeTag.ToArray(),
                    ["SummaryPath"] = summaryPath,
                };
                File.WriteAllText(requestPath, JsonSerializer.Serialize(payload), new UTF8Encoding(false));

                var spec = new ProcessSpec(request.PwshPath, "-NoProfile", "-NonInteractive") { WorkingDirectory = work };
                // Windows may forbid scripts; the runner is ours, shipped unsigned in the module folder.
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) { spec.Arguments.Add("-ExecutionPolicy"); spec.Arguments.Add("Bypass"); }
                foreach (var a in new[] { "-File", script, "-RequestPath", requestPath }) spec.Arguments.Add(a);
                if (request.ProfilePath != null) spec.Environment[SessionProfile.EnvironmentVariable] = request.ProfilePath;
                spec.Environment["NO_COLOR"] = "1";

                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(request.Timeout);
                var started = DateTime.UtcNow;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                ProcessResult process;
                using (var lines = new LineStream(onLine))
                {
                    try
                    {
                        process = await ProcessRunner.RunAsync(spec, deadline.Token, output: lines).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new PlatformOpsException("PlatformTestTimeout", ErrorCategory.OperationTimeout, request.PwshPath,
                            $"The platform tests did not finish within {Words.Span(request.Timeout)}. Raise -TimeoutSec, or look for a test that waits on an unreachable server.");
                    }
                    lines.Flush();
                }
                if (process.ExitCode == PesterMissingExitCode || (File.Exists(summaryPath) && File.ReadAllText(summaryPath).Contains("\"PesterNotInstalled\"")))
                {
                    var found = ReadFound(summaryPath);
                    throw new PlatformOpsException("PesterNotInstalled", ErrorCategory.NotInstalled, "Pester",
                        "Invoke-PlatformTest needs Pester 5 or newer, and none is installed" + (found.Length > 0 ? $" (found only Pester {found})" : string.Empty)
                        + ". " + PesterInstallHint);
                }
                if (!File.Exists(summaryPath))
                    throw new PlatformOpsException("PlatformTestRunFailed", ErrorCategory.InvalidResult, request.PwshPath,
                        $"The test run in '{request.PwshPath}' ended with exit code {process.ExitCode} before it wrote its result: {Tail(process.StandardError)}");
                return Parse(File.ReadAllText(summaryPath), request, started, clock.Elapsed);
            }
            finally
            {
                try { Directory.Delete(work, recursive: true); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }

        private static string ReadFound(string summaryPath)
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(summaryPath));
                return document.RootElement.TryGetProperty("Found", out var found) ? found.GetString() ?? string.Empty : string.Empty;
            }
            catch (Exception ex) when (ex is IOException || ex is JsonException)
            {
                return string.Empty;
            }
        }

        private static string Tail(string text)
        {
            var trimmed = text.Trim();
            if (trimmed.Length == 0) return "no error output";
            return trimmed.Length > 2000 ? "…" + trimmed.Substring(trimmed.Length - 2000) : trimmed;
        }

        internal static PlatformTestResult Parse(string json, PlatformTestRequest request, DateTime started, TimeSpan elapsed)
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.TryGetProperty("Error", out var error))
            {
                var message = root.TryGetProperty("Message", out var m) ? m.GetString() : null;
                throw new PlatformOpsException(error.GetString() ?? "PlatformTestRunFailed", ErrorCategory.InvalidOperation, request.PwshPath,
                    Sensitive.Redact(message ?? "The test run failed before any test ran."));
            }
            int Int(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
            string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var tests = new List<PlatformTestCase>();
            if (root.TryGetProperty("Tests", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var t in list.EnumerateArray())
                {
                    tests.Add(new PlatformTestCase
                    {
                        Name = Str(t, "Name") ?? string.Empty,
                        File = Str(t, "File"),
                        Result = Str(t, "Result") ?? string.Empty,
                        DurationMs = t.TryGetProperty("DurationMs", out var d) && d.ValueKind == JsonValueKind.Number ? Math.Round(d.GetDouble(), 1) : 0,
                        Message = Str(t, "Message") is { } msg ? Sensitive.Redact(msg) : null,
                    });
                }
            }
            var errors = new List<string>();
            if (root.TryGetProperty("ErrorMessages", out var em) && em.ValueKind == JsonValueKind.Array)
                errors.AddRange(em.EnumerateArray().Select(e => Sensitive.Redact(e.GetString() ?? string.Empty)));
            return new PlatformTestResult
            {
                Platform = request.Platform,
                Passed = Int("Passed"),
                Failed = Int("Failed"),
                Skipped = Int("Skipped"),
                NotRun = Int("NotRun"),
                Total = Int("Total"),
                Errors = Int("Errors"),
                PesterVersion = Str(root, "PesterVersion") ?? string.Empty,
                StartedAt = started,
                Duration = elapsed,
                Paths = request.AcceptancePaths.Concat(request.UserPaths).ToList(),
                OutputPath = request.OutputPath,
                OutputFormat = request.OutputPath == null ? null : request.OutputFormat,
                Tests = tests,
                ErrorMessages = errors,
            };
        }

        /// <summary>A write-only stream that hands each complete UTF-8 line to a callback.</summary>
        private sealed class LineStream : Stream
        {
            private readonly Action<string> _onLine;
            private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
            private readonly StringBuilder _line = new StringBuilder();

            public LineStream(Action<string> onLine) => _onLine = onLine;

            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override void Write(byte[] buffer, int offset, int count)
            {
                var chars = new char[_decoder.GetCharCount(buffer, offset, count)];
                _decoder.GetChars(buffer, offset, count, chars, 0);
                foreach (var c in chars)
                {
                    if (c == '\n')
                    {
                        _onLine(_line.ToString().TrimEnd('\r'));
                        _line.Clear();
                    }
                    else _line.Append(c);
                }
            }

            public override void Flush()
            {
                if (_line.Length == 0) return;
                _onLine(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }
}

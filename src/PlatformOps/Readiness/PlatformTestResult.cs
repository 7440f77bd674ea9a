using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using PlatformOps.Common;

namespace PlatformOps.Readiness
{
    /// <summary>The outcome of Invoke-PlatformTest: the counts, each test with its verdict, and where the XML report went.</summary>
    public sealed class PlatformTestResult
    {
        public string Platform { get; internal set; } = string.Empty;
        /// <summary>Passed when no test failed and every test file could run; otherwise Failed.</summary>
        public string Result => Failed == 0 && Errors == 0 ? "Passed" : "Failed";
        public int Total { get; internal set; }
        public int Passed { get; internal set; }
        public int Failed { get; internal set; }
        public int Skipped { get; internal set; }
        public int NotRun { get; internal set; }
        /// <summary>Test files or blocks that failed before their tests ran (a syntax error, a failing BeforeAll).</summary>
        public int Errors { get; internal set; }
        public DateTime StartedAt { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        public string PesterVersion { get; internal set; } = string.Empty;
        /// <summary>The test files and folders that ran: the acceptance suite shipped in the module, then the user's own.</summary>
        public IReadOnlyList<string> Paths { get; internal set; } = Array.Empty<string>();
        /// <summary>The NUnit or JUnit XML report, if one was written.</summary>
        public string? OutputPath { get; internal set; }
        public string? OutputFormat { get; internal set; }
        public IReadOnlyList<PlatformTestCase> Tests { get; internal set; } = Array.Empty<PlatformTestCase>();
        /// <summary>Why each failed test file or block failed.</summary>
        public IReadOnlyList<string> ErrorMessages { get; internal set; } = Array.Empty<string>();

        public override string ToString() => $"{Result}: {Passed} passed, {Failed} failed, {Skipped} skipped";
    }

    /// <summary>One test of a platform test run.</summary>
    public sealed class PlatformTestCase
    {
        /// <summary>The test's full name: its Describe and Context blocks and its It, with data expanded.</summary>
        public string Name { get; internal set; } = string.Empty;
        public string? File { get; internal set; }
        /// <summary>Passed, Failed, Skipped or NotRun.</summary>
        public string Result { get; internal set; } = string.Empty;
        public double DurationMs { get; internal set; }
        /// <summary>The failure message, or why the test was skipped.</summary>
        public string? Message { get; internal set; }

        public override string ToString() => $"{Result} {Name}";
    }

    /// <summary>The newest test run of a platform, kept in its state folder for the readiness checklist's Quality item.</summary>
    public sealed class PlatformTestRecord
    {
        public const string FileName = "last-test-run.json";

        public string Platform { get; set; } = string.Empty;
        public DateTime FinishedAt { get; set; }
        public double DurationSeconds { get; set; }
        public int Passed { get; set; }
        public int Failed { get; set; }
        public int Skipped { get; set; }
        public int Errors { get; set; }
        public string PesterVersion { get; set; } = string.Empty;
        public List<string> Paths { get; set; } = new List<string>();
        public List<string> FailedTests { get; set; } = new List<string>();

        public static PlatformTestRecord From(PlatformTestResult result) => new PlatformTestRecord
        {
            Platform = result.Platform,
            FinishedAt = result.StartedAt + result.Duration,
            DurationSeconds = Math.Round(result.Duration.TotalSeconds, 1),
            Passed = result.Passed,
            Failed = result.Failed,
            Skipped = result.Skipped + result.NotRun,
            Errors = result.Errors,
            PesterVersion = result.PesterVersion,
            Paths = result.Paths.ToList(),
            FailedTests = result.Tests.Where(t => t.Result == "Failed").Select(t => t.Name + (t.Message == null ? string.Empty : ": " + t.Message)).ToList(),
        };

        public static PlatformTestRecord? Load(string directory)
        {
            var path = Path.Combine(directory, FileName);
            try
            {
                return File.Exists(path) ? JsonSerializer.Deserialize<PlatformTestRecord>(File.ReadAllText(path), ReadinessState.Json) : null;
            }
            catch (Exception ex) when (ex is IOException || ex is JsonException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        public void Save(string directory)
        {
            Directory.CreateDirectory(directory);
            AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, ReadinessState.Json));
        }
    }
}

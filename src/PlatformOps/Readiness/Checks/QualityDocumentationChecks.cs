using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace PlatformOps.Readiness
{
    internal static partial class ReadinessChecklist
    {
        private static readonly Regex PlatformOpsCommand = new Regex(@"\b[A-Z][a-z]+-(Platform|Db)[A-Za-z]+\b", RegexOptions.Compiled | RegexOptions.CultureInvariant);

        private static IEnumerable<ReadinessItem> Quality(ReadinessPlan plan)
        {
            yield return Item("quality.test-suite", ReadinessCategory.Quality, "The platform test suite passes", "Invoke-PlatformTest",
                $"the newest run passed, within {Words.Span(TimeSpan.FromHours(plan.Settings.TestRunMaxAgeHours))}", TestSuiteAsync);
        }

        private static IEnumerable<ReadinessItem> Documentation(ReadinessPlan plan)
        {
            foreach (var runbook in plan.Runbooks)
            {
                var topic = runbook.Key;
                var file = runbook.Value;
                var text = topic.Equals("Tls", StringComparison.OrdinalIgnoreCase) ? "TLS" : topic.ToLowerInvariant();
                yield return Item($"documentation.runbook-{topic.ToLowerInvariant()}", ReadinessCategory.Documentation, $"The {text} runbook exists",
                    $"Copy-Item (Join-Path (Get-Module PlatformOps).ModuleBase 'runbooks/{Path.GetFileName(file)}') <runbooks folder>",
                    file, (context, d) => Task.FromResult(Runbook(context, d, file)));
            }
        }

        private static Task<ReadinessCheck> TestSuiteAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var record = PlatformTestRecord.Load(context.Plan.StateDirectory);
            if (record == null)
                return Task.FromResult(d.Warn($"no run of the platform test suite is recorded for '{context.Plan.PlatformName}': run Invoke-PlatformTest"));
            var age = context.Now - record.FinishedAt;
            var counts = $"{record.Passed} passed, {record.Failed} failed, {record.Skipped} skipped";
            var when = $"{Words.Ago(record.FinishedAt, context.Now)} ({Words.Utc(record.FinishedAt)})";
            ReadinessCheck check;
            if (record.Failed > 0 || record.Errors > 0)
            {
                var failed = record.FailedTests.Take(10).ToList();
                if (record.Errors > 0) failed.Insert(0, $"{Words.Plural(record.Errors, "test file")} could not run");
                check = d.Fail($"the newest run failed: {counts}, {when}", failed, record);
            }
            else if (record.Passed == 0)
                check = d.Warn($"the newest run passed nothing: {counts}, {when}", null, record);
            else if (age > TimeSpan.FromHours(context.Plan.Settings.TestRunMaxAgeHours))
                check = d.Warn($"passed, but the newest run is {Words.Span(age)} old: {counts}", null, record);
            else
                check = d.Pass($"{counts}, {when}", null, record);
            check.Value = record.Failed;
            check.Unit = "failed tests";
            return Task.FromResult(check);
        }

        private static ReadinessCheck Runbook(ReadinessContext context, ReadinessDefinition d, string file)
        {
            var folder = context.Plan.RunbooksDirectory;
            if (folder == null) return d.Fail($"{file} not found: the profile names no Readiness.RunbooksPath and was not read from a file");
            var path = Path.IsPathRooted(file) ? file : Path.Combine(folder, file);
            var info = new FileInfo(path);
            if (!info.Exists) return d.Fail($"{path} does not exist");
            var text = File.ReadAllText(path);
            var commands = PlatformOpsCommand.Matches(text).Cast<Match>().Select(m => m.Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var evidence = $"{path}, {Words.Size(info.Length)}, changed {Words.Ago(info.LastWriteTimeUtc, context.Now)}, names {Words.Plural(commands.Count, "PlatformOps command")}";
            var check = text.Trim().Length < 200
                ? d.Warn($"{evidence}: too short to guide anyone through an incident")
                : d.Pass(evidence, commands);
            check.Value = info.Length;
            check.Unit = "bytes";
            return check;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;
using System.Threading;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// What each job runs: the module's own cmdlets, called by name in this runspace (a nested pipeline), exactly as a
    /// user would call them. Going through the cmdlets, not their engines, keeps the jobs what users know and leaves
    /// the other rooms free to move their engines. Runs on the pipeline thread; the token stops the nested pipeline.
    /// </summary>
    internal static class JobSteps
    {
        private const string BackupScript = "param($Profile) PlatformOps\\Invoke-PlatformBackup -Profile $Profile -Confirm:$false";
        private const string VerifyScript = "param($Profile) PlatformOps\\Get-PlatformBackup -Profile $Profile -Latest | PlatformOps\\Test-PlatformBackup -Restore -Profile $Profile -Confirm:$false";
        private const string RetentionScript = "param($Profile) PlatformOps\\Remove-PlatformBackup -Profile $Profile -Confirm:$false";
        private const string ReadinessScript = "param($Profile, $Path) PlatformOps\\Export-PlatformReport -Profile $Profile -Path $Path -Format Prometheus -Confirm:$false";
        private const string WalSyncScript = "param($Profile, $Path) & $Path -Profile $Profile";

        private static readonly Regex OverallScore = new Regex(@"^platformops_readiness_score\{[^}]*category=""overall""[^}]*\}\s+(\S+)", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        private static readonly Regex Ready = new Regex(@"^platformops_readiness_ready\{[^}]*\}\s+(\S+)", RegexOptions.Multiline | RegexOptions.CultureInvariant);

        /// <summary>Runs a job's step; <paramref name="warnings"/> collects the nested cmdlets' warnings for the caller to write.</summary>
        public static JobOutcome Run(PlannedJob job, PlatformProfile profile, List<string> warnings, CancellationToken cancellationToken)
        {
            var script = job.Name switch
            {
                MaintenanceJobName.Backup => BackupScript,
                MaintenanceJobName.Verify => VerifyScript,
                MaintenanceJobName.Retention => RetentionScript,
                MaintenanceJobName.Readiness => ReadinessScript,
                _ => WalSyncScript,
            };
            var outcome = new JobOutcome();
            if (job.Name == MaintenanceJobName.Readiness && job.Path != null)
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(job.Path));
                if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            }
            var (output, errors) = Invoke(script, profile, job.Path, warnings, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            Figures(job, output, outcome);
            if (errors.Count > 0)
            {
                var first = errors[0];
                outcome.Failed = true;
                outcome.ErrorId = first.FullyQualifiedErrorId.Split(',')[0];
                outcome.Message = PlatformErrors.Reason(first.Exception) + (errors.Count > 1 ? $" (and {errors.Count - 1} more error(s))" : string.Empty);
            }
            return outcome;
        }

        private static (Collection<PSObject> Output, List<ErrorRecord> Errors) Invoke(string script, PlatformProfile profile, string? path,
            List<string> warnings, CancellationToken cancellationToken)
        {
            using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
            ps.AddScript(script, useLocalScope: true).AddArgument(profile).AddArgument(path);
            using var stop = cancellationToken.Register(() =>
            {
                try { ps.BeginStop(null, null); }
                catch (ObjectDisposedException) { }
                catch (InvalidOperationException) { }
            });
            var errors = new List<ErrorRecord>();
            Collection<PSObject> output;
            try
            {
                output = ps.Invoke();
            }
            catch (PipelineStoppedException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw;
            }
            catch (RuntimeException ex)
            {
                output = new Collection<PSObject>();
                errors.Add(ex.ErrorRecord);
            }
            if (ps.InvocationStateInfo.State == PSInvocationState.Stopped) cancellationToken.ThrowIfCancellationRequested();
            errors.InsertRange(0, ps.Streams.Error);
            warnings.AddRange(ps.Streams.Warning.Select(w => w.Message));
            return (output, errors);
        }

        private static object? Get(PSObject o, string name) => o.Properties[name]?.Value is object v ? (v is PSObject p ? p.BaseObject : v) : null;

        private static double? Number(object? value)
        {
            if (value == null) return null;
            if (value is TimeSpan span) return Math.Round(span.TotalSeconds, 3);
            try { return Convert.ToDouble(value, CultureInfo.InvariantCulture); }
            catch (Exception ex) when (ex is FormatException || ex is InvalidCastException) { return null; }
        }

        private static void Figures(PlannedJob job, Collection<PSObject> output, JobOutcome outcome)
        {
            var f = outcome.Figures;
            switch (job.Name)
            {
                case MaintenanceJobName.Backup:
                    var set = output.LastOrDefault(o => o?.Properties["Id"] != null && o.Properties["SizeBytes"] != null);
                    if (set == null) { outcome.Failed = true; outcome.Message = "Invoke-PlatformBackup wrote no backup set"; break; }
                    f["setId"] = Get(set, "Id")?.ToString();
                    f["sizeBytes"] = Number(Get(set, "SizeBytes"));
                    f["backupSeconds"] = Number(Get(set, "Duration"));
                    outcome.Message = $"backup set {f["setId"]} ({f["sizeBytes"]} bytes)";
                    break;
                case MaintenanceJobName.Verify:
                    var test = output.LastOrDefault(o => o?.Properties["Passed"] != null);
                    if (test == null) { outcome.Failed = true; outcome.Message = "no backup set to verify: Get-PlatformBackup -Latest found none"; break; }
                    var passed = Get(test, "Passed") is bool b && b;
                    f["setId"] = Get(test, "Id")?.ToString();
                    f["passed"] = passed;
                    f["rtoSeconds"] = Number(Get(test, "RestoreDuration"));
                    if (passed) outcome.Message = $"backup set {f["setId"]} restored and compared, RTO {f["rtoSeconds"]} s";
                    else
                    {
                        outcome.Failed = true;
                        var failures = Get(test, "Failures") is System.Collections.IEnumerable list ? list.Cast<object>().Select(x => x.ToString()).Take(3) : Enumerable.Empty<string?>();
                        outcome.Message = $"backup set {f["setId"]} failed its restore test: {string.Join("; ", failures)}";
                        outcome.ErrorId = "PlatformBackupTestFailed";
                    }
                    break;
                case MaintenanceJobName.Retention:
                    var decisions = output.Where(o => o?.Properties["Action"] != null && o.Properties["Reason"] != null).ToList();
                    var removed = decisions.Where(d => string.Equals(Get(d, "Action") as string, "Removed", StringComparison.Ordinal)).ToList();
                    f["setsRemoved"] = (double)removed.Count;
                    f["setsKept"] = (double)decisions.Count(d => string.Equals(Get(d, "Action") as string, "Kept", StringComparison.Ordinal));
                    f["bytesRemoved"] = removed.Sum(d => Number(Get(d, "SizeBytes")) ?? 0);
                    var wal = output.FirstOrDefault(o => o?.Properties["FilesRemoved"] != null);
                    if (wal != null)
                    {
                        f["walFilesRemoved"] = Number(Get(wal, "FilesRemoved"));
                        f["walBytesRemoved"] = Number(Get(wal, "BytesRemoved"));
                    }
                    outcome.Message = $"{removed.Count} set(s) removed, {f["setsKept"]} kept" + (wal != null ? $", {f["walFilesRemoved"]} WAL file(s) expired" : string.Empty);
                    break;
                case MaintenanceJobName.Readiness:
                    f["reportPath"] = job.Path;
                    if (job.Path == null || !File.Exists(job.Path)) { outcome.Failed = true; outcome.Message = $"Export-PlatformReport wrote no report to '{job.Path}'"; break; }
                    var text = File.ReadAllText(job.Path);
                    var score = OverallScore.Match(text);
                    if (score.Success && double.TryParse(score.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s)) f["score"] = s;
                    var ready = Ready.Match(text);
                    if (ready.Success) f["ready"] = ready.Groups[1].Value == "1";
                    outcome.Message = $"readiness score {(f.TryGetValue("score", out var v) ? v : "n/a")} written to {job.Path}";
                    break;
                default:
                    outcome.Message = $"{job.Path} finished";
                    break;
            }
        }
    }
}

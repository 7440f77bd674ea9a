using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;
using PlatformOps.Readiness.Reports;

namespace PlatformOps.Readiness
{
    /// <summary>The formats Export-PlatformReport writes.</summary>
    public enum PlatformReportFormat
    {
        /// <summary>One self-contained HTML page.</summary>
        Html,
        /// <summary>Markdown for a wiki or a pull request.</summary>
        Markdown,
        /// <summary>Prometheus text exposition format for node_exporter's textfile collector.</summary>
        Prometheus,
    }

    /// <summary>
    /// Writes the readiness report: a self-contained HTML page, Markdown, or Prometheus text for a textfile
    /// collector. The checklist runs now unless its rows come from the pipeline.
    /// </summary>
    [Cmdlet(VerbsData.Export, "PlatformReport", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportPlatformReportCommand : ReadinessCmdlet
    {
        private readonly List<ReadinessCheck> _piped = new List<ReadinessCheck>();

        /// <summary>The file to write. An existing report there is read first, to show the change since it.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>Html, Markdown or Prometheus. Default: from the extension (.md Markdown, .prom Prometheus), else Html.</summary>
        [Parameter]
        public PlatformReportFormat? Format { get; set; }

        /// <summary>Checklist rows from Test-PlatformReadiness. Without them the checklist runs now.</summary>
        [Parameter(ValueFromPipeline = true)]
        public ReadinessCheck[]? InputObject { get; set; }

        /// <summary>An earlier score or report to compare with. Default: the report already at -Path, if any.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Previous { get; set; }

        /// <summary>Write the FileInfo of the report to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (InputObject != null) _piped.AddRange(InputObject.Where(c => c != null));
        }

        protected override void EndProcessing()
        {
            var path = GetUnresolvedProviderPathFromPSPath(Path);
            var format = Format ?? FormatOf(path);
            if (!ShouldProcess(path, $"Write the {format} readiness report")) return;

            var previous = LoadPrevious(path, format);
            var profile = _piped.Count > 0 ? SafeProfile() : RequireProfile();
            TimeSpan? duration = null;
            PlatformHealthScore score;
            if (_piped.Count > 0)
            {
                score = Score(profile, profile?.Name ?? "platform", _piped.Max(c => c.CheckedAt), _piped, null, previous);
            }
            else
            {
                var run = RunChecklist(profile!);
                duration = run.Duration;
                score = Score(profile, run.Platform, run.StartedAt, run.Checks, null, previous);
            }
            var model = new ReportModel(score, DateTime.UtcNow, typeof(ExportPlatformReportCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0") { Duration = duration };
            var text = format switch
            {
                PlatformReportFormat.Markdown => MarkdownReport.Render(model),
                PlatformReportFormat.Prometheus => PrometheusReport.Render(model),
                _ => HtmlReport.Render(model),
            };
            try
            {
                var folder = System.IO.Path.GetDirectoryName(path);
                if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
                AtomicFile.WriteAllText(path, text);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Fail("PlatformReportNotWritten", ErrorCategory.WriteError, path, $"Cannot write the report to '{path}': {ex.Message}", ex);
            }
            WriteVerbose($"Wrote the {format} report of '{score.Platform}' ({score.Overall:0.#}, {score.Verdict}) to {path}.");
            if (PassThru) WriteObject(new FileInfo(path));
        }

        private PlatformHealthScore? LoadPrevious(string path, PlatformReportFormat format)
        {
            if (Previous != null)
            {
                try { return ScoreDocument.Load(GetUnresolvedProviderPathFromPSPath(Previous)).ToScore(); }
                catch (PlatformOpsException ex) { Fail(ex); }
            }
            if (format == PlatformReportFormat.Prometheus || !File.Exists(path)) return null;
            try
            {
                var earlier = ScoreDocument.TryExtract(File.ReadAllText(path));
                if (earlier != null) WriteVerbose($"Comparing with the report already at {path} ({Words.Utc(earlier.MeasuredAt)}).");
                return earlier?.ToScore();
            }
            catch (IOException)
            {
                return null;
            }
        }

        internal static PlatformReportFormat FormatOf(string path)
        {
            var extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
            return extension switch
            {
                ".md" or ".markdown" => PlatformReportFormat.Markdown,
                ".prom" => PlatformReportFormat.Prometheus,
                _ => PlatformReportFormat.Html,
            };
        }

        private PlatformProfile? SafeProfile()
        {
            try { return EffectiveProfile; }
            catch (PlatformOpsException) { return null; }
        }
    }
}

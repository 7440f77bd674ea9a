using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// One run of a maintenance job: one line of the run log and what Invoke-PlatformMaintenance returns. It holds
    /// the job, its start and end, the outcome and exit code, the key figures (set id, size, RTO, score) and, for a
    /// failure, the reason; never a secret.
    /// </summary>
    public sealed class MaintenanceRun
    {
        /// <summary>A short id of the run (12 hex digits).</summary>
        public string RunId { get; set; } = string.Empty;
        public string Platform { get; set; } = string.Empty;
        public MaintenanceJobName Job { get; set; }
        public MaintenanceOutcome Outcome { get; set; }
        /// <summary>The process exit code the scheduler saw (0, 1, 74, 75, 124, 130).</summary>
        public int ExitCode { get; set; }
        /// <summary>UTC.</summary>
        public DateTime StartedAt { get; set; }
        /// <summary>UTC; for an Interrupted run, when the next run found it.</summary>
        public DateTime? EndedAt { get; set; }
        /// <summary>Manual, Systemd, Cron or TaskScheduler.</summary>
        public string Trigger { get; set; } = "Manual";
        public string Host { get; set; } = string.Empty;
        public int ProcessId { get; set; }
        /// <summary>What happened, in one line (secrets masked).</summary>
        public string? Message { get; set; }
        /// <summary>The error id behind a failure, e.g. PlatformBackupFailed.</summary>
        public string? ErrorId { get; set; }
        /// <summary>Key figures by name: setId, sizeBytes, rtoSeconds, passed, score, setsRemoved, walFilesRemoved ...</summary>
        public Dictionary<string, object?> Figures { get; set; } = new Dictionary<string, object?>(StringComparer.Ordinal);
        /// <summary>The PlatformOps version that ran the job.</summary>
        public string? Version { get; set; }

        [JsonIgnore]
        public TimeSpan? Duration => EndedAt == null ? (TimeSpan?)null : EndedAt.Value - StartedAt;

        /// <summary>True for a run that did its work and succeeded.</summary>
        [JsonIgnore]
        public bool Succeeded => Outcome == MaintenanceOutcome.Succeeded && ExitCode == 0;

        /// <summary>The log file the entry was read from (not written to the log).</summary>
        [JsonIgnore]
        public string? LogPath { get; set; }

        public override string ToString() => $"{Job} {Outcome} {StartedAt:u}";

        internal static readonly JsonSerializerOptions Json = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter() },
        };

        /// <summary>The entry as one JSON line (no line break inside).</summary>
        public string ToJsonLine() => JsonSerializer.Serialize(this, Json);

        /// <summary>Reads one log line; figures come back as double, string or bool.</summary>
        public static MaintenanceRun? FromJsonLine(string line)
        {
            var run = JsonSerializer.Deserialize<MaintenanceRun>(line, Json);
            if (run == null || string.IsNullOrEmpty(run.RunId)) return null;
            run.StartedAt = DateTime.SpecifyKind(run.StartedAt, DateTimeKind.Utc);
            if (run.EndedAt != null) run.EndedAt = DateTime.SpecifyKind(run.EndedAt.Value, DateTimeKind.Utc);
            run.Figures = run.Figures.ToDictionary(p => p.Key, p => Plain(p.Value), StringComparer.Ordinal);
            return run;
        }

        private static object? Plain(object? value)
        {
            if (!(value is JsonElement e)) return value;
            return e.ValueKind switch
            {
                JsonValueKind.Number => e.GetDouble(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => e.GetString(),
                JsonValueKind.Null => null,
                _ => e.GetRawText(),
            };
        }

        /// <summary>The figures as "name=value" text for a table.</summary>
        [JsonIgnore]
        public string FiguresText => string.Join(", ", Figures.Where(p => p.Value != null)
            .Select(p => $"{p.Key}={(p.Value is double d ? d.ToString("0.###", CultureInfo.InvariantCulture) : Convert.ToString(p.Value, CultureInfo.InvariantCulture))}"));
    }
}

using System;
using System.Collections.Generic;

namespace PlatformOps.Maintenance
{
    /// <summary>One job as Install-PlatformMaintenance installed it (or, with -WhatIf, would).</summary>
    public sealed class MaintenanceJobInstall
    {
        public string Platform { get; internal set; } = string.Empty;
        public MaintenanceJobName Job { get; internal set; }
        public MaintenanceScheduler Scheduler { get; internal set; }
        /// <summary>Installed, WouldInstall, or Skipped (the job is not enabled: see Note).</summary>
        public string Action { get; internal set; } = string.Empty;
        /// <summary>The cron expression.</summary>
        public string Schedule { get; internal set; } = string.Empty;
        /// <summary>The systemd timer, the Task Scheduler task or the crontab that runs the job.</summary>
        public string Entry { get; internal set; } = string.Empty;
        /// <summary>The files written (units, the crontab file, the task definition's name).</summary>
        public IReadOnlyList<string> Paths { get; internal set; } = Array.Empty<string>();
        /// <summary>What is written: the units, the crontab line or the task XML.</summary>
        public string Content { get; internal set; } = string.Empty;
        public string? Note { get; internal set; }

        internal List<KeyValuePair<string, string>> Writes { get; } = new List<KeyValuePair<string, string>>();

        public override string ToString() => $"{Job}: {Action} ({Entry})";
    }

    /// <summary>One thing Uninstall-PlatformMaintenance removed (or, with -WhatIf, would; or kept, and why).</summary>
    public sealed class MaintenanceRemoval
    {
        public string Platform { get; internal set; } = string.Empty;
        /// <summary>File, Link, Folder, CrontabBlock, Task, Timer, Record.</summary>
        public string Kind { get; internal set; } = string.Empty;
        public string Item { get; internal set; } = string.Empty;
        /// <summary>Removed, WouldRemove, Kept (changed since it was installed) or Missing (already gone).</summary>
        public string Action { get; internal set; } = string.Empty;
        public string? Note { get; internal set; }

        public override string ToString() => $"{Kind} {Item}: {Action}";
    }

    /// <summary>One job of a platform's maintenance as Get-PlatformMaintenance shows it: the plan, what is installed, the next and last run.</summary>
    public sealed class MaintenanceJobStatus
    {
        public string Platform { get; internal set; } = string.Empty;
        public MaintenanceJobName Job { get; internal set; }
        public string Description { get; internal set; } = string.Empty;
        public bool Enabled { get; internal set; }
        public bool Installed { get; internal set; }
        public MaintenanceScheduler? Scheduler { get; internal set; }
        public string Schedule { get; internal set; } = string.Empty;
        /// <summary>The unit, task or crontab line that runs it, when installed.</summary>
        public string? Entry { get; internal set; }
        /// <summary>Local time of the next run by the schedule (when installed).</summary>
        public DateTime? NextRun { get; internal set; }
        /// <summary>UTC start of the last run that did its work (from the run log).</summary>
        public DateTime? LastRun { get; internal set; }
        public MaintenanceOutcome? LastOutcome { get; internal set; }
        public TimeSpan? LastDuration { get; internal set; }
        public string? LastMessage { get; internal set; }
        public TimeSpan TimeLimit { get; internal set; }
        public TimeSpan Window { get; internal set; }
        /// <summary>Why the job is not enabled, or a note on its installation.</summary>
        public string? Reason { get; internal set; }

        public override string ToString() => $"{Job} ({Schedule})";
    }
}

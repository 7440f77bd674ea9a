using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PlatformOps.Common;
using PlatformOps.Postgres;
using PlatformOps.Redis;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// Everything one readiness run needs: the profile, the resolved connections (or why they could not be resolved),
    /// the targets in force and where state between runs lives. Built by the cmdlet, read by the engine.
    /// </summary>
    public sealed class ReadinessPlan
    {
        public ReadinessPlan(PlatformProfile profile)
        {
            Profile = profile ?? throw new ArgumentNullException(nameof(profile));
            Settings = profile.Readiness ?? new ReadinessSettings();
        }

        public PlatformProfile Profile { get; }
        public ReadinessSettings Settings { get; }
        public DockerTarget? Docker { get; set; }
        public PostgresTarget? Postgres { get; set; }
        public Exception? PostgresError { get; set; }
        public RedisTarget? Redis { get; set; }
        public Exception? RedisError { get; set; }
        /// <summary>How long each probe may take.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
        /// <summary>Only these categories (null: all).</summary>
        public ICollection<ReadinessCategory>? Categories { get; set; }
        /// <summary>Remember container restart counts for the next run (off for -WhatIf-like dry runs and tests that want isolation).</summary>
        public bool SaveState { get; set; } = true;
        /// <summary>How many items may run at once; null: every item at once (the default). 1 runs them one after another (benchmarks).</summary>
        public int? MaxParallelism { get; set; }
        /// <summary>The clock; tests set it.</summary>
        public Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;

        public string PlatformName => Profile.Name;

        /// <summary>A plan for a profile: its Docker, PostgreSQL and Redis resolved (a resolution error is kept for the items to report).</summary>
        public static ReadinessPlan Create(PlatformProfile profile, TimeSpan timeout)
        {
            var plan = new ReadinessPlan(profile) { Timeout = timeout };
            if (profile.Docker != null) plan.Docker = DockerTarget.Resolve(null, null, profile);
            if (profile.Postgres != null)
            {
                try { plan.Postgres = PostgresTarget.Resolve(null, null, null, null, null, profile); }
                catch (PlatformOpsException ex) { plan.PostgresError = ex; }
            }
            if (profile.Redis != null)
            {
                try { plan.Redis = RedisTarget.Resolve(null, null, null, null, profile); }
                catch (PlatformOpsException ex) { plan.RedisError = ex; }
            }
            return plan;
        }

        /// <summary>The folder holding readiness state for this platform (restart counts, last test run).</summary>
        public string StateDirectory => StateDirectoryOf(Profile);

        /// <summary>The runbooks folder: the profile's Readiness.RunbooksPath, else 'runbooks' beside the profile file.</summary>
        public string? RunbooksDirectory
        {
            get
            {
                if (!string.IsNullOrEmpty(Settings.RunbooksPath)) return Settings.RunbooksPath;
                var folder = Profile.Path == null ? null : System.IO.Path.GetDirectoryName(Profile.Path);
                return folder == null ? null : System.IO.Path.Combine(folder, "runbooks");
            }
        }

        /// <summary>The runbook file names by topic, with the defaults for topics the profile does not name.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Runbooks
        {
            get
            {
                var named = Settings.Runbooks ?? new Dictionary<string, string>();
                var result = new List<KeyValuePair<string, string>>();
                foreach (var topic in DefaultRunbooks)
                {
                    var file = named.FirstOrDefault(p => string.Equals(p.Key, topic.Key, StringComparison.OrdinalIgnoreCase)).Value;
                    result.Add(new KeyValuePair<string, string>(topic.Key, string.IsNullOrEmpty(file) ? topic.Value : file));
                }
                foreach (var extra in named.Where(p => !DefaultRunbooks.Any(d => string.Equals(d.Key, p.Key, StringComparison.OrdinalIgnoreCase))))
                    result.Add(extra);
                return result;
            }
        }

        internal static readonly KeyValuePair<string, string>[] DefaultRunbooks =
        {
            new KeyValuePair<string, string>("Recovery", "recovery.md"),
            new KeyValuePair<string, string>("Tls", "tls.md"),
            new KeyValuePair<string, string>("Secrets", "secrets.md"),
            new KeyValuePair<string, string>("Roles", "roles.md"),
        };

        /// <summary>Application names whose superuser sessions count as maintenance (prefix match, case-insensitive).</summary>
        public IReadOnlyList<string> AdminApplications => Settings.AdminApplications
            ?? new List<string> { "psql", "pg_dump", "pg_dumpall", "pg_restore", "pg_basebackup", "pg_receivewal", "pg_isready", "PlatformOps", "pgAdmin" };

        /// <summary>The weight of a check by id: the profile's CheckWeights, else 1.</summary>
        public double CheckWeight(string id)
        {
            foreach (var pair in Settings.CheckWeights ?? new Dictionary<string, double>())
                if (string.Equals(pair.Key, id, StringComparison.OrdinalIgnoreCase)) return Math.Max(0, pair.Value);
            return 1;
        }

        /// <summary>The weight of a category: the profile's Weights, else the default (25/25/30/10/10).</summary>
        public static double CategoryWeight(ReadinessSettings? settings, ReadinessCategory category)
        {
            foreach (var pair in settings?.Weights ?? new Dictionary<string, double>())
                if (ReadinessCategories.TryParse(pair.Key, out var c) && c == category) return Math.Max(0, pair.Value);
            return ReadinessCategories.DefaultWeight(category);
        }

        /// <summary>Readiness.StatePath, else $XDG_STATE_HOME/platformops/&lt;profile name&gt; (~/.local/state on Unix, %LOCALAPPDATA% on Windows).</summary>
        public static string StateDirectoryOf(PlatformProfile profile) => PlatformStateFolder.Of(profile);
    }
}

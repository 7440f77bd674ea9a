using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Services
{
    /// <summary>Probes each service's HTTP health endpoint in parallel: status code, latency and verdict.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "PlatformService", DefaultParameterSetName = ByProfile)]
    [OutputType(typeof(ServiceCheck))]
    public sealed class TestPlatformServiceCommand : PlatformCmdlet
    {
        private const string ByProfile = "ByProfile";
        private const string ByUrl = "ByUrl";
        private readonly List<EndpointSettings> _urls = new List<EndpointSettings>();

        /// <summary>Service names from the profile; wildcards allowed.</summary>
        [Parameter(Position = 0, ParameterSetName = ByProfile)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PlatformOps.Common.Completers.ServiceNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Health URLs to probe instead of the profile's services.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByUrl, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Url { get; set; } = Array.Empty<string>();

        /// <summary>Also probe the profile's monitoring endpoints (Prometheus, Grafana, exporters).</summary>
        [Parameter(ParameterSetName = ByProfile)]
        public SwitchParameter IncludeMonitoring { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 5;

        /// <summary>A 2xx answer slower than this many milliseconds is Degraded.</summary>
        [Parameter]
        [ValidateRange(1, 600000)]
        public int DegradedAfterMs { get; set; } = ServiceProber.DefaultDegradedAfterMs;

        /// <summary>Returns only $true (every result passed) or $false, for gates: if (-not (... -Quiet)) { exit 1 }.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ByUrl)
                _urls.AddRange(Url.Select(u => new EndpointSettings { Name = u, Url = u }));
        }

        protected override void EndProcessing()
        {
            var endpoints = ParameterSetName == ByUrl ? _urls : FromProfile();
            if (endpoints.Count == 0) { WriteQuietVerdict(Quiet); return; }
            foreach (var e in endpoints) e.DegradedAfterMs ??= DegradedAfterMs;
            var checks = Await(ct => ServiceProber.ProbeAllAsync(endpoints, TimeSpan.FromSeconds(TimeoutSec), ct));
            foreach (var check in checks) WriteResult(check, check.Status == HealthStatus.Healthy || check.Status == HealthStatus.Degraded, Quiet);
            WriteQuietVerdict(Quiet);
        }

        private List<EndpointSettings> FromProfile()
        {
            var profile = EffectiveProfile;
            if (profile == null)
            {
                Fail("PlatformProfileNotLoaded", ErrorCategory.ObjectNotFound, null,
                    "No platform profile is loaded, so no services are known. Run Import-PlatformProfile, pass -Profile, or give -Url.");
                return new List<EndpointSettings>();
            }
            var all = profile.Services.Concat(IncludeMonitoring ? profile.Monitoring : Enumerable.Empty<EndpointSettings>());
            var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            var chosen = all.Where(e => patterns == null || patterns.Any(p => p.IsMatch(e.Name)))
                .Select(e => new EndpointSettings { Name = e.Name, Url = e.Url, Container = e.Container, DegradedAfterMs = e.DegradedAfterMs })
                .ToList();
            if (Name != null)
            {
                foreach (var literal in Name.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
                    if (!chosen.Any(e => string.Equals(e.Name, literal, StringComparison.OrdinalIgnoreCase)))
                        Report("PlatformServiceNotFound", ErrorCategory.ObjectNotFound, literal, $"The profile '{profile.Name}' has no service named '{literal}'.");
            }
            return chosen;
        }
    }
}

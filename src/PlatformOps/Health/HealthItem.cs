using System.Collections.Generic;
using System.Linq;
using PlatformOps.Common;

namespace PlatformOps.Health
{
    /// <summary>One checked item of the platform: a container, a server, an endpoint.</summary>
    public sealed class HealthItem
    {
        public HealthItem(string component, string name, HealthStatus status, double? latencyMs, string detail, object? data = null)
        {
            Component = component;
            Name = name;
            Status = status;
            LatencyMs = latencyMs;
            Detail = detail;
            Data = data;
        }

        /// <summary>Docker, Container, Postgres, Redis, Service or Monitoring.</summary>
        public string Component { get; }
        public string Name { get; }
        public HealthStatus Status { get; }
        public double? LatencyMs { get; }
        /// <summary>The reason behind the status, in words an operator can act on.</summary>
        public string Detail { get; }
        /// <summary>The full measured object (PlatformContainer, PostgresStatus, RedisStatus, ServiceCheck), for scripts.</summary>
        public object? Data { get; }

        public override string ToString() => $"{Component}/{Name}: {Status}";
    }

    /// <summary>One roll-up line per component.</summary>
    public sealed class HealthSummary
    {
        public string Component { get; internal set; } = string.Empty;
        /// <summary>The worst status among the component's items.</summary>
        public HealthStatus Status { get; internal set; }
        public int Total { get; internal set; }
        public int Healthy { get; internal set; }
        public int Degraded { get; internal set; }
        public int Unhealthy { get; internal set; }
        public int Unknown { get; internal set; }
        /// <summary>The names of the items that are not healthy, with their reasons.</summary>
        public string Detail { get; internal set; } = string.Empty;

        public static IReadOnlyList<HealthSummary> From(IEnumerable<HealthItem> items)
            => items.GroupBy(i => i.Component).Select(g => new HealthSummary
            {
                Component = g.Key,
                Status = g.Max(i => i.Status),
                Total = g.Count(),
                Healthy = g.Count(i => i.Status == HealthStatus.Healthy),
                Degraded = g.Count(i => i.Status == HealthStatus.Degraded),
                Unhealthy = g.Count(i => i.Status == HealthStatus.Unhealthy),
                Unknown = g.Count(i => i.Status == HealthStatus.Unknown),
                Detail = string.Join("; ", g.Where(i => i.Status != HealthStatus.Healthy).Select(i => $"{i.Name}: {i.Detail}")),
            }).ToList();

        public override string ToString() => $"{Component}: {Status}";
    }
}

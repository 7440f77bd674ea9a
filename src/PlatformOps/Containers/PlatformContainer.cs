using System;

namespace PlatformOps.Containers
{
    /// <summary>The health a container's own health check reports.</summary>
    public enum ContainerHealth
    {
        /// <summary>The container defines no health check.</summary>
        None,
        Starting,
        Healthy,
        Unhealthy,
    }

    /// <summary>One container of the platform, as its Docker engine sees it now.</summary>
    public sealed class PlatformContainer
    {
        public string Name { get; internal set; } = string.Empty;
        public string Id { get; internal set; } = string.Empty;
        /// <summary>The Compose service (label com.docker.compose.service), if any.</summary>
        public string? Service { get; internal set; }
        /// <summary>The Compose project (label com.docker.compose.project), if any.</summary>
        public string? Project { get; internal set; }
        public string Image { get; internal set; } = string.Empty;
        /// <summary>created, running, paused, restarting, removing, exited or dead.</summary>
        public string State { get; internal set; } = string.Empty;
        public ContainerHealth Health { get; internal set; }
        public bool HasHealthCheck { get; internal set; }
        /// <summary>Consecutive failed health probes.</summary>
        public long FailingStreak { get; internal set; }
        /// <summary>The output of the newest health probe, trimmed.</summary>
        public string? LastProbeOutput { get; internal set; }
        public long? LastProbeExitCode { get; internal set; }
        public DateTime? LastProbeTime { get; internal set; }
        public long RestartCount { get; internal set; }
        public bool OomKilled { get; internal set; }
        public long ExitCode { get; internal set; }
        public DateTime? StartedAt { get; internal set; }
        /// <summary>How long the container has been running; null when it is not running.</summary>
        public TimeSpan? Uptime { get; internal set; }
        /// <summary>The memory limit in bytes; 0 when none is set.</summary>
        public long MemoryLimitBytes { get; internal set; }
        /// <summary>The CPU limit in CPUs; 0 when none is set.</summary>
        public double CpuLimit { get; internal set; }
        public string? Error { get; internal set; }
        /// <summary>How long the engine took to answer the inspect call, in milliseconds.</summary>
        public double InspectMs { get; internal set; }

        public bool IsRunning => string.Equals(State, "running", StringComparison.OrdinalIgnoreCase);

        public override string ToString() => Name;
    }
}

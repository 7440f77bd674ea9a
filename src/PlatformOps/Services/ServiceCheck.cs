using PlatformOps.Common;

namespace PlatformOps.Services
{
    /// <summary>One answer from a service's HTTP health endpoint.</summary>
    public sealed class ServiceCheck
    {
        public string Name { get; internal set; } = string.Empty;
        public string Url { get; internal set; } = string.Empty;
        public string? Container { get; internal set; }
        /// <summary>The HTTP status code; null when no answer came.</summary>
        public int? StatusCode { get; internal set; }
        public double LatencyMs { get; internal set; }
        public HealthStatus Status { get; internal set; }
        /// <summary>Why the verdict is what it is: the error, or the start of the body.</summary>
        public string Detail { get; internal set; } = string.Empty;

        public override string ToString() => $"{Name} {Status}";
    }
}

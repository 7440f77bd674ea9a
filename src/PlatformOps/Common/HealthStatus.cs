namespace PlatformOps.Common
{
    /// <summary>The verdict on one checked item. Ordered from best to worst so that a roll-up takes the maximum.</summary>
    public enum HealthStatus
    {
        Healthy = 0,
        Degraded = 1,
        Unknown = 2,
        Unhealthy = 3,
    }
}

using System;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;
using PlatformOps.Postgres;
using PlatformOps.Redis;

namespace PlatformOps.Health
{
    /// <summary>The platform's parts, as -Component names them.</summary>
    public enum PlatformComponent
    {
        Container,
        Postgres,
        Redis,
        Service,
        Monitoring,
    }

    /// <summary>What Get-PlatformHealth and Wait-PlatformHealthy share: which parts to probe and how long to wait.</summary>
    public abstract class HealthCmdlet : DockerCmdlet
    {
        /// <summary>Only these parts. Default: every part the profile names (without a profile: Docker, PostgreSQL and Redis from the environment).</summary>
        [Parameter]
        public PlatformComponent[]? Component { get; set; }

        /// <summary>Seconds each probe may take.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 5;

        private bool Wants(PlatformComponent c) => Component == null || Component.Contains(c);

        protected HealthPlan BuildPlan()
        {
            var profile = EffectiveProfile;
            var plan = new HealthPlan { Timeout = TimeSpan.FromSeconds(TimeoutSec) };
            var hasProfile = profile != null;
            if (Wants(PlatformComponent.Container) && (!hasProfile || profile!.Docker != null || DockerEndpoint != null))
                plan.Docker = ResolveDocker();
            if (Wants(PlatformComponent.Postgres) && (!hasProfile || profile!.Postgres != null))
            {
                try { plan.Postgres = PostgresTarget.Resolve(null, null, null, null, null, profile); }
                catch (PlatformOpsException ex) { plan.PostgresError = ex; }
            }
            if (Wants(PlatformComponent.Redis) && (!hasProfile || profile!.Redis != null))
            {
                try { plan.Redis = RedisTarget.Resolve(null, null, null, null, profile); }
                catch (PlatformOpsException ex) { plan.RedisError = ex; }
            }
            if (hasProfile && Wants(PlatformComponent.Service)) foreach (var s in profile!.Services) plan.Services.Add(s);
            if (hasProfile && Wants(PlatformComponent.Monitoring)) foreach (var m in profile!.Monitoring) plan.Monitoring.Add(m);
            return plan;
        }
    }
}

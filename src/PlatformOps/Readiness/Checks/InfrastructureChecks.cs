using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Containers;
using PlatformOps.Health;
using PlatformOps.Services;

namespace PlatformOps.Readiness
{
    internal static partial class ReadinessChecklist
    {
        private const ReadinessCategory Infra = ReadinessCategory.Infrastructure;

        private static IEnumerable<ReadinessItem> Infrastructure(ReadinessPlan plan)
        {
            var window = plan.Settings.RestartWindowMinutes;
            yield return Item("infrastructure.containers-running", Infra, "Every container is running and healthy",
                "Get-PlatformContainer | Where-Object Health -ne 'Healthy'", "all running, health check healthy", ContainersRunningAsync);
            yield return Item("infrastructure.healthchecks-defined", Infra, "Health checks are defined on every service",
                "Get-PlatformContainer | Where-Object { -not $_.HasHealthCheck }", "a health check on every container", HealthChecksDefinedAsync);
            yield return Item("infrastructure.restarts-stable", Infra, "Restart counts are not climbing",
                "Get-PlatformContainer | Sort-Object RestartCount -Descending", $"no restarts since the last run (or within {Words.Minutes(window)})", RestartsStableAsync);
            yield return Item("infrastructure.resource-limits", Infra, "Resource limits are set",
                "Get-PlatformContainer | Where-Object MemoryLimitBytes -eq 0", "a memory and a CPU limit on every container", ResourceLimitsAsync);
            yield return Item("infrastructure.service-endpoints", Infra, "Every service's health endpoint answers",
                "Test-PlatformService | Where-Object Status -ne 'Healthy'", "HTTP 2xx from every service", ServiceEndpointsAsync);
            yield return Item("infrastructure.monitoring", Infra, "Monitoring is up (Prometheus and exporters answer)",
                "Test-PlatformService -IncludeMonitoring", "every monitoring endpoint answers", MonitoringAsync);
        }

        /// <summary>The container list, or the Skipped/Fail row that says why there is none.</summary>
        private static async Task<(IReadOnlyList<PlatformContainer>? Containers, ReadinessCheck? Instead)> ContainersOrAsync(
            ReadinessContext context, ReadinessDefinition definition, bool primary)
        {
            if (context.Plan.Docker == null)
                return (null, definition.Skip("the profile has no Docker section: the platform does not run in containers"));
            try
            {
                var containers = await context.Containers.ConfigureAwait(false);
                if (containers.Count == 0)
                {
                    var scope = context.Plan.Docker.ComposeProject == null ? "any" : $"Compose project '{context.Plan.Docker.ComposeProject}'";
                    return (null, primary
                        ? definition.Fail($"the Docker engine answers but has no containers of {scope}")
                        : definition.Skip($"not measured: no containers of {scope} (see 'Every container is running and healthy')"));
                }
                return (containers, null);
            }
            catch (Exception ex) when (!primary && !(ex is OperationCanceledException))
            {
                return (null, definition.Skip("not measured: the Docker engine did not answer (see 'Every container is running and healthy')"));
            }
        }

        private static async Task<ReadinessCheck> ContainersRunningAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var (containers, instead) = await ContainersOrAsync(context, d, primary: true).ConfigureAwait(false);
            if (containers == null) return instead!;
            var failing = new List<string>();
            var starting = new List<string>();
            foreach (var c in containers)
            {
                var item = HealthChecker.FromContainer(c);
                if (item.Status == HealthStatus.Healthy) continue;
                var line = $"{c.Name}: {item.Detail}";
                if (c.IsRunning && c.Health == ContainerHealth.Starting && c.FailingStreak == 0) starting.Add(line);
                else failing.Add(line);
            }
            var expected = context.Plan.Profile.Services.Concat(context.Plan.Profile.Monitoring)
                .Select(e => e.Container).Where(n => !string.IsNullOrEmpty(n)).Distinct(StringComparer.Ordinal)
                .Where(n => !containers.Any(c => string.Equals(c.Name, n, StringComparison.Ordinal))).ToList();
            foreach (var missing in expected) failing.Add($"{missing}: no such container (the profile names it)");
            var total = containers.Count + expected.Count;
            var good = total - failing.Count - starting.Count;
            var check = failing.Count > 0
                ? d.Fail($"{good} of {total} running and healthy; not: {Words.Some(failing.Select(f => f.Substring(0, f.IndexOf(':'))))}", failing.Concat(starting).ToList(), containers)
                : starting.Count > 0
                    ? d.Warn($"{good} of {total} healthy; health check not yet passed: {Words.Some(starting.Select(f => f.Substring(0, f.IndexOf(':'))))}", starting, containers)
                    : d.Pass($"{total} of {total} running and healthy", null, containers);
            check.Value = good;
            check.Unit = "containers";
            if (check.Status != ReadinessStatus.Pass)
            {
                var names = failing.Concat(starting).Select(f => f.Substring(0, f.IndexOf(':'))).Where(n => containers.Any(c => c.Name == n)).ToList();
                if (names.Count > 0) check.Remedy = $"Get-PlatformContainer -Name {string.Join(", ", names)}; Wait-PlatformHealthy";
            }
            return check;
        }

        private static async Task<ReadinessCheck> HealthChecksDefinedAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var (containers, instead) = await ContainersOrAsync(context, d, primary: false).ConfigureAwait(false);
            if (containers == null) return instead!;
            var without = containers.Where(c => !c.HasHealthCheck).Select(c => c.Name).ToList();
            var check = without.Count == 0
                ? d.Pass($"{containers.Count} of {containers.Count} containers define a health check")
                : d.Fail($"{containers.Count - without.Count} of {containers.Count} define a health check; none on {Words.Some(without)}",
                    without.Select(n => $"{n}: no HEALTHCHECK (add a healthcheck: to its Compose service)").ToList());
            check.Value = containers.Count - without.Count;
            check.Unit = "containers";
            return check;
        }

        private static async Task<ReadinessCheck> RestartsStableAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var (containers, instead) = await ContainersOrAsync(context, d, primary: false).ConfigureAwait(false);
            if (containers == null) return instead!;
            var previous = context.Previous;
            var window = TimeSpan.FromMinutes(context.Plan.Settings.RestartWindowMinutes);
            var climbing = new List<string>();
            var recent = new List<string>();
            var compared = 0;
            foreach (var c in containers)
            {
                ContainerMark? mark = null;
                if (previous != null && previous.Containers.TryGetValue(c.Name, out var m) && m.Id == c.Id) mark = m;
                if (mark != null)
                {
                    compared++;
                    var delta = c.RestartCount - mark.RestartCount;
                    if (delta > 0) climbing.Add($"{c.Name}: restarted {Words.Plural(delta, "time")} since {Words.Utc(previous!.CheckedAt)} ({c.RestartCount} in all){(c.OomKilled ? ", OOM-killed" : string.Empty)}");
                }
                else if (c.RestartCount > 0 && c.StartedAt != null && context.Now - c.StartedAt.Value < window)
                {
                    recent.Add($"{c.Name}: {Words.Plural(c.RestartCount, "restart")}, the last {Words.Ago(c.StartedAt.Value, context.Now)}{(c.OomKilled ? ", OOM-killed" : string.Empty)}");
                }
            }
            var total = containers.Sum(c => c.RestartCount);
            var basis = compared > 0 && previous != null
                ? $"compared with the run at {Words.Utc(previous.CheckedAt)}"
                : $"no earlier run to compare with: restarts within {Words.Span(window)} count";
            ReadinessCheck check;
            if (climbing.Count > 0)
                check = d.Fail($"climbing on {Words.Some(climbing.Select(l => l.Substring(0, l.IndexOf(':'))))} ({basis})", climbing.Concat(recent).ToList());
            else if (recent.Count > 0)
                check = d.Warn($"recent restarts on {Words.Some(recent.Select(l => l.Substring(0, l.IndexOf(':'))))} ({basis})", recent);
            else
                check = d.Pass(total == 0
                    ? $"no restarts in {Words.Plural(containers.Count, "container")} ({basis})"
                    : $"{Words.Plural(total, "restart")} in all, none new ({basis})");
            check.Value = climbing.Count + recent.Count;
            check.Unit = "containers";
            if (check.Status != ReadinessStatus.Pass)
                check.Remedy = $"Get-PlatformContainer -Name {string.Join(", ", climbing.Concat(recent).Select(l => l.Substring(0, l.IndexOf(':'))))} | Format-List Name, RestartCount, OomKilled, ExitCode, LastProbeOutput";
            return check;
        }

        private static async Task<ReadinessCheck> ResourceLimitsAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var (containers, instead) = await ContainersOrAsync(context, d, primary: false).ConfigureAwait(false);
            if (containers == null) return instead!;
            var noMemory = containers.Where(c => c.MemoryLimitBytes <= 0).Select(c => c.Name).ToList();
            var noCpu = containers.Where(c => c.MemoryLimitBytes > 0 && c.CpuLimit <= 0).Select(c => c.Name).ToList();
            var details = noMemory.Select(n => $"{n}: no memory limit (mem_limit / deploy.resources.limits.memory)")
                .Concat(noCpu.Select(n => $"{n}: memory limit but no CPU limit (cpus)")).ToList();
            var limited = containers.Count - noMemory.Count - noCpu.Count;
            var check = noMemory.Count > 0
                ? d.Fail($"{limited} of {containers.Count} have memory and CPU limits; no memory limit on {Words.Some(noMemory)}", details)
                : noCpu.Count > 0
                    ? d.Warn($"{containers.Count} of {containers.Count} have a memory limit; no CPU limit on {Words.Some(noCpu)}", details)
                    : d.Pass($"{containers.Count} of {containers.Count} have memory and CPU limits (memory {Words.Size(containers.Sum(c => c.MemoryLimitBytes))} in all)");
            check.Value = limited;
            check.Unit = "containers";
            return check;
        }

        private static async Task<ReadinessCheck> ServiceEndpointsAsync(ReadinessContext context, ReadinessDefinition d)
        {
            if (context.Plan.Profile.Services.Count == 0) return d.Skip("the profile names no Services");
            var checks = await ReprobeSlowAsync(context, context.Plan.Profile.Services, await context.Services.ConfigureAwait(false)).ConfigureAwait(false);
            return Endpoints(d, checks, "services", "Test-PlatformService -Name");
        }

        private static async Task<ReadinessCheck> MonitoringAsync(ReadinessContext context, ReadinessDefinition d)
        {
            if (context.Plan.Profile.Monitoring.Count == 0) return d.Skip("the profile names no Monitoring endpoints (Prometheus, exporters)");
            var checks = await ReprobeSlowAsync(context, context.Plan.Profile.Monitoring, await context.Monitoring.ConfigureAwait(false)).ConfigureAwait(false);
            return Endpoints(d, checks, "monitoring endpoints", "Test-PlatformService -IncludeMonitoring -Name");
        }

        /// <summary>
        /// Asks a slow endpoint once more before calling it slow: the first request of a fresh process pays for
        /// connection setup and JIT, which is not the service's latency.
        /// </summary>
        private static async Task<ServiceCheck[]> ReprobeSlowAsync(ReadinessContext context, IList<EndpointSettings> endpoints, ServiceCheck[] checks)
        {
            if (!checks.Any(c => c.Status == HealthStatus.Degraded)) return checks;
            var result = (ServiceCheck[])checks.Clone();
            for (var i = 0; i < result.Length; i++)
            {
                if (result[i].Status != HealthStatus.Degraded) continue;
                var endpoint = endpoints.FirstOrDefault(e => e.Name == result[i].Name && e.Url == result[i].Url);
                if (endpoint != null) result[i] = await ServiceProber.ProbeAsync(endpoint, context.Plan.Timeout, context.CancellationToken).ConfigureAwait(false);
            }
            return result;
        }

        private static ReadinessCheck Endpoints(ReadinessDefinition d, ServiceCheck[] checks, string what, string remedy)
        {
            var bad = checks.Where(c => c.Status == HealthStatus.Unhealthy || c.Status == HealthStatus.Unknown).ToList();
            var slow = checks.Where(c => c.Status == HealthStatus.Degraded).ToList();
            var details = bad.Concat(slow).Select(c => $"{c.Name}: " + (c.StatusCode == null ? c.Detail : $"HTTP {c.StatusCode} in {Words.Number(c.LatencyMs)} ms{(c.Status == HealthStatus.Healthy ? string.Empty : ": " + c.Detail)}")).ToList();
            var slowest = checks.OrderByDescending(c => c.LatencyMs).FirstOrDefault();
            var answering = checks.Length - bad.Count;
            ReadinessCheck check;
            if (bad.Count > 0)
                check = d.Fail($"{answering} of {checks.Length} {what} answer; not: {Words.Some(bad.Select(c => c.Name))}", details, checks);
            else if (slow.Count > 0)
                check = d.Warn($"{checks.Length} of {checks.Length} {what} answer; slow: {Words.Some(slow.Select(c => c.Name))}", details, checks);
            else
                check = d.Pass($"{checks.Length} of {checks.Length} {what} answer 2xx (slowest {slowest?.Name} {Words.Number(slowest?.LatencyMs ?? 0)} ms)", null, checks);
            check.Value = answering;
            check.Unit = what;
            if (check.Status != ReadinessStatus.Pass) check.Remedy = $"{remedy} {string.Join(", ", bad.Concat(slow).Select(c => c.Name))}";
            return check;
        }
    }
}

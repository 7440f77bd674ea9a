using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Containers;
using PlatformOps.Postgres;
using PlatformOps.Redis;
using PlatformOps.Services;

namespace PlatformOps.Health
{
    /// <summary>What to check. A null target is skipped; a resolution error becomes an Unhealthy item.</summary>
    public sealed class HealthPlan
    {
        public DockerTarget? Docker { get; set; }
        public PostgresTarget? Postgres { get; set; }
        public Exception? PostgresError { get; set; }
        public RedisTarget? Redis { get; set; }
        public Exception? RedisError { get; set; }
        public IList<EndpointSettings> Services { get; } = new List<EndpointSettings>();
        public IList<EndpointSettings> Monitoring { get; } = new List<EndpointSettings>();
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
    }

    /// <summary>
    /// Probes every part of a platform at once (containers, PostgreSQL, Redis, service and monitoring endpoints) and
    /// turns each into HealthItems. Nothing throws past it: an unreachable part is an Unhealthy item with the reason.
    /// </summary>
    public static class HealthChecker
    {
        public static readonly string[] ComponentOrder = { "Docker", "Container", "Postgres", "Redis", "Service", "Monitoring" };

        public static async Task<IReadOnlyList<HealthItem>> CheckAsync(HealthPlan plan, CancellationToken cancellationToken)
        {
            var work = new List<Task<IEnumerable<HealthItem>>>();
            if (plan.Docker != null) work.Add(Guard("Docker", plan.Docker.Endpoint, () => CheckContainersAsync(plan.Docker, plan.Timeout, cancellationToken)));
            if (plan.PostgresError != null) work.Add(Task.FromResult(One("Postgres", "postgres", plan.PostgresError)));
            else if (plan.Postgres != null) work.Add(Guard("Postgres", plan.Postgres.Endpoint, () => CheckPostgresAsync(plan.Postgres, plan.Timeout, cancellationToken)));
            if (plan.RedisError != null) work.Add(Task.FromResult(One("Redis", "redis", plan.RedisError)));
            else if (plan.Redis != null) work.Add(Guard("Redis", plan.Redis.Endpoint, () => CheckRedisAsync(plan.Redis, plan.Timeout, cancellationToken)));
            if (plan.Services.Count > 0) work.Add(CheckEndpointsAsync("Service", plan.Services, plan.Timeout, cancellationToken));
            if (plan.Monitoring.Count > 0) work.Add(CheckEndpointsAsync("Monitoring", plan.Monitoring, plan.Timeout, cancellationToken));

            var results = await Task.WhenAll(work).ConfigureAwait(false);
            return results.SelectMany(r => r)
                .OrderBy(i => Array.IndexOf(ComponentOrder, i.Component))
                .ThenBy(i => i.Name, StringComparer.Ordinal)
                .ToList();
        }

        private static async Task<IEnumerable<HealthItem>> Guard(string component, string name, Func<Task<IEnumerable<HealthItem>>> check)
        {
            try
            {
                return await check().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception ex)
            {
                return One(component, name, ex);
            }
        }

        private static IEnumerable<HealthItem> One(string component, string name, Exception ex)
            => new[] { new HealthItem(component, (ex as PlatformOpsException)?.Target?.ToString() ?? name, HealthStatus.Unhealthy, null, PlatformErrors.Reason(ex), ex) };

        private static async Task<IEnumerable<HealthItem>> CheckContainersAsync(DockerTarget docker, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var inspector = new ContainerInspector(docker, timeout);
            var clock = Stopwatch.StartNew();
            var containers = await inspector.GetContainersAsync(docker.ComposeProject, null, cancellationToken).ConfigureAwait(false);
            var elapsed = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
            if (containers.Count == 0)
            {
                var scope = docker.ComposeProject == null ? "any" : $"Compose project '{docker.ComposeProject}'";
                return new[] { new HealthItem("Docker", docker.Endpoint, HealthStatus.Unhealthy, elapsed, $"the engine answers but has no containers of {scope}") };
            }
            return containers.Select(c => FromContainer(c, c.InspectMs)).ToList();
        }

        public static HealthItem FromContainer(PlatformContainer c, double? latencyMs = null)
        {
            HealthStatus status;
            string detail;
            var oom = c.OomKilled ? ", OOM-killed" : string.Empty;
            switch (c.State)
            {
                case "running":
                    switch (c.Health)
                    {
                        case ContainerHealth.Healthy:
                            status = HealthStatus.Healthy;
                            detail = $"healthy, up {Format(c.Uptime)}";
                            break;
                        case ContainerHealth.None:
                            status = HealthStatus.Healthy;
                            detail = $"running, up {Format(c.Uptime)}, no health check defined";
                            break;
                        case ContainerHealth.Starting:
                            status = HealthStatus.Degraded;
                            detail = c.FailingStreak > 0
                                ? $"health check starting, {c.FailingStreak} failed probe(s): {c.LastProbeOutput}"
                                : "health check starting, no verdict yet";
                            break;
                        default:
                            status = HealthStatus.Unhealthy;
                            detail = $"unhealthy, {c.FailingStreak} failed probe(s) in a row: {(string.IsNullOrEmpty(c.LastProbeOutput) ? $"exit code {c.LastProbeExitCode}" : c.LastProbeOutput)}";
                            break;
                    }
                    break;
                case "restarting":
                    status = HealthStatus.Unhealthy;
                    detail = $"restarting, {c.RestartCount} restart(s), last exit code {c.ExitCode}{oom}";
                    break;
                case "paused":
                    status = HealthStatus.Degraded;
                    detail = "paused";
                    break;
                default:
                    status = HealthStatus.Unhealthy;
                    detail = $"{c.State}, exit code {c.ExitCode}{oom}" + (c.Error == null ? string.Empty : $": {c.Error}");
                    break;
            }
            if (c.RestartCount > 0 && c.State != "restarting") detail += $", {c.RestartCount} restart(s)";
            return new HealthItem("Container", c.Name, status, latencyMs, detail, c);
        }

        private static async Task<IEnumerable<HealthItem>> CheckPostgresAsync(PostgresTarget target, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var status = await PostgresProbe.GetStatusAsync(target, cancellationToken, Math.Max(1, (int)timeout.TotalSeconds)).ConfigureAwait(false);
            return new[] { FromPostgres(status) };
        }

        public static HealthItem FromPostgres(PostgresStatus s)
        {
            var problems = new List<string>();
            if (s.ConnectionsPercent >= 90) problems.Add($"connections at {s.ConnectionsPercent}% of max_connections");
            if (s.ArchivingEnabled && s.ArchiveFailing) problems.Add($"WAL archiving failing since {s.LastFailedTime:u} ({s.LastFailedWal})");
            var detail = $"PostgreSQL {s.Version}, up {Format(s.Uptime)}, {s.Connections}/{s.MaxConnections} connections"
                         + (s.InRecovery ? ", in recovery" : string.Empty)
                         + $", archive_mode {s.ArchiveMode}, ssl {(s.Ssl ? "on" : "off")}";
            if (problems.Count > 0) detail = string.Join("; ", problems) + " | " + detail;
            return new HealthItem("Postgres", s.Endpoint, problems.Count == 0 ? HealthStatus.Healthy : HealthStatus.Degraded, s.LatencyMs, detail, s);
        }

        private static async Task<IEnumerable<HealthItem>> CheckRedisAsync(RedisTarget target, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var status = await RedisProbe.GetStatusAsync(target, cancellationToken, (int)timeout.TotalMilliseconds).ConfigureAwait(false);
            return new[] { FromRedis(status, Math.Round(clock.Elapsed.TotalMilliseconds, 1)) };
        }

        public static HealthItem FromRedis(RedisStatus s, double? latencyMs = null)
        {
            var detail = $"Redis {s.Version} {s.Role}, ping {s.PingMs.ToString("0.##", CultureInfo.InvariantCulture)} ms, save '{s.SavePolicy}', aof {(s.AofEnabled ? "on" : "off")}, last bgsave {s.LastBgsaveStatus}";
            var status = s.Warnings.Count == 0 ? HealthStatus.Healthy : HealthStatus.Degraded;
            if (s.Warnings.Count > 0) detail = string.Join(" ", s.Warnings) + " | " + detail;
            return new HealthItem("Redis", s.Endpoint, status, latencyMs ?? s.PingMs, detail, s);
        }

        private static async Task<IEnumerable<HealthItem>> CheckEndpointsAsync(string component, IEnumerable<EndpointSettings> endpoints, TimeSpan timeout,
            CancellationToken cancellationToken)
        {
            var checks = await ServiceProber.ProbeAllAsync(endpoints, timeout, cancellationToken).ConfigureAwait(false);
            return checks.Select(c => new HealthItem(component, c.Name, c.Status, c.LatencyMs,
                c.StatusCode == null ? c.Detail : $"HTTP {c.StatusCode} in {c.LatencyMs:0.#} ms" + (c.Status == HealthStatus.Healthy ? string.Empty : $": {c.Detail}"), c)).ToList();
        }

        internal static string Format(TimeSpan? span)
        {
            if (span == null) return "-";
            var t = span.Value;
            if (t.TotalDays >= 1) return $"{(int)t.TotalDays}d{t.Hours}h";
            if (t.TotalHours >= 1) return $"{(int)t.TotalHours}h{t.Minutes}m";
            if (t.TotalMinutes >= 1) return $"{(int)t.TotalMinutes}m{t.Seconds}s";
            return $"{Math.Max(0, (int)t.TotalSeconds)}s";
        }
    }
}

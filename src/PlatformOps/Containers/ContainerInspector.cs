using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using PlatformOps.Common;

namespace PlatformOps.Containers
{
    /// <summary>
    /// Reads the platform's containers from a Docker engine: one list call, then every container inspected in
    /// parallel (health, failing streak, last probe output, restart count, OOM flag, limits).
    /// </summary>
    public sealed class ContainerInspector : IDisposable
    {
        public const string ProjectLabel = "com.docker.compose.project";
        public const string ServiceLabel = "com.docker.compose.service";

        private readonly DockerTarget _target;
        private readonly TimeSpan _timeout;
        private readonly DockerClient _client;

        public ContainerInspector(DockerTarget target, TimeSpan timeout)
        {
            _target = target;
            _timeout = timeout;
            _client = target.CreateClient(timeout);
        }

        /// <summary>Degree of parallelism for inspect calls.</summary>
        public int Parallelism { get; set; } = 16;

        /// <summary>Lists and inspects the containers of one Compose project (all containers when project is null).</summary>
        public async Task<IReadOnlyList<PlatformContainer>> GetContainersAsync(string? composeProject, Func<string, bool>? nameFilter,
            CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_timeout);
            IList<ContainerListResponse> listed;
            try
            {
                var parameters = new ContainersListParameters { All = true };
                if (!string.IsNullOrEmpty(composeProject))
                {
                    parameters.Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["label"] = new Dictionary<string, bool> { [$"{ProjectLabel}={composeProject}"] = true },
                    };
                }
                listed = await _client.Containers.ListContainersAsync(parameters, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw _target.Explain(ex is OperationCanceledException ? new TimeoutException($"no answer within {_timeout.TotalSeconds:0.#} s", ex) : ex);
            }

            var wanted = listed
                .Select(c => (Response: c, Name: (c.Names.FirstOrDefault() ?? c.ID).TrimStart('/')))
                .Where(c => nameFilter == null || nameFilter(c.Name))
                .ToList();

            using var gate = new SemaphoreSlim(Parallelism);
            var tasks = wanted.Select(async c =>
            {
                await gate.WaitAsync(deadline.Token).ConfigureAwait(false);
                try
                {
                    return await InspectAsync(c.Response, c.Name, deadline.Token).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();
            var results = await Task.WhenAll(tasks).ConfigureAwait(false);
            return results.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        }

        /// <summary>
        /// The environment (Config.Env, "NAME=value" strings) of each container of a Compose project (all containers when
        /// null), keyed by container name. Callers must never print the values.
        /// </summary>
        public async Task<IReadOnlyList<KeyValuePair<string, IList<string>>>> GetEnvironmentsAsync(string? composeProject, CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_timeout);
            try
            {
                var parameters = new ContainersListParameters { All = true };
                if (!string.IsNullOrEmpty(composeProject))
                {
                    parameters.Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["label"] = new Dictionary<string, bool> { [$"{ProjectLabel}={composeProject}"] = true },
                    };
                }
                var listed = await _client.Containers.ListContainersAsync(parameters, deadline.Token).ConfigureAwait(false);
                var result = new List<KeyValuePair<string, IList<string>>>();
                foreach (var c in listed)
                {
                    var name = (c.Names.FirstOrDefault() ?? c.ID).TrimStart('/');
                    try
                    {
                        var inspected = await _client.Containers.InspectContainerAsync(c.ID, deadline.Token).ConfigureAwait(false);
                        result.Add(new KeyValuePair<string, IList<string>>(name, inspected.Config?.Env ?? new List<string>()));
                    }
                    catch (DockerContainerNotFoundException)
                    {
                        // removed meanwhile
                    }
                }
                return result.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !(ex is PlatformOpsException))
            {
                throw _target.Explain(ex is OperationCanceledException ? new TimeoutException($"no answer within {_timeout.TotalSeconds:0.#} s", ex) : ex);
            }
        }

        private async Task<PlatformContainer> InspectAsync(ContainerListResponse listed, string name, CancellationToken cancellationToken)
        {
            var container = new PlatformContainer
            {
                Name = name,
                Id = listed.ID.Length > 12 ? listed.ID.Substring(0, 12) : listed.ID,
                Image = listed.Image,
                State = listed.State,
                Project = Label(listed.Labels, ProjectLabel),
                Service = Label(listed.Labels, ServiceLabel),
            };
            ContainerInspectResponse inspected;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                inspected = await _client.Containers.InspectContainerAsync(listed.ID, cancellationToken).ConfigureAwait(false);
                container.InspectMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
            }
            catch (DockerContainerNotFoundException)
            {
                container.State = "removed";
                container.Error = "removed while being inspected";
                return container;
            }
            Fill(container, inspected, DateTime.UtcNow);
            return container;
        }

        internal static void Fill(PlatformContainer container, ContainerInspectResponse inspected, DateTime nowUtc)
        {
            var state = inspected.State;
            container.State = state?.Status ?? container.State;
            container.RestartCount = inspected.RestartCount;
            container.OomKilled = state?.OOMKilled ?? false;
            container.ExitCode = state?.ExitCode ?? 0;
            container.Error = string.IsNullOrEmpty(state?.Error) ? null : state!.Error;
            container.MemoryLimitBytes = inspected.HostConfig?.Memory ?? 0;
            container.CpuLimit = (inspected.HostConfig?.NanoCPUs ?? 0) / 1e9;
            var test = inspected.Config?.Healthcheck?.Test;
            container.HasHealthCheck = test != null && test.Count > 0 && !(test.Count == 1 && test[0] == "NONE");
            if (DateTime.TryParse(state?.StartedAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var started)
                && started.Year > 1)
            {
                container.StartedAt = started;
                if (container.IsRunning) container.Uptime = nowUtc - started;
            }
            var health = state?.Health;
            if (health == null || string.IsNullOrEmpty(health.Status) || health.Status == "none")
            {
                container.Health = ContainerHealth.None;
            }
            else
            {
                container.Health = health.Status switch
                {
                    "healthy" => ContainerHealth.Healthy,
                    "unhealthy" => ContainerHealth.Unhealthy,
                    _ => ContainerHealth.Starting,
                };
                container.FailingStreak = health.FailingStreak;
                var last = health.Log?.OrderBy(l => l.Start).LastOrDefault();
                if (last != null)
                {
                    container.LastProbeOutput = Trim(last.Output);
                    container.LastProbeExitCode = last.ExitCode;
                    container.LastProbeTime = last.End.ToUniversalTime();
                }
            }
        }

        private static string? Label(IDictionary<string, string>? labels, string key)
            => labels != null && labels.TryGetValue(key, out var v) ? v : null;

        private static string? Trim(string? output)
        {
            if (output == null) return null;
            var t = output.Trim();
            return t.Length > 500 ? t.Substring(0, 500) + "…" : t;
        }

        public void Dispose() => _client.Dispose();
    }
}

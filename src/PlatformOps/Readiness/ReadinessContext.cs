using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Containers;
using PlatformOps.Postgres;
using PlatformOps.Redis;
using PlatformOps.Services;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// The probes one readiness run shares: each server is asked once, however many checklist items read the answer
    /// (four items read the container list, two the PostgreSQL status). Every probe starts on first use.
    /// </summary>
    internal sealed class ReadinessContext
    {
        private readonly Lazy<Task<IReadOnlyList<PlatformContainer>>> _containers;
        private readonly Lazy<Task<PostgresStatus>> _postgres;
        private readonly Lazy<Task<RedisStatus>> _redis;
        private readonly Lazy<Task<ServiceCheck[]>> _services;
        private readonly Lazy<Task<ServiceCheck[]>> _monitoring;

        public ReadinessContext(ReadinessPlan plan, ReadinessState? previous, CancellationToken cancellationToken)
        {
            Plan = plan;
            Previous = previous;
            Now = plan.UtcNow();
            CancellationToken = cancellationToken;
            _containers = Start(async () =>
            {
                var docker = plan.Docker ?? throw new InvalidOperationException("no Docker target");
                using var inspector = new ContainerInspector(docker, plan.Timeout);
                return await inspector.GetContainersAsync(docker.ComposeProject, null, cancellationToken).ConfigureAwait(false);
            });
            _postgres = Start(async () =>
            {
                if (plan.PostgresError != null) throw plan.PostgresError;
                var target = plan.Postgres ?? throw new InvalidOperationException("no PostgreSQL target");
                return await PostgresProbe.GetStatusAsync(target, cancellationToken, Math.Max(1, (int)plan.Timeout.TotalSeconds)).ConfigureAwait(false);
            });
            _redis = Start(async () =>
            {
                if (plan.RedisError != null) throw plan.RedisError;
                var target = plan.Redis ?? throw new InvalidOperationException("no Redis target");
                return await RedisProbe.GetStatusAsync(target, cancellationToken, (int)plan.Timeout.TotalMilliseconds).ConfigureAwait(false);
            });
            _services = Start(() => ServiceProber.ProbeAllAsync(plan.Profile.Services, plan.Timeout, cancellationToken));
            _monitoring = Start(() => ServiceProber.ProbeAllAsync(plan.Profile.Monitoring, plan.Timeout, cancellationToken));
        }

        public ReadinessPlan Plan { get; }
        public ReadinessState? Previous { get; }
        public DateTime Now { get; }
        public CancellationToken CancellationToken { get; }

        public Task<IReadOnlyList<PlatformContainer>> Containers => _containers.Value;
        public bool ContainersProbed => _containers.IsValueCreated;
        public Task<PostgresStatus> PostgresStatus => _postgres.Value;
        public Task<RedisStatus> RedisStatus => _redis.Value;
        public Task<ServiceCheck[]> Services => _services.Value;
        public Task<ServiceCheck[]> Monitoring => _monitoring.Value;

        private readonly ConcurrentDictionary<string, object> _shared = new ConcurrentDictionary<string, object>(StringComparer.Ordinal);

        /// <summary>A probe that several items share (a capability's status, the backup list): started once, on first use.</summary>
        public Task<T> Shared<T>(string key, Func<Task<T>> probe)
            => ((Lazy<Task<T>>)_shared.GetOrAdd(key, _ => Start(probe))).Value;

        private static Lazy<Task<T>> Start<T>(Func<Task<T>> probe)
            => new Lazy<Task<T>>(() => Task.Run(probe), LazyThreadSafetyMode.ExecutionAndPublication);
    }
}

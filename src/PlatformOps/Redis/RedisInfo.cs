using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Redis
{
    /// <summary>The Redis facts a backup records and a restore plans with: version, whether the AOF is on, keys per database, and single settings.</summary>
    internal sealed class RedisInfo
    {
        public string Version { get; private set; } = string.Empty;
        public bool AofEnabled { get; private set; }
        public Dictionary<string, long> Keys { get; } = new Dictionary<string, long>();

        public static async Task<RedisInfo> ReadAsync(RedisTarget target, CancellationToken cancellationToken)
        {
            using var muxer = await target.ConnectAsync(5000).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var server = muxer.GetServer(target.Host, target.Port);
                var values = RedisProbe.Parse(await server.InfoRawAsync().ConfigureAwait(false) ?? string.Empty);
                var info = new RedisInfo
                {
                    Version = values.TryGetValue("redis_version", out var v) ? v : string.Empty,
                    AofEnabled = values.TryGetValue("aof_enabled", out var a) && a == "1",
                };
                foreach (var pair in values)
                {
                    if (!pair.Key.StartsWith("db", StringComparison.Ordinal) || !pair.Value.StartsWith("keys=", StringComparison.Ordinal)) continue;
                    var keys = long.Parse(pair.Value.Split(',')[0].Substring(5), System.Globalization.CultureInfo.InvariantCulture);
                    info.Keys[pair.Key.Substring(2)] = keys;
                }
                return info;
            }
            catch (StackExchange.Redis.RedisException ex)
            {
                throw target.Explain(ex);
            }
            catch (TimeoutException ex)
            {
                throw target.Explain(ex);
            }
        }

        /// <summary>One setting by CONFIG GET; RedisConfigUnreadable when the server does not say (the command renamed or forbidden).</summary>
        public static async Task<string> ConfigGetAsync(RedisTarget target, string name, string purpose, CancellationToken cancellationToken)
        {
            using var muxer = await target.ConnectAsync(5000).ConfigureAwait(false);
            var server = muxer.GetServer(target.Host, target.Port);
            try
            {
                var pairs = await server.ConfigGetAsync(name).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                var match = pairs.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));
                if (string.IsNullOrEmpty(match.Value))
                    throw new PlatformOpsException("RedisConfigUnreadable", System.Management.Automation.ErrorCategory.PermissionDenied, target,
                        $"Redis at {target.Endpoint} does not answer CONFIG GET {name} (renamed or forbidden), so {purpose}.");
                return match.Value;
            }
            catch (StackExchange.Redis.RedisException ex)
            {
                throw target.Explain(ex);
            }
        }
    }
}

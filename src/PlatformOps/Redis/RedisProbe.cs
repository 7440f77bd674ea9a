using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using StackExchange.Redis;

namespace PlatformOps.Redis
{
    /// <summary>Measures a Redis server: PING, INFO and the persistence settings, and names the known traps.</summary>
    public static class RedisProbe
    {
        private static readonly char[] Space = { ' ' };

        public static async Task<RedisStatus> GetStatusAsync(RedisTarget target, CancellationToken cancellationToken, int timeoutMs = 3000)
        {
            using var muxer = await target.ConnectAsync(timeoutMs).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var server = muxer.GetServer(target.Host, target.Port);
                var ping = await server.PingAsync().ConfigureAwait(false);
                var info = Parse(await server.InfoRawAsync().ConfigureAwait(false) ?? string.Empty);
                var config = (await server.ConfigGetAsync("*").ConfigureAwait(false)).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
                return Build(target, ping, info, config);
            }
            catch (RedisException ex)
            {
                throw target.Explain(ex);
            }
            catch (TimeoutException ex)
            {
                throw target.Explain(ex);
            }
        }

        internal static RedisStatus Build(RedisTarget target, TimeSpan ping, IDictionary<string, string> info, IDictionary<string, string> config)
        {
            string Info(string key) => info.TryGetValue(key, out var v) ? v : string.Empty;
            string Config(string key) => config.TryGetValue(key, out var v) ? v : string.Empty;
            long Long(string s) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

            var status = new RedisStatus
            {
                Endpoint = target.Endpoint,
                Version = Info("redis_version"),
                Role = Info("role"),
                PingMs = Math.Round(ping.TotalMilliseconds, 2),
                Uptime = TimeSpan.FromSeconds(Long(Info("uptime_in_seconds"))),
                UsedMemoryBytes = Long(Info("used_memory")),
                MaxMemoryBytes = Long(Info("maxmemory")),
                ConnectedClients = (int)Long(Info("connected_clients")),
                SavePolicy = Config("save"),
                LastBgsaveStatus = Info("rdb_last_bgsave_status"),
                ChangesSinceLastSave = Long(Info("rdb_changes_since_last_save")),
                BgsaveInProgress = Info("rdb_bgsave_in_progress") == "1",
                AofEnabled = Info("aof_enabled") == "1",
                AofLastWriteStatus = Info("aof_last_write_status"),
                StopWritesOnBgsaveError = !string.Equals(Config("stop-writes-on-bgsave-error"), "no", StringComparison.OrdinalIgnoreCase),
                Bind = Config("bind"),
                PasswordRequired = Config("requirepass").Length > 0 || target.HasPassword,
                Directory = Config("dir"),
                DbFilename = Config("dbfilename"),
            };
            var lastSave = Long(Info("rdb_last_save_time"));
            if (lastSave > 0) status.LastSaveTime = DateTimeOffset.FromUnixTimeSeconds(lastSave).UtcDateTime;
            status.Keys = info.Where(p => p.Key.StartsWith("db", StringComparison.Ordinal) && p.Value.StartsWith("keys=", StringComparison.Ordinal))
                .Sum(p => Long(p.Value.Split(',')[0].Substring(5)));
            status.Warnings = Warnings(status);
            return status;
        }

        /// <summary>The traps that lose data or expose Redis.</summary>
        internal static IReadOnlyList<string> Warnings(RedisStatus status)
        {
            var warnings = new List<string>();
            if (!status.PersistenceEnabled)
                warnings.Add("Persistence is off: no RDB save policy and no AOF. A restart loses every key.");
            if (status.LastBgsaveStatus == "err")
                warnings.Add("The last background save failed (rdb_last_bgsave_status:err). Check the disk and the Redis log.");
            if (status.AofEnabled && status.AofLastWriteStatus == "err")
                warnings.Add("The last AOF write failed (aof_last_write_status:err).");
            if (!status.StopWritesOnBgsaveError && status.SavePolicy.Trim().Length > 0)
                warnings.Add("stop-writes-on-bgsave-error is no: writes go on while snapshots fail, so failed saves go unnoticed.");
            if (!status.PasswordRequired && BindsBeyondLoopback(status.Bind))
                warnings.Add($"Redis listens beyond loopback (bind '{status.Bind}') without a password.");
            return warnings;
        }

        internal static bool BindsBeyondLoopback(string bind)
        {
            var addresses = bind.Split(Space, StringSplitOptions.RemoveEmptyEntries);
            if (addresses.Length == 0) return true;
            return addresses.Any(a =>
            {
                var address = a.TrimStart('-');
                return !(address.StartsWith("127.", StringComparison.Ordinal) || address == "::1" || address == "localhost");
            });
        }

        internal static Dictionary<string, string> Parse(string raw)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in raw.Split('\n'))
            {
                var l = line.TrimEnd('\r');
                if (l.Length == 0 || l[0] == '#') continue;
                var colon = l.IndexOf(':');
                if (colon > 0) values[l.Substring(0, colon)] = l.Substring(colon + 1);
            }
            return values;
        }
    }
}

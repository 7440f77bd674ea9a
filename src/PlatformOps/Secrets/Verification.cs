using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Postgres;
using PlatformOps.Redis;
using StackExchange.Redis;

namespace PlatformOps.Secrets
{
    /// <summary>
    /// Tries each found credential that belongs to this platform (PostgreSQL logins, the Redis password, Docker secret
    /// files) against the platform's own servers, and nowhere else: the host and port always come from the profile,
    /// never from the finding (a URL's host is ignored). Each distinct credential is tried once; the secret is passed to
    /// the client library in memory and never logged.
    /// </summary>
    internal sealed class SecretVerifier
    {
        private static readonly Regex PostgresName = new Regex(@"(?i)postgres|(?:^|[_\-.])pg|psql|database|(?:^|[_\-.])db(?:[_\-.]|$)|db_?pass", RegexOptions.CultureInvariant);
        private static readonly Regex RedisName = new Regex(@"(?i)redis|requirepass|masterauth", RegexOptions.CultureInvariant);

        private static readonly char[] LineEnds = { '\n', ';' };
        private readonly PlatformProfile? _profile;
        private readonly Dictionary<string, (SecretVerification, string)> _tried = new Dictionary<string, (SecretVerification, string)>(StringComparer.Ordinal);

        public SecretVerifier(PlatformProfile? profile) => _profile = profile;

        /// <summary>Credentials tried so far (distinct server, user and secret).</summary>
        public int Attempts => _tried.Count;

        public async Task VerifyAsync(IEnumerable<SecretFinding> findings, CancellationToken cancellationToken)
        {
            foreach (var f in findings)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (status, detail) = await VerifyOneAsync(f, cancellationToken).ConfigureAwait(false);
                f.Verification = status;
                f.VerificationDetail = detail;
                f.Secret = null;
            }
        }

        internal enum Service { None, Postgres, Redis }

        /// <summary>Which of the platform's services a finding's credential is for, and the login user if it names one.</summary>
        internal static (Service Service, string? User) Classify(SecretFinding f)
        {
            var key = f.Key ?? string.Empty;
            if (f.Rule == "url-credentials")
            {
                var m = Regex.Match(key, @"^(?<scheme>[^:]+)://(?<user>[^@]*)@");
                var scheme = m.Groups["scheme"].Value.ToLowerInvariant();
                var user = m.Groups["user"].Value;
                if (scheme.StartsWith("postgres", StringComparison.Ordinal) || scheme == "pgsql") return (Service.Postgres, user.Length > 0 ? Uri.UnescapeDataString(user) : null);
                if (scheme == "redis" || scheme == "rediss") return (Service.Redis, null);
                return (Service.None, null);
            }
            var where = key + " " + f.RelativePath;
            if (f.Rule == "redis-requirepass") return (Service.Redis, null);
            if (f.Rule == "pgpass-password") return (Service.Postgres, null);
            if (f.Rule == "password-assignment" || f.Rule == "connection-string-password" || f.Rule == "secret-assignment" || f.Rule == "kubernetes-secret" || f.Rule == "secret-file")
            {
                if (RedisName.IsMatch(where)) return (Service.Redis, null);
                if (PostgresName.IsMatch(where) || f.Rule == "connection-string-password") return (Service.Postgres, null);
            }
            return (Service.None, null);
        }

        private async Task<(SecretVerification, string)> VerifyOneAsync(SecretFinding f, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(f.Secret)) return (SecretVerification.Unknown, "the secret was not kept for verification");
            var (service, user) = Classify(f);
            switch (service)
            {
                case Service.Postgres:
                    var pg = _profile?.Postgres;
                    if (pg == null || string.IsNullOrEmpty(pg.Host)) return (SecretVerification.Unknown, "a PostgreSQL credential, but the profile names no PostgreSQL server");
                    var login = user ?? pg.Username ?? "postgres";
                    return await Once($"pg|{pg.Host}|{pg.Port}|{login}|{f.SecretHash}", () => TryPostgresAsync(pg, login, f.Secret!, cancellationToken)).ConfigureAwait(false);
                case Service.Redis:
                    var redis = _profile?.Redis;
                    if (redis == null || string.IsNullOrEmpty(redis.Host)) return (SecretVerification.Unknown, "a Redis password, but the profile names no Redis server");
                    return await Once($"redis|{redis.Host}|{redis.Port}|{f.SecretHash}", () => TryRedisAsync(redis, f.Secret!)).ConfigureAwait(false);
                default:
                    return (SecretVerification.Unknown, "not a credential of this platform's PostgreSQL or Redis");
            }
        }

        private async Task<(SecretVerification, string)> Once(string key, Func<Task<(SecretVerification, string)>> attempt)
        {
            if (_tried.TryGetValue(key, out var known)) return known;
            var result = await attempt().ConfigureAwait(false);
            _tried[key] = result;
            return result;
        }

        private static async Task<(SecretVerification, string)> TryPostgresAsync(PostgresSettings pg, string user, string password, CancellationToken cancellationToken)
        {
            var where = $"PostgreSQL {pg.Host}:{pg.Port ?? 5432} as {user}";
            var target = new PostgresTarget(pg.Host!, pg.Port ?? 5432, pg.Database ?? "postgres", user, password, null, null, pg.SslMode ?? "Prefer");
            var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString(5, "PlatformOps-verify")) { Pooling = false };
            try
            {
                using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return (SecretVerification.Live, where + ": logged in");
            }
            catch (PostgresException ex) when (ex.SqlState == "28P01" || ex.SqlState == "28000")
            {
                return (SecretVerification.Rejected, where + ": password refused");
            }
            catch (PostgresException ex) when (ex.SqlState == "3D000")
            {
                return (SecretVerification.Live, where + ": password accepted (the database does not exist)");
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                return (SecretVerification.Unknown, where + ": could not ask (" + FirstLine(PlatformErrors.Reason(ex)) + ")");
            }
        }

        private static async Task<(SecretVerification, string)> TryRedisAsync(RedisSettings redis, string password)
        {
            var target = new RedisTarget(redis.Host!, redis.Port ?? 6379, password, null);
            var where = $"Redis {target.Endpoint}";
            try
            {
                using var log = new System.IO.StringWriter(System.Globalization.CultureInfo.InvariantCulture);
                using var connection = await ConnectionMultiplexer.ConnectAsync(target.Options(3000), log).ConfigureAwait(false);
                await connection.GetDatabase().PingAsync().ConfigureAwait(false);
                return (SecretVerification.Live, where + ": AUTH accepted");
            }
            catch (Exception ex)
            {
                var reason = PlatformErrors.Reason(ex);
                if (reason.IndexOf("WRONGPASS", StringComparison.OrdinalIgnoreCase) >= 0 || reason.IndexOf("AuthenticationFailure", StringComparison.OrdinalIgnoreCase) >= 0
                    || reason.IndexOf("invalid password", StringComparison.OrdinalIgnoreCase) >= 0 || reason.IndexOf("NOAUTH", StringComparison.OrdinalIgnoreCase) >= 0)
                    return (SecretVerification.Rejected, where + ": password refused");
                if (reason.IndexOf("without any password configured", StringComparison.OrdinalIgnoreCase) >= 0)
                    return (SecretVerification.Unknown, where + ": the server has no password at all");
                return (SecretVerification.Unknown, where + ": could not ask (" + FirstLine(reason) + ")");
            }
        }

        private static string FirstLine(string s)
        {
            var cut = s.IndexOfAny(LineEnds);
            var line = cut > 0 ? s.Substring(0, cut) : s;
            return line.Length > 160 ? line.Substring(0, 160) : line;
        }
    }
}

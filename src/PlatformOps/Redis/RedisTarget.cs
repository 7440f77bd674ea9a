using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using PlatformOps.Common;
using StackExchange.Redis;

namespace PlatformOps.Redis
{
    /// <summary>
    /// Where a Redis server is and its password. Resolved from explicit parameters, then the profile, then the
    /// environment redis-cli reads (REDISCLI_AUTH), then 127.0.0.1:6379 without a password.
    /// </summary>
    public sealed class RedisTarget
    {
        public RedisTarget(string host, int port, string? password, string? container)
        {
            Host = host;
            Port = port;
            Password = password;
            Container = container;
        }

        public string Host { get; }
        public int Port { get; }
        public string? Container { get; }
        internal string? Password { get; }
        public bool HasPassword => !string.IsNullOrEmpty(Password);
        public string Endpoint => $"{Host}:{Port}";

        public ConfigurationOptions Options(int timeoutMs = 3000)
        {
            var options = new ConfigurationOptions
            {
                AbortOnConnectFail = true,
                ConnectTimeout = timeoutMs,
                SyncTimeout = timeoutMs,
                AsyncTimeout = timeoutMs,
                ConnectRetry = 1,
                AllowAdmin = true,
                ClientName = "PlatformOps",
                Password = Password,
            };
            options.EndPoints.Add(Host, Port);
            return options;
        }

        /// <summary>Connects, turning the usual failures into errors that say what to do.</summary>
        public async System.Threading.Tasks.Task<ConnectionMultiplexer> ConnectAsync(int timeoutMs = 3000)
        {
            try
            {
                using var log = new StringWriter(CultureInfo.InvariantCulture);
                return await ConnectionMultiplexer.ConnectAsync(Options(timeoutMs), log).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                throw Explain(ex, timeoutMs);
            }
        }

        /// <summary>
        /// A Redis failure in our words. StackExchange.Redis's own text is advice to programmers (abortConnect=false,
        /// AbortOnConnectFail) and never reaches the user; when it holds no cause, a plain TCP probe finds it.
        /// </summary>
        public PlatformOpsException Explain(Exception ex, int? timeoutMs = null)
        {
            var reason = PlatformErrors.Reason(ex);
            if ((ex is RedisConnectionException rce && rce.FailureType == ConnectionFailureType.AuthenticationFailure)
                || reason.IndexOf("NOAUTH", StringComparison.OrdinalIgnoreCase) >= 0
                || reason.IndexOf("WRONGPASS", StringComparison.OrdinalIgnoreCase) >= 0
                || reason.IndexOf("AuthenticationFailure", StringComparison.OrdinalIgnoreCase) >= 0
                || reason.IndexOf("invalid password", StringComparison.OrdinalIgnoreCase) >= 0)
                return new PlatformOpsException("RedisAuthenticationFailed", ErrorCategory.AuthenticationError, this,
                    $"Redis at {Endpoint} refused the password. Check -Credential, -PasswordFile or the profile's PasswordFile.", ex);
            var timeout = TimeSpan.FromMilliseconds(timeoutMs ?? 3000);
            if (ex is RedisTimeoutException)
                return new PlatformOpsException("RedisTimeout", ErrorCategory.OperationTimeout, this,
                    $"Redis at {Endpoint} did not answer within {timeout.TotalMilliseconds:0} ms. Check the server's load (SLOWLOG, INFO) and the network.", ex);
            var cause = ErrorCauses.Describe(ex, timeout);
            if (cause == null || ErrorCauses.IsWrapper(cause) || ex is RedisConnectionException)
                cause = ErrorCauses.Describe(ex.InnerException ?? new InvalidOperationException(string.Empty), timeout) is string inner && !ErrorCauses.IsWrapper(inner)
                    ? inner
                    : ErrorCauses.Probe(Host, Port, TimeSpan.FromMilliseconds(Math.Min(timeout.TotalMilliseconds, 1000)), "Redis");
            return new PlatformOpsException("RedisUnreachable", ErrorCategory.ConnectionError, this,
                $"Cannot connect to Redis at {Endpoint}: {cause}. Check that the server is running and the host and port are right.", ex);
        }

        public override string ToString() => $"redis://{Host}:{Port}";

        public static RedisTarget Resolve(string? server, int? port, PSCredential? credential, string? passwordFile,
            PlatformProfile? profile, Func<string, string?>? environment = null)
        {
            environment ??= Environment.GetEnvironmentVariable;
            var settings = profile?.Redis;
            var (host, portFromServer) = ConnectionSettings.SplitHostPort(server);
            host = ConnectionSettings.FirstOf(host, settings?.Host, "127.0.0.1")!;
            var resolvedPort = port ?? portFromServer ?? settings?.Port ?? 6379;
            string? password;
            if (credential != null) password = Sensitive.Reveal(credential.Password);
            else
            {
                var file = ConnectionSettings.FirstOf(passwordFile, settings?.PasswordFile);
                if (file != null)
                {
                    try
                    {
                        password = File.ReadAllText(file).Trim('\r', '\n');
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        throw new PlatformOpsException("RedisPasswordFileUnreadable", ErrorCategory.ReadError, file,
                            $"The Redis password file '{file}' cannot be read: {ex.Message}", ex);
                    }
                }
                else password = environment("REDISCLI_AUTH");
            }
            return new RedisTarget(host, resolvedPort, password, settings?.Container);
        }
    }
}

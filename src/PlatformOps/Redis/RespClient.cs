using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Redis
{
    /// <summary>
    /// One-command RESP client on a fresh socket: enough to wait for a server that is loading its RDB, where a pooled client
    /// gives up. The whole exchange (connect, AUTH, command, reply) is bounded by one timeout, and replies by size
    /// (<see cref="RespReader"/>): a server that says too much, says it wrongly, or says nothing ends in a clean error.
    /// </summary>
    internal static class RespClient
    {
        /// <summary>How long one exchange may take unless the caller says otherwise.</summary>
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

        /// <summary>The largest reply a one-command exchange accepts (INFO is a few KB).</summary>
        public const int MaxReplyBytes = 4 << 20;

        public static Task<string> CommandAsync(string host, int port, string? password, CancellationToken cancellationToken, params string[] command)
            => CommandAsync(host, port, password, DefaultTimeout, cancellationToken, command);

        /// <summary>Sends one command (after AUTH when a password is given) and returns the reply as text.</summary>
        /// <exception cref="PlatformOpsException">RedisTimeout, RedisReplyTooLarge or RedisProtocolError.</exception>
        /// <exception cref="IOException">The connection was refused or closed (the server may be restarting).</exception>
        public static async Task<string> CommandAsync(string host, int port, string? password, TimeSpan timeout, CancellationToken cancellationToken,
            params string[] command)
        {
            var endpoint = $"{host}:{port}";
            using var connection = new RespConnection(timeout, cancellationToken);
            try
            {
                await connection.ConnectAsync(host, port).ConfigureAwait(false);
                if (!string.IsNullOrEmpty(password))
                {
                    await connection.SendAsync("AUTH", password!).ConfigureAwait(false);
                    var auth = await connection.Reader.ReadReplyAsync(MaxReplyBytes, connection.Token).ConfigureAwait(false);
                    if (!auth.StartsWith("+", StringComparison.Ordinal)) return auth;
                }
                await connection.SendAsync(command).ConfigureAwait(false);
                return await connection.Reader.ReadReplyAsync(MaxReplyBytes, connection.Token).ConfigureAwait(false);
            }
            catch (RespTooLargeException ex)
            {
                throw new PlatformOpsException("RedisReplyTooLarge", System.Management.Automation.ErrorCategory.InvalidData, endpoint,
                    $"Redis at {endpoint} sent a reply PlatformOps will not take: {ex.Message}. Is it a Redis server?", ex);
            }
            catch (InvalidDataException ex)
            {
                throw new PlatformOpsException("RedisProtocolError", System.Management.Automation.ErrorCategory.ProtocolError, endpoint,
                    $"Redis at {endpoint} broke the protocol: {ex.Message}. Is it a Redis server?", ex);
            }
            catch (Exception ex) when (connection.Expired && !cancellationToken.IsCancellationRequested
                                       && (ex is OperationCanceledException || ex is IOException || ex is ObjectDisposedException || ex is SocketException
                                           || ex is NullReferenceException))
            {
                throw new PlatformOpsException("RedisTimeout", System.Management.Automation.ErrorCategory.OperationTimeout, endpoint,
                    $"Redis at {endpoint} did not answer within {timeout.TotalSeconds:0.#} s.", ex);
            }
            catch (Exception ex) when (ex is ObjectDisposedException || ex is NullReferenceException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new IOException("the connection was closed", ex);
            }
        }

        private static string Clip(string text) => text.Length <= 80 ? text : text.Substring(0, 80) + "...";

        /// <summary>
        /// Keys per database ("0", "3", ...) from INFO keyspace text. Lines other than dbN are ignored; the fields of a
        /// dbN line are read by name, so their order does not matter. A dbN line without a whole, non-negative key
        /// count is a RedisInfoInvalid error that quotes it, never a FormatException.
        /// </summary>
        public static Dictionary<string, long> ParseKeyspace(string info, string endpoint)
        {
            if (info == null) throw new ArgumentNullException(nameof(info));
            var keys = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var pair in RedisProbe.Parse(info))
            {
                if (pair.Key.Length < 3 || !pair.Key.StartsWith("db", StringComparison.OrdinalIgnoreCase) || !pair.Key.Substring(2).All(char.IsDigit)) continue;
                var field = pair.Value.Split(',').Select(f => f.Trim()).FirstOrDefault(f => f.StartsWith("keys=", StringComparison.Ordinal));
                if (field == null || !long.TryParse(field.Substring(5), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                    throw new PlatformOpsException("RedisInfoInvalid", System.Management.Automation.ErrorCategory.InvalidData, endpoint,
                        $"Redis at {endpoint} answered INFO keyspace with a line that has no whole key count: '{Clip(pair.Key + ":" + pair.Value)}'. " +
                        "Check that a Redis server (not a proxy or another service) answers on that port.");
                keys[pair.Key.Substring(2)] = count;
            }
            return keys;
        }

        /// <summary>Asks INFO keyspace on a fresh socket and counts the keys per database; any answer but a keyspace is a clear error.</summary>
        public static async Task<Dictionary<string, long>> KeyspaceAsync(string host, int port, string? password, CancellationToken cancellationToken)
        {
            var endpoint = host + ":" + port.ToString(CultureInfo.InvariantCulture);
            string reply;
            try
            {
                reply = await CommandAsync(host, port, password, cancellationToken, "INFO", "keyspace").ConfigureAwait(false);
            }
            catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PlatformOpsException("RedisReplyInvalid", System.Management.Automation.ErrorCategory.InvalidData, endpoint,
                    $"Redis at {endpoint} did not answer INFO keyspace properly: {ex.Message}.", ex);
            }
            if (reply.StartsWith("-", StringComparison.Ordinal))
                throw new PlatformOpsException("RedisCommandFailed", System.Management.Automation.ErrorCategory.InvalidOperation, endpoint,
                    $"Redis at {endpoint} refused INFO keyspace: {Sensitive.Redact(Clip(reply.Substring(1)))}");
            return ParseKeyspace(reply, endpoint);
        }

        /// <summary>Waits until the server answers PING (not LOADING); returns its last answer when it never does.</summary>
        public static async Task<bool> WaitReadyAsync(string host, int port, string? password, TimeSpan timeout, Func<bool>? gaveUp, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (gaveUp != null && gaveUp()) return false;
                try
                {
                    if (await CommandAsync(host, port, password, cancellationToken, "PING").ConfigureAwait(false) == "+PONG") return true;
                }
                catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException) { }
                catch (PlatformOpsException ex) when (ex.ErrorId == "RedisTimeout") { }   // busy loading; a protocol breach is not retried
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            return false;
        }
    }
}

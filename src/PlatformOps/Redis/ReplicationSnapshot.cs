using System;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Redis
{
    /// <summary>
    /// Reads a Redis snapshot off the replication stream without stopping the server, the way `redis-cli --rdb` does: it
    /// asks for the replication stream (SYNC), receives the RDB the server forks for it (disk or diskless), and closes the
    /// link. The password goes over the socket (AUTH), never to a process.
    /// </summary>
    internal static class ReplicationSnapshot
    {
        /// <summary>Streams the server's RDB into <paramref name="output"/>; returns its length.</summary>
        public static async Task<long> CopyRdbAsync(RedisTarget target, Stream output, CancellationToken cancellationToken, TimeSpan? timeout = null)
        {
            // The replication link is untrusted input: lines are bounded, lengths checked, every read under the deadline.
            using var connection = new RespConnection(timeout ?? TimeSpan.FromMinutes(30), cancellationToken, bufferSize: 1 << 20);
            try
            {
                await connection.ConnectAsync(target.Host, target.Port).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw target.Explain(ex);
            }
            var reader = connection.Reader;
            var token = connection.Token;
            try
            {
                if (target.HasPassword)
                {
                    await connection.SendAsync("AUTH", target.Password!).ConfigureAwait(false);
                    var reply = await reader.ReadLineAsync(token).ConfigureAwait(false);
                    if (!reply.StartsWith("+", StringComparison.Ordinal))
                        throw new PlatformOpsException("RedisAuthenticationFailed", System.Management.Automation.ErrorCategory.AuthenticationError, target,
                            $"Redis at {target.Endpoint} refused the password. Check -Credential or the profile's PasswordFile.");
                }
                // Redis 7 sends only the RDB to an rdb-only replica; older servers answer an error, which is fine.
                await connection.SendAsync("REPLCONF", "rdb-only", "1").ConfigureAwait(false);
                await reader.ReadLineAsync(token).ConfigureAwait(false);
                await connection.SendAsync("SYNC").ConfigureAwait(false);

                string header;
                do
                {
                    header = await reader.ReadLineAsync(token).ConfigureAwait(false); // empty lines are keep-alives while the fork writes
                }
                while (header.Length == 0);
                if (header.StartsWith("-", StringComparison.Ordinal))
                {
                    var reason = header.Substring(1);
                    if (reason.StartsWith("NOAUTH", StringComparison.Ordinal) || reason.StartsWith("WRONGPASS", StringComparison.Ordinal))
                        throw new PlatformOpsException("RedisAuthenticationFailed", System.Management.Automation.ErrorCategory.AuthenticationError, target,
                            $"Redis at {target.Endpoint} needs a password. Check -Credential or the profile's PasswordFile.");
                    throw new PlatformOpsException("RedisSnapshotFailed", System.Management.Automation.ErrorCategory.InvalidOperation, target,
                        $"Redis at {target.Endpoint} refused to send a snapshot: {reason}");
                }
                if (!header.StartsWith("$", StringComparison.Ordinal))
                    throw new PlatformOpsException("RedisSnapshotFailed", System.Management.Automation.ErrorCategory.InvalidData, target,
                        $"Redis at {target.Endpoint} answered SYNC with '{(header.Length > 80 ? header.Substring(0, 80) + "..." : header)}'.");
                if (header.StartsWith("$EOF:", StringComparison.Ordinal))
                {
                    var mark = Encoding.ASCII.GetBytes(header.Substring(5));
                    if (mark.Length != 40)
                        throw new InvalidDataException($"a diskless transfer mark must be 40 bytes, not {mark.Length}");
                    return await reader.CopyUntilMarkAsync(mark, output, token).ConfigureAwait(false);
                }
                // The announced length is believed only as far as the bytes that actually arrive: they are streamed to the
                // output as they come, never allocated, and the deadline ends a server that announces more than it sends.
                var length = RespReader.ParseLength(header);
                if (length < 0) throw new InvalidDataException("the snapshot length is negative");
                await reader.CopyExactlyAsync(length, output, token).ConfigureAwait(false);
                return length;
            }
            catch (RespTooLargeException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PlatformOpsException("RedisSnapshotFailed", System.Management.Automation.ErrorCategory.InvalidData, target,
                    $"Redis at {target.Endpoint} sent what no snapshot stream holds: {ex.Message}.", ex);
            }
            catch (InvalidDataException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PlatformOpsException("RedisSnapshotFailed", System.Management.Automation.ErrorCategory.ProtocolError, target,
                    $"Redis at {target.Endpoint} answered SYNC with something malformed: {ex.Message}.", ex);
            }
            catch (Exception ex) when ((ex is IOException || ex is ObjectDisposedException || ex is SocketException || ex is OperationCanceledException)
                                       && !cancellationToken.IsCancellationRequested)
            {
                if (connection.Expired)
                    throw new PlatformOpsException("RedisTimeout", System.Management.Automation.ErrorCategory.OperationTimeout, target,
                        $"Redis at {target.Endpoint} did not finish sending its snapshot in time.", ex);
                if (ex is IOException io && ErrorCauses.IsDiskFull(io)) throw;
                throw new PlatformOpsException("RedisSnapshotFailed", System.Management.Automation.ErrorCategory.ReadError, target,
                    $"The snapshot stream from Redis at {target.Endpoint} broke: {PlatformErrors.Reason(ex)}", ex);
            }
            catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (IOException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }
}

using System;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PlatformOps.Redis
{
    /// <summary>
    /// One raw TCP connection to a Redis server, speaking RESP under one deadline: the socket is closed when the deadline
    /// passes (or the caller's token is cancelled), so a server that stops answering ends every pending read. Commands go
    /// out as RESP arrays; replies come back through a bounded <see cref="RespReader"/>. Used by the one-command client
    /// (<see cref="RespClient"/>) and the replication-stream reader (<see cref="ReplicationSnapshot"/>); the callers keep
    /// their own error wording.
    /// </summary>
    internal sealed class RespConnection : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly CancellationTokenSource _deadline;
        private readonly CancellationTokenRegistration _close;
        private readonly int _bufferSize;
        private Stream? _stream;
        private RespReader? _reader;

        /// <summary>A connection whose whole life is bounded by <paramref name="timeout"/>; <paramref name="bufferSize"/> sizes the socket and reader buffers.</summary>
        public RespConnection(TimeSpan timeout, CancellationToken cancellationToken, int bufferSize = 1 << 16)
        {
            _bufferSize = bufferSize;
            _tcp = new TcpClient { NoDelay = true };
            if (bufferSize > _tcp.ReceiveBufferSize) _tcp.ReceiveBufferSize = bufferSize;
            _deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _deadline.CancelAfter(timeout);
            _close = _deadline.Token.Register(() => _tcp.Close());
        }

        /// <summary>Cancelled when the deadline passes or the caller cancels: give it to every read and write.</summary>
        public CancellationToken Token => _deadline.Token;

        /// <summary>True once the deadline has passed or the caller cancelled.</summary>
        public bool Expired => _deadline.IsCancellationRequested;

        public RespReader Reader => _reader ?? throw new InvalidOperationException("The RESP connection is not open.");

        /// <summary>Connects; failures come as the socket reports them (SocketException, or ObjectDisposedException once the deadline closed it).</summary>
        public async Task ConnectAsync(string host, int port)
        {
            await _tcp.ConnectAsync(host, port).ConfigureAwait(false);
            _stream = _tcp.GetStream();
            _reader = new RespReader(_stream, bufferSize: _bufferSize);
        }

        /// <summary>Sends one command as a RESP array.</summary>
        public Task SendAsync(params string[] parts)
        {
            var stream = _stream ?? throw new InvalidOperationException("The RESP connection is not open.");
            var data = Encode(parts);
            return stream.WriteAsync(data, 0, data.Length, Token);
        }

        /// <summary>A command as a RESP array of bulk strings.</summary>
        public static byte[] Encode(params string[] parts)
        {
            var sb = new StringBuilder();
            sb.Append('*').Append(parts.Length).Append("\r\n");
            foreach (var p in parts) sb.Append('$').Append(Encoding.UTF8.GetByteCount(p)).Append("\r\n").Append(p).Append("\r\n");
            return Encoding.UTF8.GetBytes(sb.ToString());
        }

        public void Dispose()
        {
            _close.Dispose();
            _tcp.Dispose();
            _deadline.Dispose();
        }
    }
}

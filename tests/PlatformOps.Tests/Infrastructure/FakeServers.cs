using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace PlatformOps.Tests.Infrastructure
{
    /// <summary>
    /// A hostile TCP server on 127.0.0.1 (a free port chosen by the kernel) for fault tests: each accepted connection is
    /// handed to a script that may answer badly, slowly, endlessly or never. Stopped (and every socket closed) on Dispose.
    /// </summary>
    public sealed class FakeTcpServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly List<TcpClient> _clients = new List<TcpClient>();
        private readonly Func<NetworkStream, CancellationToken, Task> _script;
        private long _bytesSent;

        public FakeTcpServer(Func<NetworkStream, CancellationToken, Task> script)
        {
            _script = script;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = AcceptLoopAsync();
        }

        public int Port { get; }

        /// <summary>Bytes the scripts managed to write with <see cref="SendAsync"/> (what a client let through).</summary>
        public long BytesSent => Interlocked.Read(ref _bytesSent);

        public int Connections { get; private set; }

        /// <summary>Accepts and then says nothing, reads nothing, until the test ends.</summary>
        public static FakeTcpServer Silent() => new FakeTcpServer((_, ct) => Task.Delay(Timeout.Infinite, ct));

        public async Task SendAsync(NetworkStream stream, byte[] data, CancellationToken ct)
        {
            await stream.WriteAsync(data.AsMemory(), ct).ConfigureAwait(false);
            Interlocked.Add(ref _bytesSent, data.Length);
        }

        /// <summary>Reads what the client sent so far (at most one buffer), or waits for it.</summary>
        public static async Task<string> ReceiveAsync(NetworkStream stream, CancellationToken ct)
        {
            var buffer = new byte[8192];
            var n = await stream.ReadAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, n);
        }

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    return;
                }
                lock (_clients)
                {
                    _clients.Add(client);
                    Connections++;
                }
                _ = Task.Run(async () =>
                {
                    try { await _script(client.GetStream(), _stop.Token).ConfigureAwait(false); }
                    catch (Exception) { /* the client went away or the test ended */ }
                });
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_clients)
            {
                foreach (var c in _clients) c.Dispose();
                _clients.Clear();
            }
            _stop.Dispose();
        }
    }
}

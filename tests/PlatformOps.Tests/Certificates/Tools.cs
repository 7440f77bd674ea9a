using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using PlatformOps.Common;
using PlatformOps.Tests.Infrastructure;

namespace PlatformOps.Tests.Certificates
{
    /// <summary>Runs the real OpenSSL to read back what PlatformOps wrote.</summary>
    public static class Tool
    {
        /// <summary>Runs openssl, which must succeed; returns what it wrote to both streams ("verify OK" goes to standard error).</summary>
        public static string OpenSsl(params string[] arguments) => TestProcess.Run("openssl", arguments).EnsureSuccess().Output;

        public static string TempFolder(string prefix)
        {
            var dir = Path.Combine(Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>`openssl s_server` on 127.0.0.1 serving a given certificate: a real TLS endpoint that this test started (and stops by pid).</summary>
    public sealed class TlsServer : IDisposable
    {
        private readonly RunningProcess _process;

        public TlsServer(string certificate, string key, string? chain = null)
        {
            Port = LoopbackPort.Free();
            var args = new List<string> { "s_server", "-accept", $"127.0.0.1:{Port}", "-cert", certificate, "-key", key, "-www", "-quiet" };
            if (chain != null) args.AddRange(new[] { "-cert_chain", chain });
            _process = TestProcess.Start("openssl", args);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var c = new TcpClient();
                    c.Connect(IPAddress.Loopback, Port);
                    return;
                }
                catch (SocketException)
                {
                    if (_process.HasExited) throw new InvalidOperationException("openssl s_server exited: " + _process.Output);
                    Thread.Sleep(50);
                }
            }
            throw new TimeoutException("openssl s_server did not listen within 10 s");
        }

        public int Port { get; }

        public void Dispose() => _process.Dispose();
    }
}

using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace PlatformOps.Tests.Certificates
{
    /// <summary>Runs the real OpenSSL (and other tools) to read back what PlatformOps wrote.</summary>
    public static class Tool
    {
        public static (int ExitCode, string Output) Run(string file, params string[] arguments)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in arguments) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException($"{file} took over 60 s"); }
            return (p.ExitCode, stdout.Result + stderr.Result);
        }

        public static string OpenSsl(params string[] arguments)
        {
            var (code, output) = Run("openssl", arguments);
            if (code != 0) throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed ({code}): {output}");
            return output;
        }

        public static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

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
        private readonly Process _process;

        public TlsServer(string certificate, string key, string? chain = null)
        {
            Port = Tool.FreePort();
            var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in new[] { "s_server", "-accept", $"127.0.0.1:{Port}", "-cert", certificate, "-key", key, "-www", "-quiet" }) psi.ArgumentList.Add(a);
            if (chain != null) { psi.ArgumentList.Add("-cert_chain"); psi.ArgumentList.Add(chain); }
            _process = Process.Start(psi)!;
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
                    if (_process.HasExited) throw new InvalidOperationException("openssl s_server exited: " + _process.StandardError.ReadToEnd());
                    Thread.Sleep(50);
                }
            }
            throw new TimeoutException("openssl s_server did not listen within 10 s");
        }

        public int Port { get; }

        public void Dispose()
        {
            try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { }
            _process.WaitForExit(5000);
            _process.Dispose();
        }
    }
}

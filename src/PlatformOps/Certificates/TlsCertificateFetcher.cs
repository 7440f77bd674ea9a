using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>How a TLS session starts on a port.</summary>
    public enum TlsProtocolKind
    {
        /// <summary>PostgreSQL for port 5432 (or the profile's PostgreSQL port), plain TLS otherwise; plain TLS falls back to PostgreSQL.</summary>
        Auto,
        /// <summary>TLS from the first byte (HTTPS, Redis with tls-port, nginx, uvicorn).</summary>
        Tls,
        /// <summary>PostgreSQL: an SSLRequest message, the server's 'S', then TLS on the same socket.</summary>
        Postgres,
    }

    /// <summary>Fetches the certificate a live endpoint serves, without trusting or validating it.</summary>
    internal static class TlsCertificateFetcher
    {
        private static readonly byte[] SslRequest = { 0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F };   // length 8, code 80877103

        public sealed class Served
        {
            public Served(byte[] certificate, string protocol, IReadOnlyList<byte[]> chain)
            {
                Certificate = certificate;
                Protocol = protocol;
                Chain = chain;
            }

            public byte[] Certificate { get; }
            public string Protocol { get; }
            /// <summary>The other certificates the server sent in its handshake (intermediates), as it sent them.</summary>
            public IReadOnlyList<byte[]> Chain { get; }
        }

        /// <summary>
        /// Reads the certificate an endpoint serves. <paramref name="timeout"/> bounds the whole operation: the connection,
        /// the PostgreSQL SSLRequest, the handshake, and in Auto mode both the direct and the PostgreSQL attempt together.
        /// </summary>
        public static async Task<Served> FetchAsync(string host, int port, TlsProtocolKind kind, string? serverName, TimeSpan timeout,
            CancellationToken cancellationToken)
        {
            var endpoint = $"{host}:{port}";
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                if (kind == TlsProtocolKind.Auto && port == 5432) kind = TlsProtocolKind.Postgres;
                if (kind != TlsProtocolKind.Auto) return await FetchOnceAsync(host, port, kind, serverName, timeout, deadline, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await FetchOnceAsync(host, port, TlsProtocolKind.Tls, serverName, timeout, deadline, cancellationToken).ConfigureAwait(false);
                }
                catch (PlatformOpsException first) when (first.ErrorId == "PlatformCertificateHandshakeFailed" && !deadline.IsCancellationRequested)
                {
                    try
                    {
                        return await FetchOnceAsync(host, port, TlsProtocolKind.Postgres, serverName, timeout, deadline, cancellationToken).ConfigureAwait(false);
                    }
                    catch (PlatformOpsException second) when (second.ErrorId == "PlatformCertificateHandshakeFailed" && !deadline.IsCancellationRequested)
                    {
                        throw new PlatformOpsException("PlatformCertificateHandshakeFailed", System.Management.Automation.ErrorCategory.ProtocolError, endpoint,
                            $"No TLS handshake with {endpoint}, neither direct nor after a PostgreSQL SSLRequest ({PlatformErrors.Reason(first.InnerException ?? first)}). Is TLS enabled on that port?", first);
                    }
                }
            }
            catch (Exception ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                                       && !(ex is PlatformOpsException p && p.ErrorId == "PlatformCertificateEndpointUnreachable"))
            {
                throw new PlatformOpsException("PlatformCertificateEndpointTimeout", System.Management.Automation.ErrorCategory.OperationTimeout, endpoint,
                    $"{endpoint} accepted the connection but did not complete a TLS handshake within {timeout.TotalSeconds:0.#} s " +
                    "(connection, PostgreSQL SSLRequest and handshake together). Check that the port serves TLS, or give a longer -TimeoutSec.", ex);
            }
        }

        private static async Task<Served> FetchOnceAsync(string host, int port, TlsProtocolKind kind, string? serverName, TimeSpan timeout,
            CancellationTokenSource deadline, CancellationToken cancellationToken)
        {
            var endpoint = $"{host}:{port}";
            deadline.Token.ThrowIfCancellationRequested();
            using var client = new TcpClient();
            using var abort = deadline.Token.Register(() => { try { client.Dispose(); } catch (ObjectDisposedException) { } });
            try
            {
                await client.ConnectAsync(host, port).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException || ex is NullReferenceException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new PlatformOpsException("PlatformCertificateEndpointUnreachable", System.Management.Automation.ErrorCategory.ConnectionError, endpoint,
                    deadline.IsCancellationRequested
                        ? $"No connection to {endpoint} within {timeout.TotalSeconds:0.#} s. Check the host and port."
                        : $"Cannot connect to {endpoint}: {PlatformErrors.Reason(ex)}. Check the host and port, and that the service is running.", ex);
            }

            var stream = client.GetStream();
            if (kind == TlsProtocolKind.Postgres)
            {
                try
                {
                    await stream.WriteAsync(SslRequest, 0, SslRequest.Length, deadline.Token).ConfigureAwait(false);
                    var answer = new byte[1];
                    var n = await stream.ReadAsync(answer, 0, 1, deadline.Token).ConfigureAwait(false);
                    if (n == 0 || answer[0] != (byte)'S')
                        throw new PlatformOpsException("PlatformCertificateTlsNotOffered", System.Management.Automation.ErrorCategory.InvalidResult, endpoint,
                            $"The PostgreSQL server at {endpoint} declined TLS (answered '{(n == 0 ? "nothing" : ((char)answer[0]).ToString())}'). Set ssl = on with ssl_cert_file and ssl_key_file, then reload.");
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is OperationCanceledException)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new PlatformOpsException("PlatformCertificateHandshakeFailed", System.Management.Automation.ErrorCategory.ProtocolError, endpoint,
                        $"The PostgreSQL SSLRequest to {endpoint} got no answer ({PlatformErrors.Reason(ex).TrimEnd('.')}). Is it a PostgreSQL server?", ex);
                }
            }

            byte[]? served = null;
            var sent = new List<byte[]>();
            // CA5359: this connection only reads the certificate (no data is sent); Test-PlatformCertificate judges it.
#pragma warning disable CA5359
            using var ssl = new SslStream(stream, false, (sender, certificate, chain, errors) =>
            {
                if (certificate == null) return true;
                served = certificate.Export(X509ContentType.Cert);
                // The runtime puts what the server sent besides its own certificate into the chain's extra store.
                if (chain != null)
                {
                    foreach (var extra in chain.ChainPolicy.ExtraStore)
                    {
                        var raw = extra.RawData;
                        if (!System.Linq.Enumerable.SequenceEqual(raw, served) && sent.Count < 16) sent.Add(raw);
                    }
                }
                return true;
            });
#pragma warning restore CA5359
            try
            {
                var sni = serverName ?? host;
                await ssl.AuthenticateAsClientAsync(sni, null, SslProtocols.None, checkCertificateRevocation: false).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException || ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (served == null)
                    throw new PlatformOpsException("PlatformCertificateHandshakeFailed", System.Management.Automation.ErrorCategory.ProtocolError, endpoint,
                        $"No TLS handshake with {endpoint} ({PlatformErrors.Reason(ex).TrimEnd('.')}). Is TLS enabled there" +
                        (kind == TlsProtocolKind.Postgres ? "?" : ", and is it PostgreSQL (use -Protocol Postgres)?"), ex);
            }
            if (served == null)
                throw new PlatformOpsException("PlatformCertificateHandshakeFailed", System.Management.Automation.ErrorCategory.ProtocolError, endpoint,
                    $"{endpoint} completed a handshake without a certificate.");
            return new Served(served, ssl.IsAuthenticated ? ssl.SslProtocol.ToString() : "unknown", sent);
        }
    }
}

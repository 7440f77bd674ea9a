using System;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>
    /// Reads the certificate a live TLS endpoint serves, as a <see cref="PlatformCertificate"/> with its endpoint, TLS
    /// version and the chain the server sent: the engine behind Get-PlatformCertificate -Server,
    /// Test-PlatformCertificate -Server and the readiness certificate item.
    /// </summary>
    internal static class ServedCertificateReader
    {
        /// <summary>
        /// Where to ask and how: "host", "host:port" or "[v6]:port" (an explicit port wins; default 5432 for
        /// PostgreSQL, 443 otherwise), and Auto resolved against the port and the profile.
        /// </summary>
        public static (string Host, int Port, TlsProtocolKind Kind) Locate(string server, int? port, TlsProtocolKind protocol, PlatformProfile? profile)
        {
            var (host, p) = Parse(server, port, protocol == TlsProtocolKind.Postgres ? 5432 : 443);
            return (host, p, Resolve(protocol, p, profile));
        }

        /// <summary>The certificate served at host:port, read without trusting or validating it (see <see cref="TlsCertificateFetcher"/>).</summary>
        public static async Task<PlatformCertificate> ReadAsync(string host, int port, TlsProtocolKind kind, string? serverName, TimeSpan timeout,
            CancellationToken cancellationToken)
        {
            var served = await TlsCertificateFetcher.FetchAsync(host, port, kind, serverName, timeout, cancellationToken).ConfigureAwait(false);
            var cert = CertificateReader.FromDer(served.Certificate, $"{host}:{port}");
            cert.Endpoint = $"{host}:{port}";
            cert.TlsProtocol = served.Protocol;
            cert.ChainData = served.Chain;
            return cert;
        }

        /// <summary>Splits "host", "host:port", "[v6]:port" and an explicit port into host and port.</summary>
        private static (string Host, int Port) Parse(string server, int? port, int defaultPort)
        {
            var host = server.Trim();
            int? parsed = null;
            if (host.StartsWith("[", StringComparison.Ordinal))
            {
                var close = host.IndexOf(']');
                if (close > 0)
                {
                    if (close + 2 < host.Length && host[close + 1] == ':' && int.TryParse(host.Substring(close + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var p6)) parsed = p6;
                    host = host.Substring(1, close - 1);
                }
            }
            else if (host.Split(':').Length == 2)
            {
                var colon = host.LastIndexOf(':');
                if (int.TryParse(host.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p)) parsed = p;
                host = host.Substring(0, colon);
            }
            var result = port ?? parsed ?? defaultPort;
            if (result < 1 || result > 65535)
                throw new PlatformOpsException("PlatformCertificateEndpointInvalid", ErrorCategory.InvalidArgument, server, $"'{server}' has no valid port.");
            return (host, result);
        }

        /// <summary>Auto becomes Postgres when the port is the profile's PostgreSQL port.</summary>
        private static TlsProtocolKind Resolve(TlsProtocolKind kind, int port, PlatformProfile? profile)
        {
            if (kind != TlsProtocolKind.Auto) return kind;
            if (port == 5432 || (profile?.Postgres?.Port is int pgPort && pgPort == port)) return TlsProtocolKind.Postgres;
            return TlsProtocolKind.Auto;
        }
    }
}

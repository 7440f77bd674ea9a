using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>Lets -Authority take a path or the object New-PlatformCertificateAuthority / Get-PlatformCertificate wrote.</summary>
    public sealed class CertificatePathTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            return value switch
            {
                PlatformCertificate cert when cert.Path != null => cert.Path,
                PlatformCertificate cert => throw new ArgumentTransformationMetadataException(
                    $"The certificate '{cert.Subject}' was read from {cert.Source}, not from a file; give the CA certificate's path."),
                System.IO.FileSystemInfo info => info.FullName,
                _ => inputData,
            };
        }
    }

    internal static class EndpointParser
    {
        /// <summary>Splits "host", "host:port", "[v6]:port" and an explicit port into host and port.</summary>
        public static (string Host, int Port) Parse(string server, int? port, int defaultPort)
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
        public static TlsProtocolKind Resolve(TlsProtocolKind kind, int port, PlatformProfile? profile)
        {
            if (kind != TlsProtocolKind.Auto) return kind;
            if (port == 5432 || (profile?.Postgres?.Port is int pgPort && pgPort == port)) return TlsProtocolKind.Postgres;
            return TlsProtocolKind.Auto;
        }
    }
}

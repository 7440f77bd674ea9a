using System;
using System.Globalization;

namespace PlatformOps.Common
{
    /// <summary>How every connection target (PostgreSQL, Redis, Docker) reads its settings: the first one given wins, and "host:port" is split one way.</summary>
    internal static class ConnectionSettings
    {
        /// <summary>The first value that is neither null nor empty (explicit parameter, then profile, then environment, then default), or null.</summary>
        public static string? FirstOf(params string?[] values)
        {
            foreach (var v in values) if (!string.IsNullOrEmpty(v)) return v;
            return null;
        }

        /// <summary>Splits "host:port" (or "[v6]:port"); a bare host gives a null port.</summary>
        public static (string? Host, int? Port) SplitHostPort(string? server)
        {
            if (string.IsNullOrEmpty(server)) return (null, null);
            var colon = server!.LastIndexOf(':');
            if (colon > 0 && server.IndexOf(']') < colon && server.IndexOf(':') == colon
                && int.TryParse(server.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                return (server.Substring(0, colon), port);
            if (server.StartsWith("[", StringComparison.Ordinal) && colon > server.IndexOf(']') && server.IndexOf(']') > 0
                && int.TryParse(server.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var v6port))
                return (server.Substring(1, server.IndexOf(']') - 1), v6port);
            return (server.Trim('[', ']'), null);
        }
    }
}

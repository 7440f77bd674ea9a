using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using PlatformOps.Common;

namespace PlatformOps.Postgres
{
    /// <summary>Reads libpq pass files (hostname:port:database:username:password, '*' wildcards, '\' escapes).</summary>
    public static class PgPassFile
    {
        /// <summary>The password for the first matching line, or null. Throws a clear error when the file is unreadable.</summary>
        public static string? Lookup(string path, string host, int port, string database, string username)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PlatformOpsException("PostgresPassFileUnreadable", System.Management.Automation.ErrorCategory.ReadError, path,
                    $"The pass file '{path}' cannot be read: {ex.Message}", ex);
            }
            foreach (var line in lines)
            {
                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal)) continue;
                var fields = Split(line);
                if (fields.Count < 5) continue;
                if (Matches(fields[0], host) && Matches(fields[1], port.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    && Matches(fields[2], database) && Matches(fields[3], username))
                    return fields[4];
            }
            return null;
        }

        private static bool Matches(string pattern, string value)
            => pattern == "*" || string.Equals(pattern, value, StringComparison.Ordinal)
               || (pattern == "localhost" && (value == "127.0.0.1" || value == "::1"))
               || (value == "localhost" && (pattern == "127.0.0.1" || pattern == "::1"));

        internal static List<string> Split(string line)
        {
            var fields = new List<string>();
            var current = new StringBuilder();
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (c == '\\' && i + 1 < line.Length) { current.Append(line[++i]); continue; }
                if (c == ':' && fields.Count < 4) { fields.Add(current.ToString()); current.Clear(); continue; }
                current.Append(c);
            }
            fields.Add(current.ToString());
            return fields;
        }

        /// <summary>Escapes one field for a pass file line.</summary>
        public static string Escape(string field) => field.Replace("\\", "\\\\").Replace(":", "\\:");
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Wal
{
    /// <summary>
    /// Finds PostgreSQL's programs (pg_basebackup, pg_verifybackup, pg_ctl) of a given major version on this machine:
    /// $env:PLATFORMOPS_PG_BIN, the distributions' folders (/usr/lib/postgresql/N/bin, /usr/pgsql-N/bin, Homebrew), then PATH.
    /// </summary>
    public static class PgBinaries
    {
        private static readonly Regex VersionPattern = new Regex(@"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?", RegexOptions.CultureInvariant);

        public static string Exe(string name) => RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? name + ".exe" : name;

        private static IEnumerable<string> CandidateFolders(int major)
        {
            var forced = Environment.GetEnvironmentVariable("PLATFORMOPS_PG_BIN");
            if (!string.IsNullOrEmpty(forced)) yield return forced!;
            var m = major.ToString(CultureInfo.InvariantCulture);
            yield return $"/usr/lib/postgresql/{m}/bin";
            yield return $"/usr/pgsql-{m}/bin";
            yield return $"/opt/homebrew/opt/postgresql@{m}/bin";
            yield return $"/usr/local/opt/postgresql@{m}/bin";
            yield return $"/Library/PostgreSQL/{m}/bin";
            foreach (var p in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
                if (!string.IsNullOrEmpty(p)) yield return p;
        }

        /// <summary>The folder holding every program named, at the server's major version (or newer when <paramref name="newerAllowed"/>).</summary>
        public static async Task<(string Folder, string Version)> FindAsync(int major, bool newerAllowed, CancellationToken cancellationToken, params string[] programs)
        {
            if (programs == null || programs.Length == 0) throw new ArgumentException("Name at least one program.", nameof(programs));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var found = new List<string>();
            foreach (var folder in CandidateFolders(major))
            {
                if (!seen.Add(folder) || !programs.All(p => File.Exists(Path.Combine(folder, Exe(p))))) continue;
                var result = await ProcessRunner.RunAsync(new ProcessSpec(Path.Combine(folder, Exe(programs[0])), "--version"), cancellationToken).ConfigureAwait(false);
                var match = VersionPattern.Match(result.StandardOutput);
                if (!result.Succeeded || !match.Success) continue;
                var foundMajor = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var version = match.Groups[2].Success ? $"{foundMajor}.{match.Groups[2].Value}" : match.Groups[1].Value;
                found.Add($"{folder} ({version})");
                if (foundMajor == major || (newerAllowed && foundMajor > major)) return (folder, version);
            }
            throw new PlatformOpsException("PostgresProgramNotFound", ErrorCategory.ObjectNotFound, programs[0],
                $"No {string.Join(" and ", programs)} of PostgreSQL {major}{(newerAllowed ? " or newer" : string.Empty)} was found" +
                (found.Count > 0 ? $" (found: {string.Join(", ", found)})" : string.Empty) +
                $". Install the PostgreSQL {major} server or client package, or set $env:PLATFORMOPS_PG_BIN to its bin folder.");
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Backup
{
    /// <summary>What a killed backup, restore or restore test can leave behind: a hidden partial set folder, or a database it was building.</summary>
    public sealed class PlatformBackupLeftover
    {
        /// <summary>PartialSet (a ".ID.partial" folder), StagingDatabase (Restore-PlatformDatabase), ReplacedDatabase (the database a restore swapped out) or VerifyDatabase (Test-PlatformBackup -Restore).</summary>
        public string Kind { get; internal set; } = string.Empty;
        /// <summary>The folder name or the database name.</summary>
        public string Name { get; internal set; } = string.Empty;
        /// <summary>The backup folder, or the server (host:port).</summary>
        public string Location { get; internal set; } = string.Empty;
        public string? BackupId { get; internal set; }
        /// <summary>The process that made it, as pid@host.</summary>
        public string? Owner { get; internal set; }
        /// <summary>True while that process runs (or the database has sessions), false when it has ended, null when it cannot be told (another host).</summary>
        public bool? OwnerRunning { get; internal set; }
        public DateTime? StartedUtc { get; internal set; }
        public long? SizeBytes { get; internal set; }
        /// <summary>Remove-PlatformBackupLeftover: Removed, Kept or Skipped; empty when only listed.</summary>
        public string? Action { get; internal set; }
        public string? Reason { get; internal set; }

        public override string ToString() => $"{Kind} {Name}";
    }

    /// <summary>
    /// Marks the databases PlatformOps builds (a COMMENT ON DATABASE naming the process, host and backup set) and finds,
    /// reports and removes those, and the partial set folders, whose process has ended. A database without the marker is
    /// never reported or dropped, whatever its name.
    /// </summary>
    public static class BackupLeftovers
    {
        public const string PartialSet = "PartialSet";
        public const string StagingDatabase = "StagingDatabase";
        public const string ReplacedDatabase = "ReplacedDatabase";
        public const string VerifyDatabase = "VerifyDatabase";

        private static readonly Regex MarkerPattern = new Regex(
            @"^PlatformOps (?<kind>StagingDatabase|ReplacedDatabase|VerifyDatabase) of backup set (?<set>\S+), process (?<pid>\d+) on (?<host>\S+), started (?<at>\S+)\.",
            RegexOptions.CultureInvariant);

        /// <summary>The COMMENT ON DATABASE that marks a database as built by this process.</summary>
        internal static string Marker(string kind, string setId)
            => $"PlatformOps {kind} of backup set {setId}, process {Process.GetCurrentProcess().Id.ToString(CultureInfo.InvariantCulture)} on {Host}, started {DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}. "
               + "If that process has ended, Remove-PlatformBackupLeftover drops it.";

        internal static async Task MarkAsync(NpgsqlConnection admin, string database, string kind, string setId, CancellationToken cancellationToken)
            => await Pg.ExecuteAsync(admin, $"COMMENT ON DATABASE {PgSql.Ident(database)} IS {PgSql.Literal(Marker(kind, setId))}", cancellationToken).ConfigureAwait(false);

        private static string Host => Environment.MachineName.Replace(' ', '_');

        /// <summary>The marked databases on a server.</summary>
        public static async Task<List<PlatformBackupLeftover>> FindDatabasesAsync(NpgsqlConnection admin, string endpoint, CancellationToken cancellationToken)
        {
            var found = new List<PlatformBackupLeftover>();
            using var command = new NpgsqlCommand(
                "SELECT d.datname, shobj_description(d.oid, 'pg_database'), pg_database_size(d.oid), " +
                "(SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid AND a.pid <> pg_backend_pid()) " +
                "FROM pg_database d WHERE shobj_description(d.oid, 'pg_database') LIKE 'PlatformOps %Database of backup set %' ORDER BY 1", admin);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var m = MarkerPattern.Match(reader.GetString(1));
                if (!m.Success) continue;
                var sessions = reader.GetInt64(3);
                var pid = int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture);
                var started = DateTime.TryParse(m.Groups["at"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
                    ? at : (DateTime?)null;
                bool? running = sessions > 0 ? true : m.Groups["host"].Value == Host ? ProcessRunning(pid, started) : (bool?)null;
                found.Add(new PlatformBackupLeftover
                {
                    Kind = m.Groups["kind"].Value,
                    Name = reader.GetString(0),
                    Location = endpoint,
                    BackupId = m.Groups["set"].Value,
                    Owner = m.Groups["pid"].Value + "@" + m.Groups["host"].Value,
                    OwnerRunning = running,
                    StartedUtc = started,
                    SizeBytes = reader.GetInt64(2),
                    Reason = sessions > 0 ? $"{sessions} session(s) connected" : null,
                });
            }
            return found;
        }

        /// <summary>The hidden ".ID.partial" folders of a backup folder.</summary>
        public static List<PlatformBackupLeftover> FindPartialSets(string root)
        {
            var found = new List<PlatformBackupLeftover>();
            string[] folders;
            try
            {
                folders = Directory.Exists(root) ? Directory.GetDirectories(root, ".*" + BackupSetFolder.PartialSuffix) : Array.Empty<string>();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return found;
            }
            foreach (var folder in folders)
            {
                var name = Path.GetFileName(folder);
                string? owner = null;
                try
                {
                    owner = File.ReadAllText(Path.Combine(folder, BackupSetFolder.OwnerFile)).Trim();
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
                long size = 0;
                try
                {
                    size = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
                found.Add(new PlatformBackupLeftover
                {
                    Kind = PartialSet,
                    Name = name,
                    Location = root,
                    BackupId = name.Substring(1, name.Length - 1 - BackupSetFolder.PartialSuffix.Length),
                    Owner = owner == null ? null : owner + "@" + Host,
                    OwnerRunning = BackupSetFolder.OwnerAlive(folder),
                    StartedUtc = Directory.GetCreationTimeUtc(folder),
                    SizeBytes = size,
                });
            }
            return found;
        }

        /// <summary>Drops a leftover database, checking again first that it carries the same marker and has no session.</summary>
        internal static async Task DropDatabaseAsync(NpgsqlConnection admin, PlatformBackupLeftover leftover, CancellationToken cancellationToken)
        {
            var again = (await FindDatabasesAsync(admin, leftover.Location, cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(d => d.Name == leftover.Name && d.Owner == leftover.Owner);
            if (again == null)
                throw new PlatformOpsException("PlatformBackupLeftoverChanged", System.Management.Automation.ErrorCategory.InvalidOperation, leftover.Name,
                    $"Database '{leftover.Name}' no longer carries the marker of {leftover.Owner}: it was left alone.");
            if (again.OwnerRunning == true)
                throw new PlatformOpsException("PlatformBackupLeftoverInUse", System.Management.Automation.ErrorCategory.ResourceBusy, leftover.Name,
                    $"Database '{leftover.Name}' is in use ({again.Reason ?? "its process runs"}): it was left alone.");
            // No FORCE: a session that connected since is not ended; the drop then fails and says so.
            await Pg.ExecuteAsync(admin, $"DROP DATABASE {PgSql.Ident(leftover.Name)}", cancellationToken).ConfigureAwait(false);
        }

        /// <summary>True while the process runs and started no later than the marker says (so a reused pid is not taken for it).</summary>
        internal static bool ProcessRunning(int pid, DateTime? startedUtc)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                if (process.HasExited || BackupSetFolder.IsZombie(pid)) return false;
                return startedUtc == null || process.StartTime.ToUniversalTime() <= startedUtc.Value.AddSeconds(2);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}

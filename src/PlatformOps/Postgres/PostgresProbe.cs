using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Common;

namespace PlatformOps.Postgres
{
    /// <summary>Measures a PostgreSQL server's status in two round trips.</summary>
    public static class PostgresProbe
    {
        private const string StatusSql = @"
select split_part(version(), ' ', 2),
       current_setting('server_version_num')::int,
       pg_postmaster_start_time(),
       now() - pg_postmaster_start_time(),
       pg_is_in_recovery(),
       (select count(*)::int from pg_stat_activity where backend_type = 'client backend'),
       current_setting('max_connections')::int,
       current_setting('wal_level'),
       current_setting('archive_mode'),
       current_setting('archive_command'),
       a.archived_count, a.last_archived_wal, a.last_archived_time,
       a.failed_count, a.last_failed_wal, a.last_failed_time, a.stats_reset,
       current_setting('ssl') = 'on',
       coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false),
       case when pg_is_in_recovery() then null else pg_walfile_name(pg_current_wal_lsn()) end
from pg_stat_archiver a;
select datname, pg_database_size(oid) from pg_database where datallowconn order by datname;";

        public static async Task<PostgresStatus> GetStatusAsync(PostgresTarget target, CancellationToken cancellationToken, int timeoutSeconds = 5)
        {
            var clock = Stopwatch.StartNew();
            using var connection = await target.OpenAsync(cancellationToken, timeoutSeconds).ConfigureAwait(false);
            var status = new PostgresStatus { Endpoint = target.Endpoint };
            try
            {
                using (var command = new NpgsqlCommand(StatusSql, connection))
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    status.Version = reader.GetString(0);
                    status.VersionNumber = reader.GetInt32(1);
                    status.StartedAt = reader.GetDateTime(2).ToUniversalTime();
                    status.Uptime = reader.GetTimeSpan(3);
                    status.InRecovery = reader.GetBoolean(4);
                    status.Connections = reader.GetInt32(5);
                    status.MaxConnections = reader.GetInt32(6);
                    status.WalLevel = reader.GetString(7);
                    status.ArchiveMode = reader.GetString(8);
                    status.ArchiveCommand = reader.GetString(9);
                    status.ArchivedCount = reader.GetInt64(10);
                    status.LastArchivedWal = reader.IsDBNull(11) ? null : reader.GetString(11);
                    status.LastArchivedTime = reader.IsDBNull(12) ? (DateTime?)null : reader.GetDateTime(12).ToUniversalTime();
                    status.FailedCount = reader.GetInt64(13);
                    status.LastFailedWal = reader.IsDBNull(14) ? null : reader.GetString(14);
                    status.LastFailedTime = reader.IsDBNull(15) ? (DateTime?)null : reader.GetDateTime(15).ToUniversalTime();
                    status.ArchiverStatsReset = reader.IsDBNull(16) ? (DateTime?)null : reader.GetDateTime(16).ToUniversalTime();
                    status.Ssl = reader.GetBoolean(17);
                    status.ConnectionEncrypted = reader.GetBoolean(18);
                    status.CurrentWalFile = reader.IsDBNull(19) ? null : reader.GetString(19);

                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                    var sizes = new List<DatabaseSize>();
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        sizes.Add(new DatabaseSize(reader.GetString(0), reader.GetInt64(1)));
                    status.Databases = sizes;
                }
                status.ReadyBacklog = await ReadyBacklogAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                throw target.Explain(ex);
            }
            status.LatencyMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
            return status;
        }

        /// <summary>Counts .ready files in pg_wal/archive_status; null when the role lacks pg_monitor or superuser.</summary>
        public static async Task<int?> ReadyBacklogAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            try
            {
                using var command = new NpgsqlCommand("select count(*)::int from pg_ls_archive_statusdir() where name like '%.ready'", connection);
                return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }
            catch (PostgresException ex) when (ex.SqlState == "42501")
            {
                return null;
            }
        }
    }
}

using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Wal
{
    /// <summary>Invoke-PlatformWalSwitch's engine: closes the current segment and waits until the archiver has archived it. Knows nothing of the PowerShell host.</summary>
    public static class WalSwitch
    {
        /// <summary>Closes the current segment (pg_switch_wal) and waits until the archiver has archived it.</summary>
        public static async Task<WalSwitchResult> SwitchAsync(PostgresTarget target, TimeSpan timeout, DockerTarget? docker, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            var clock = Stopwatch.StartNew();
            using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
            string segment, lsn;
            bool switched;
            long failedBefore;
            try
            {
                using (var command = new NpgsqlCommand(@"
select current_setting('archive_mode'), pg_is_in_recovery(), failed_count from pg_stat_archiver", connection))
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    if (reader.GetString(0) == "off")
                        throw new PlatformOpsException("PlatformWalArchivingOff", ErrorCategory.InvalidOperation, target,
                            $"archive_mode is off at {target.Endpoint}: a switched segment would never be archived. Run Enable-PlatformWalArchiving first.");
                    if (reader.GetBoolean(1))
                        throw new PlatformOpsException("PlatformWalInRecovery", ErrorCategory.InvalidOperation, target,
                            $"{target.Endpoint} is a standby (in recovery): switch WAL on the primary.");
                    failedBefore = reader.GetInt64(2);
                }
                using (var command = new NpgsqlCommand(@"
with b as (select pg_current_wal_insert_lsn() as before), s as (select pg_switch_wal() as lsn from b)
select pg_walfile_name(s.lsn), s.lsn::text, s.lsn > b.before from s, b", connection))
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    segment = reader.GetString(0);
                    lsn = reader.GetString(1);
                    switched = reader.GetBoolean(2);
                }
            }
            catch (PostgresException ex) when (ex.SqlState == "42501")
            {
                throw new PlatformOpsException("PlatformWalPermissionDenied", ErrorCategory.PermissionDenied, target,
                    $"User '{target.Username}' may not switch WAL at {target.Endpoint}: pg_switch_wal needs a superuser or an explicit GRANT EXECUTE.", ex);
            }
            catch (PostgresException ex)
            {
                throw target.Explain(ex);
            }

            DateTime? failureSeen = null;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? lastArchived, lastFailed;
                DateTime? archivedAt;
                long failed;
                using (var command = new NpgsqlCommand("select last_archived_wal, last_archived_time, failed_count, last_failed_wal from pg_stat_archiver", connection))
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    lastArchived = reader.IsDBNull(0) ? null : reader.GetString(0);
                    archivedAt = reader.IsDBNull(1) ? (DateTime?)null : reader.GetDateTime(1).ToUniversalTime();
                    failed = reader.GetInt64(2);
                    lastFailed = reader.IsDBNull(3) ? null : reader.GetString(3);
                }
                if (lastArchived != null && IsAtOrAfter(lastArchived, segment))
                    return new WalSwitchResult { Endpoint = target.Endpoint, Segment = segment, SwitchLsn = lsn, Switched = switched, Archived = true, ArchivedAt = archivedAt, Elapsed = clock.Elapsed };
                if (failed > failedBefore && lastFailed == segment && failureSeen == null) failureSeen = DateTime.UtcNow;
                // A failure for this segment: give the archiver's own retries a moment, then say why.
                if (failureSeen != null && DateTime.UtcNow - failureSeen.Value > TimeSpan.FromSeconds(2.5) || clock.Elapsed > timeout)
                {
                    var status = await WalStatusReader.GetStatusAsync(target, TimeSpan.Zero, TimeSpan.FromMinutes(5), docker, cancellationToken).ConfigureAwait(false);
                    if (failureSeen != null || status.ArchiveFailing)
                        throw new PlatformOpsException("PlatformWalArchiveFailing", ErrorCategory.WriteError, segment,
                            $"Segment {segment} was switched at {target.Endpoint} but archiving it fails: {status.FailureReason ?? "see the server's log"}. Fix the archive command (Enable-PlatformWalArchiving) or the archive folder.");
                    throw new PlatformOpsException("PlatformWalSwitchTimeout", ErrorCategory.OperationTimeout, segment,
                        $"Segment {segment} was not archived within {timeout.TotalSeconds:0} s at {target.Endpoint} (last archived: {lastArchived ?? "none"}; {status.ReadyBacklog?.ToString(CultureInfo.InvariantCulture) ?? "?"} segment(s) waiting). The archive command may be slow or hanging.");
                }
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Whether archived segment <paramref name="archived"/> is <paramref name="wanted"/> or later (timeline, then position).</summary>
        internal static bool IsAtOrAfter(string archived, string wanted)
        {
            if (archived.Length < 24 || wanted.Length < 24) return string.CompareOrdinal(archived, wanted) >= 0;
            var position = string.CompareOrdinal(archived.Substring(8, 16), wanted.Substring(8, 16));
            return position > 0 || (position == 0 && string.CompareOrdinal(archived.Substring(0, 8), wanted.Substring(0, 8)) >= 0);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Wal
{
    /// <summary>
    /// Get-PlatformWalStatus's engine: measures archiving twice, a sample apart, and judges the RPO from the backlog and
    /// the counter deltas (so an idle server is not an alarm); says why archiving fails from the server's own log.
    /// Knows nothing of the PowerShell host.
    /// </summary>
    public static class WalStatusReader
    {
        /// <summary>What one look at the server says beyond pg_stat_archiver: archive settings, the WAL position, its clock and the archive status folder's times.</summary>
        private sealed class ArchiverSample
        {
            public int ArchiveTimeout;
            public string ArchiveLibrary = string.Empty;
            public long SegmentSize = WalSegment.DefaultSegmentSize;
            public string? Lsn;
            public ulong? LsnValue;
            public DateTime Now;
            public bool PendingRestart;
            public DateTime? OldestReady;
            public DateTime? NewestStatusFile;
            public bool StatusReadable;
        }

        private static async Task<ArchiverSample> ReadSampleAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            var sample = new ArchiverSample();
            const string sql = @"
select (select setting::int from pg_settings where name = 'archive_timeout'),
       coalesce((select setting from pg_settings where name = 'archive_library'), ''),
       (select setting::bigint from pg_settings where name = 'wal_segment_size'),
       case when pg_is_in_recovery() then null else pg_current_wal_lsn()::text end,
       clock_timestamp(),
       exists (select 1 from pg_settings where pending_restart and name in ('wal_level', 'archive_mode'))";
            using (var command = new NpgsqlCommand(sql, connection))
            using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                sample.ArchiveTimeout = reader.GetInt32(0);
                sample.ArchiveLibrary = reader.GetString(1);
                sample.SegmentSize = reader.GetInt64(2);
                sample.Lsn = reader.IsDBNull(3) ? null : reader.GetString(3);
                sample.LsnValue = sample.Lsn == null ? (ulong?)null : WalSegment.ParseLsn(sample.Lsn);
                sample.Now = reader.GetDateTime(4).ToUniversalTime();
                sample.PendingRestart = reader.GetBoolean(5);
            }
            try
            {
                using var command = new NpgsqlCommand(
                    "select min(modification) filter (where name like '%.ready'), max(modification) from pg_ls_archive_statusdir()", connection);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                sample.OldestReady = reader.IsDBNull(0) ? (DateTime?)null : reader.GetDateTime(0).ToUniversalTime();
                sample.NewestStatusFile = reader.IsDBNull(1) ? (DateTime?)null : reader.GetDateTime(1).ToUniversalTime();
                sample.StatusReadable = true;
            }
            catch (PostgresException ex) when (ex.SqlState == "42501")
            {
                sample.StatusReadable = false;
            }
            return sample;
        }

        /// <summary>
        /// Measures archiving twice, <paramref name="sample"/> apart, and judges the RPO from the backlog and the counter
        /// deltas, so an idle server whose last archive is hours old is not an alarm.
        /// </summary>
        public static async Task<PlatformWalStatus> GetStatusAsync(PostgresTarget target, TimeSpan sample, TimeSpan rpoTarget, DockerTarget? docker,
            CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            ArchiverSample firstSample;
            using (var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false))
                firstSample = await ReadSampleAsync(connection, cancellationToken).ConfigureAwait(false);
            var first = await PostgresProbe.GetStatusAsync(target, cancellationToken).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            var last = first;
            var lastSample = firstSample;
            if (sample > TimeSpan.Zero)
            {
                await Task.Delay(sample, cancellationToken).ConfigureAwait(false);
                last = await PostgresProbe.GetStatusAsync(target, cancellationToken).ConfigureAwait(false);
                using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
                lastSample = await ReadSampleAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            var status = new PlatformWalStatus
            {
                Endpoint = target.Endpoint,
                WalLevel = last.WalLevel,
                ArchiveMode = last.ArchiveMode,
                ArchiveCommand = last.ArchiveCommand,
                ArchiveLibrary = lastSample.ArchiveLibrary,
                ArchiveTimeoutSec = lastSample.ArchiveTimeout,
                PendingRestart = lastSample.PendingRestart,
                ArchivedCount = last.ArchivedCount,
                LastArchivedWal = last.LastArchivedWal,
                LastArchivedTime = last.LastArchivedTime,
                FailedCount = last.FailedCount,
                LastFailedWal = last.LastFailedWal,
                LastFailedTime = last.LastFailedTime,
                ArchiveFailing = last.ArchiveFailing,
                ReadyBacklog = last.ReadyBacklog,
                OldestReadyTime = lastSample.OldestReady,
                CurrentWalFile = last.CurrentWalFile,
                CurrentLsn = lastSample.Lsn,
                WalSegmentSize = lastSample.SegmentSize,
                SampleDuration = sample > TimeSpan.Zero ? clock.Elapsed : TimeSpan.Zero,
                WalBytesDuringSample = firstSample.LsnValue != null && lastSample.LsnValue != null ? (long)(lastSample.LsnValue.Value - firstSample.LsnValue.Value) : 0,
                ArchivedDuringSample = last.ArchivedCount - first.ArchivedCount,
                FailedDuringSample = last.FailedCount - first.FailedCount,
                RpoTarget = rpoTarget,
                MeasuredAt = lastSample.Now,
            };
            if (lastSample.LsnValue != null && WalSegment.TryParse(status.LastArchivedWal, status.WalSegmentSize, out var archived))
                status.PendingBytes = Math.Max(0, (long)lastSample.LsnValue.Value - (long)archived.EndLsn);
            else if (lastSample.LsnValue != null && status.ArchivingEnabled && status.ArchivedCount == 0)
                status.PendingBytes = (long)lastSample.LsnValue.Value;
            if (status.FailedDuringSample > 0 && status.ArchivedDuringSample == 0) status.ArchiveFailing = true;
            EstimateRpo(status, lastSample.Now, lastSample.NewestStatusFile);
            if (status.ArchiveFailing)
                status.FailureReason = await FailureReasonAsync(target, status, docker, cancellationToken).ConfigureAwait(false);
            return status;
        }

        /// <summary>Small WAL remainders (a checkpoint or a switch record) are not work at risk.</summary>
        internal const long NegligibleBytes = 8192;

        /// <summary>Judges the RPO from the counters (pure, so it can be tested with any clock).</summary>
        internal static void EstimateRpo(PlatformWalStatus s, DateTime now, DateTime? currentSegmentStarted)
        {
            TimeSpan Since(DateTime? t) => t == null ? TimeSpan.Zero : now - t.Value > TimeSpan.Zero ? now - t.Value : TimeSpan.Zero;
            if (!s.ArchivingEnabled)
            {
                s.RpoState = WalRpoState.NotArchiving;
                s.RpoEstimate = null;
                s.RpoDetail = s.PendingRestart ? "archive_mode is set but waits for a restart: nothing is archived yet." : "archive_mode is off: a lost server loses everything since the last base backup.";
            }
            else if (s.ArchiveFailing)
            {
                s.RpoState = WalRpoState.Failing;
                s.RpoEstimate = Since(s.OldestReadyTime ?? s.LastArchivedTime ?? s.LastFailedTime);
                s.RpoDetail = $"archiving fails ({s.FailedCount} failures, last for {s.LastFailedWal}); {s.ReadyBacklog?.ToString(CultureInfo.InvariantCulture) ?? "unknown"} segment(s) wait.";
            }
            else if (s.ReadyBacklog > 0)
            {
                var stalled = s.SampleDuration > TimeSpan.Zero && s.ArchivedDuringSample == 0;
                s.RpoState = stalled ? WalRpoState.Stalled : WalRpoState.Behind;
                s.RpoEstimate = Since(s.OldestReadyTime ?? s.LastArchivedTime);
                s.RpoDetail = $"{s.ReadyBacklog} finished segment(s) wait; {(stalled ? "none was archived during the sample (a slow or hanging archive command?)" : $"{s.ArchivedDuringSample} archived during the sample")}.";
            }
            else if (s.PendingBytes == null || s.PendingBytes <= NegligibleBytes)
            {
                s.RpoState = WalRpoState.UpToDate;
                s.RpoEstimate = TimeSpan.Zero;
                s.RpoDetail = s.LastArchivedTime == null ? "nothing to archive yet." : $"every segment up to {s.LastArchivedWal} is archived and nothing has been written since, however long ago that was.";
            }
            else
            {
                s.RpoState = WalRpoState.Current;
                var open = Since(currentSegmentStarted ?? s.LastArchivedTime);
                s.RpoEstimate = s.ArchiveTimeoutSec > 0 && open > TimeSpan.FromSeconds(s.ArchiveTimeoutSec) ? TimeSpan.FromSeconds(s.ArchiveTimeoutSec) : open;
                s.RpoDetail = $"finished segments are all archived; {s.PendingBytes / 1024} KB of the open segment are not yet" +
                              (s.ArchiveTimeoutSec > 0 ? $" (archive_timeout {s.ArchiveTimeoutSec} s bounds that)." : " and archive_timeout is off, so they wait until the segment fills.");
            }
            s.RpoOk = s.RpoEstimate != null && s.RpoEstimate <= s.RpoTarget && s.RpoState != WalRpoState.Failing && s.RpoState != WalRpoState.Stalled;
        }

        /// <summary>Why archiving fails: the archive command's own error from the server log (via SQL or the container's log), else what the counters say.</summary>
        internal static async Task<string> FailureReasonAsync(PostgresTarget target, PlatformWalStatus status, DockerTarget? docker, CancellationToken cancellationToken)
        {
            var fallback = $"the archiver failed {status.FailedCount} time(s), last at {status.LastFailedTime:u} on {status.LastFailedWal}";
            string? log = null;
            try
            {
                using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
                using var command = new NpgsqlCommand(@"
select pg_read_file(f, greatest(s - 131072, 0), least(s, 131072))
from (select pg_current_logfile() as f) l, lateral (select (pg_stat_file(f)).size as s) z where f is not null", connection);
                log = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            }
            catch (PostgresException)
            {
                // no logging collector, or not allowed to read the file
            }
            if (log == null && docker != null && !string.IsNullOrEmpty(target.Container))
            {
                try
                {
                    using var client = docker.CreateClient(TimeSpan.FromSeconds(10));
                    using var stream = await client.Containers.GetContainerLogsAsync(target.Container, false,
                        new ContainerLogsParameters { ShowStderr = true, ShowStdout = true, Tail = "400" }, cancellationToken).ConfigureAwait(false);
                    var (stdout, stderr) = await stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
                    log = stdout + "\n" + stderr;
                }
                catch (Exception ex) when (!(ex is OperationCanceledException))
                {
                    // the engine is not reachable: the counters must do
                }
            }
            var reason = log == null ? null : ReasonFromLog(log);
            return reason == null ? fallback + " (the server's log has the command's error)." : $"{reason} ({fallback}).";
        }

        /// <summary>Finds the last archive failure in a server log: the command's own error lines and PostgreSQL's message.</summary>
        internal static string? ReasonFromLog(string log)
        {
            var lines = log.Replace("\r", string.Empty).Split('\n');
            for (var i = lines.Length - 1; i >= 0; i--)
            {
                var line = lines[i];
                var at = line.IndexOf("archive command failed", StringComparison.Ordinal);
                if (at < 0) at = line.IndexOf("archive command was terminated", StringComparison.Ordinal);
                if (at < 0) at = line.IndexOf("archive_library", StringComparison.Ordinal) >= 0 && line.IndexOf("ERROR", StringComparison.Ordinal) >= 0 ? 0 : -1;
                if (at < 0) continue;
                var own = new List<string>();
                for (var j = i - 1; j >= 0 && own.Count < 3; j--)
                {
                    var previous = lines[j].Trim();
                    if (previous.Length == 0 || previous.Contains("LOG:") || previous.Contains("DETAIL:") || previous.Contains("WARNING:") || previous.Contains("ERROR:") || previous.Contains("FATAL:")) break;
                    own.Insert(0, previous);
                }
                var message = line.Substring(at).Trim();
                if (i + 1 < lines.Length)
                {
                    var detail = lines[i + 1].IndexOf("The failed archive command was:", StringComparison.Ordinal);
                    if (detail >= 0) message += "; t" + lines[i + 1].Substring(detail + 1).Trim();
                }
                return Sensitive.Redact(own.Count > 0 ? string.Join(" ", own) + " (" + message + ")" : message);
            }
            return null;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using PlatformOps.Backup;

namespace PlatformOps.Wal
{
    /// <summary>One server setting Enable-PlatformWalArchiving changed (or would change).</summary>
    public sealed class WalSettingChange
    {
        public string Setting { get; internal set; } = string.Empty;
        /// <summary>The value in force before (the running value).</summary>
        public string From { get; internal set; } = string.Empty;
        public string To { get; internal set; } = string.Empty;
        /// <summary>The setting takes effect only after a server restart (wal_level, archive_mode).</summary>
        public bool NeedsRestart { get; internal set; }
        public override string ToString() => $"{Setting}: {From} -> {To}";
    }

    /// <summary>What Enable-PlatformWalArchiving found and did.</summary>
    public sealed class WalArchivingResult
    {
        public string Endpoint { get; internal set; } = string.Empty;
        public string WalLevel { get; internal set; } = string.Empty;
        public string ArchiveMode { get; internal set; } = string.Empty;
        public string ArchiveCommand { get; internal set; } = string.Empty;
        public string ArchiveLibrary { get; internal set; } = string.Empty;
        /// <summary>archive_timeout in seconds (0: off).</summary>
        public int ArchiveTimeoutSec { get; internal set; }
        /// <summary>The archive folder, when archiving copies into one.</summary>
        public string? ArchiveDirectory { get; internal set; }
        public IReadOnlyList<WalSettingChange> Changes { get; internal set; } = Array.Empty<WalSettingChange>();
        /// <summary>Settings are written but wait for a restart to take effect.</summary>
        public bool RestartRequired { get; internal set; }
        public bool Restarted { get; internal set; }
        /// <summary>The container that was (or would have to be) restarted.</summary>
        public string? Container { get; internal set; }
        /// <summary>The server archives now with the asked-for settings.</summary>
        public bool Active => !RestartRequired && !string.Equals(ArchiveMode, "off", StringComparison.OrdinalIgnoreCase);
        public bool Changed => Changes.Count > 0 || Restarted;
        public override string ToString() => $"{Endpoint}: archive_mode={ArchiveMode}, restart required: {RestartRequired}";
    }

    /// <summary>How far the archive lags the server, as an RPO judgement.</summary>
    public enum WalRpoState
    {
        /// <summary>archive_mode is off: nothing reaches the archive.</summary>
        NotArchiving,
        /// <summary>The newest archive attempt failed: segments pile up in pg_wal.</summary>
        Failing,
        /// <summary>Segments wait and the archiver did not archive any during the sample, without failing (a hanging command).</summary>
        Stalled,
        /// <summary>Segments wait and the archiver is working through them.</summary>
        Behind,
        /// <summary>Every finished segment is archived; only the segment being written is not (bounded by archive_timeout).</summary>
        Current,
        /// <summary>Nothing written since the last archived segment: nothing is at risk, however long ago that was.</summary>
        UpToDate,
    }

    /// <summary>WAL archiving on a server: settings, pg_stat_archiver, the .ready backlog and an RPO estimate.</summary>
    public sealed class PlatformWalStatus
    {
        public string Endpoint { get; internal set; } = string.Empty;
        public string WalLevel { get; internal set; } = string.Empty;
        public string ArchiveMode { get; internal set; } = string.Empty;
        public string ArchiveCommand { get; internal set; } = string.Empty;
        public string ArchiveLibrary { get; internal set; } = string.Empty;
        public int ArchiveTimeoutSec { get; internal set; }
        public bool ArchivingEnabled => !string.Equals(ArchiveMode, "off", StringComparison.OrdinalIgnoreCase);
        /// <summary>wal_level or archive_mode were changed and wait for a restart.</summary>
        public bool PendingRestart { get; internal set; }
        public long ArchivedCount { get; internal set; }
        public string? LastArchivedWal { get; internal set; }
        public DateTime? LastArchivedTime { get; internal set; }
        public long FailedCount { get; internal set; }
        public string? LastFailedWal { get; internal set; }
        public DateTime? LastFailedTime { get; internal set; }
        /// <summary>The newest archive attempt failed (a failure newer than the last success).</summary>
        public bool ArchiveFailing { get; internal set; }
        /// <summary>Why archiving fails, from the server's log when it can be read, else what is known.</summary>
        public string? FailureReason { get; internal set; }
        /// <summary>Finished segments waiting to be archived (.ready files); null when the role may not read pg_wal/archive_status.</summary>
        public int? ReadyBacklog { get; internal set; }
        /// <summary>When the oldest waiting segment was finished.</summary>
        public DateTime? OldestReadyTime { get; internal set; }
        public string? CurrentWalFile { get; internal set; }
        public string? CurrentLsn { get; internal set; }
        public long WalSegmentSize { get; internal set; }
        /// <summary>WAL bytes written since the end of the last archived segment (at risk if pg_wal were lost now).</summary>
        public long? PendingBytes { get; internal set; }
        /// <summary>The sample: how long the counters were watched, and what moved meanwhile.</summary>
        public TimeSpan SampleDuration { get; internal set; }
        public long WalBytesDuringSample { get; internal set; }
        public long ArchivedDuringSample { get; internal set; }
        public long FailedDuringSample { get; internal set; }
        public WalRpoState RpoState { get; internal set; }
        /// <summary>How much committed work a loss of the server now could cost at most, estimated; null when unbounded (not archiving).</summary>
        public TimeSpan? RpoEstimate { get; internal set; }
        public TimeSpan RpoTarget { get; internal set; }
        public bool RpoOk { get; internal set; }
        public string RpoDetail { get; internal set; } = string.Empty;
        public DateTime MeasuredAt { get; internal set; }
        /// <summary>The archive folder as measured here (-ArchivePath, the profile's Postgres.WalArchive, else the built-in archive command's folder); null when none can be read from this machine.</summary>
        public WalArchiveUsage? ArchiveUsage { get; internal set; }
        public string? ArchivePath => ArchiveUsage?.ArchivePath;
        /// <summary>Bytes in the archive folder.</summary>
        public long? ArchiveSizeBytes => ArchiveUsage?.SizeBytes;
        /// <summary>The archive's oldest segment, and when it was archived.</summary>
        public string? OldestArchivedSegment => ArchiveUsage?.OldestSegment;
        public DateTime? OldestArchivedTime => ArchiveUsage?.OldestSegmentTime;
        /// <summary>Bytes archived per hour, measured from the files' times over the last hour (or the archive's age when younger).</summary>
        public double? ArchiveGrowthBytesPerHour => ArchiveUsage?.GrowthBytesPerHour;
        public override string ToString() => $"{Endpoint}: {RpoState}, RPO {RpoEstimate}";
    }

    /// <summary>What Invoke-PlatformWalSwitch did.</summary>
    public sealed class WalSwitchResult
    {
        public string Endpoint { get; internal set; } = string.Empty;
        /// <summary>The segment the switch closed (or the last one, when nothing had been written since the previous switch).</summary>
        public string Segment { get; internal set; } = string.Empty;
        public string SwitchLsn { get; internal set; } = string.Empty;
        /// <summary>False when nothing had been written since the last switch, so no new segment was closed.</summary>
        public bool Switched { get; internal set; }
        public bool Archived { get; internal set; }
        public DateTime? ArchivedAt { get; internal set; }
        public TimeSpan Elapsed { get; internal set; }
        public override string ToString() => $"{Segment}: archived {Archived} in {Elapsed.TotalSeconds:0.00} s";
    }

    /// <summary>Whether an archive folder holds every segment from a start onward.</summary>
    public sealed class WalArchiveTestResult
    {
        public string ArchivePath { get; internal set; } = string.Empty;
        public string StartSegment { get; internal set; } = string.Empty;
        public string? EndSegment { get; internal set; }
        /// <summary>Segments found from the start to the end.</summary>
        public int Segments { get; internal set; }
        public int MissingCount { get; internal set; }
        /// <summary>The missing segments (the first 100).</summary>
        public IReadOnlyList<string> Missing { get; internal set; } = Array.Empty<string>();
        public IReadOnlyList<uint> Timelines { get; internal set; } = Array.Empty<uint>();
        public IReadOnlyList<string> HistoryFiles { get; internal set; } = Array.Empty<string>();
        public long SizeBytes { get; internal set; }
        public bool Complete => MissingCount == 0;
        public string? BackupId { get; internal set; }
        public override string ToString() => Complete ? $"{StartSegment}..{EndSegment}: complete" : $"{MissingCount} missing from {StartSegment}";
    }

    /// <summary>What Restore-PlatformCluster recovered, where the server runs, and how long each part took.</summary>
    public sealed class PlatformClusterRestore
    {
        public string BackupId { get; internal set; } = string.Empty;
        public string BackupPath { get; internal set; } = string.Empty;
        public long BackupSizeBytes { get; internal set; }
        public DateTime BackupCompletedUtc { get; internal set; }
        /// <summary>The target asked for (UTC); null: the end of the archive.</summary>
        public DateTime? PointInTime { get; internal set; }
        /// <summary>The commit time of the last transaction replayed (UTC).</summary>
        public DateTime? RecoveredTo { get; internal set; }
        /// <summary>PostgreSQL's own words on where it stopped.</summary>
        public string? StopReason { get; internal set; }
        /// <summary>WAL segments fetched from the archive.</summary>
        public int SegmentsRestored { get; internal set; }
        /// <summary>The timeline the restored server continues on after promotion.</summary>
        public uint? Timeline { get; internal set; }
        public string DataDirectory { get; internal set; } = string.Empty;
        public int Port { get; internal set; }
        public string Endpoint => $"127.0.0.1:{Port}";
        public bool Running { get; internal set; }
        public int? ProcessId { get; internal set; }
        public string LogFile { get; internal set; } = string.Empty;
        public TimeSpan CopyDuration { get; internal set; }
        public TimeSpan RecoveryDuration { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        /// <summary>Backup megabytes restored per second of total time.</summary>
        public double MegabytesPerSecond => Duration.TotalSeconds <= 0 ? 0 : Math.Round(BackupSizeBytes / 1048576.0 / Duration.TotalSeconds, 1);
        /// <summary>How to stop the restored server.</summary>
        public string StopCommand { get; internal set; } = string.Empty;
        public override string ToString() => $"{Endpoint} recovered to {RecoveredTo:u}";
    }

    /// <summary>A base backup set, as Invoke-PlatformBaseBackup reports it.</summary>
    public sealed class PlatformBaseBackup
    {
        public string Id { get; internal set; } = string.Empty;
        public string Path { get; internal set; } = string.Empty;
        public string Kind { get; internal set; } = BackupManifest.KindBase;
        public DateTime StartedUtc { get; internal set; }
        public DateTime CompletedUtc { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        public long SizeBytes { get; internal set; }
        public string StartWal { get; internal set; } = string.Empty;
        public string EndWal { get; internal set; } = string.Empty;
        public string StartLsn { get; internal set; } = string.Empty;
        public string EndLsn { get; internal set; } = string.Empty;
        public uint Timeline { get; internal set; }
        public bool Verified { get; internal set; }
        public string PostgresVersion { get; internal set; } = string.Empty;
        public string Label { get; internal set; } = string.Empty;
        /// <summary>The server archives WAL: this backup can be rolled forward to a point in time.</summary>
        public bool ArchivingEnabled { get; internal set; }
        public string? WalArchive { get; internal set; }
        /// <summary>The set's manifest (of kind base).</summary>
        public BackupManifest Manifest { get; internal set; } = new BackupManifest { Kind = BackupManifest.KindBase };

        public override string ToString() => Path;

        internal static PlatformBaseBackup From(string path, BackupManifest m) => new PlatformBaseBackup
        {
            Id = m.Id,
            Path = path,
            StartedUtc = DateTime.SpecifyKind(m.StartedUtc, DateTimeKind.Utc),
            CompletedUtc = DateTime.SpecifyKind(m.CompletedUtc, DateTimeKind.Utc),
            Duration = TimeSpan.FromSeconds(m.DurationSeconds),
            SizeBytes = m.Files.Sum(f => f.Size),
            StartWal = m.BaseBackup?.StartWal ?? string.Empty,
            EndWal = m.BaseBackup?.EndWal ?? string.Empty,
            StartLsn = m.BaseBackup?.StartLsn ?? string.Empty,
            EndLsn = m.BaseBackup?.EndLsn ?? string.Empty,
            Timeline = m.BaseBackup?.Timeline ?? 0,
            Verified = m.BaseBackup?.Verified ?? false,
            PostgresVersion = m.Postgres?.Version ?? string.Empty,
            Label = m.BaseBackup?.Label ?? string.Empty,
            ArchivingEnabled = m.BaseBackup?.ArchiveMode != null && m.BaseBackup.ArchiveMode != "off",
            WalArchive = m.BaseBackup?.WalArchive,
            Manifest = m,
        };
    }
}

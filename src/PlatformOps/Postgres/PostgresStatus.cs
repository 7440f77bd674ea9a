using System;
using System.Collections.Generic;

namespace PlatformOps.Postgres
{
    /// <summary>A PostgreSQL server's state, measured now.</summary>
    public sealed class PostgresStatus
    {
        public string Endpoint { get; internal set; } = string.Empty;
        public string Version { get; internal set; } = string.Empty;
        /// <summary>server_version_num, e.g. 150018.</summary>
        public int VersionNumber { get; internal set; }
        public int MajorVersion => VersionNumber / 10000;
        public DateTime StartedAt { get; internal set; }
        public TimeSpan Uptime { get; internal set; }
        public bool InRecovery { get; internal set; }
        public int Connections { get; internal set; }
        public int MaxConnections { get; internal set; }
        public double ConnectionsPercent => MaxConnections == 0 ? 0 : Math.Round(100.0 * Connections / MaxConnections, 1);
        public IReadOnlyList<DatabaseSize> Databases { get; internal set; } = Array.Empty<DatabaseSize>();
        public string WalLevel { get; internal set; } = string.Empty;
        public string ArchiveMode { get; internal set; } = string.Empty;
        public string ArchiveCommand { get; internal set; } = string.Empty;
        public long ArchivedCount { get; internal set; }
        public string? LastArchivedWal { get; internal set; }
        public DateTime? LastArchivedTime { get; internal set; }
        public long FailedCount { get; internal set; }
        public string? LastFailedWal { get; internal set; }
        public DateTime? LastFailedTime { get; internal set; }
        public DateTime? ArchiverStatsReset { get; internal set; }
        /// <summary>WAL segments waiting to be archived (.ready files); null when the role may not read archive_status.</summary>
        public int? ReadyBacklog { get; internal set; }
        public string? CurrentWalFile { get; internal set; }
        /// <summary>The server's ssl setting.</summary>
        public bool Ssl { get; internal set; }
        /// <summary>Whether this connection itself is encrypted.</summary>
        public bool ConnectionEncrypted { get; internal set; }
        public double LatencyMs { get; internal set; }

        /// <summary>Archiving is on and its newest attempt failed (a failure newer than the last success).</summary>
        public bool ArchiveFailing => FailedCount > 0 && LastFailedTime != null && (LastArchivedTime == null || LastFailedTime > LastArchivedTime);

        public bool ArchivingEnabled => !string.Equals(ArchiveMode, "off", StringComparison.OrdinalIgnoreCase);

        public override string ToString() => $"{Endpoint} PostgreSQL {Version}";
    }

    public sealed class DatabaseSize
    {
        public DatabaseSize(string name, long sizeBytes)
        {
            Name = name;
            SizeBytes = sizeBytes;
        }

        public string Name { get; }
        public long SizeBytes { get; }
        public override string ToString() => $"{Name} ({SizeBytes / 1048576.0:0.0} MB)";
    }
}

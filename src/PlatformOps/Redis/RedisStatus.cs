using System;
using System.Collections.Generic;

namespace PlatformOps.Redis
{
    /// <summary>A Redis server's state and persistence, measured now, with warnings for the known traps.</summary>
    public sealed class RedisStatus
    {
        public string Endpoint { get; internal set; } = string.Empty;
        public string Version { get; internal set; } = string.Empty;
        public string Role { get; internal set; } = string.Empty;
        public double PingMs { get; internal set; }
        public TimeSpan Uptime { get; internal set; }
        public long UsedMemoryBytes { get; internal set; }
        public long MaxMemoryBytes { get; internal set; }
        public int ConnectedClients { get; internal set; }
        /// <summary>The RDB snapshot policy (CONFIG GET save); empty when RDB snapshots are off.</summary>
        public string SavePolicy { get; internal set; } = string.Empty;
        public DateTime? LastSaveTime { get; internal set; }
        /// <summary>rdb_last_bgsave_status: ok or err.</summary>
        public string LastBgsaveStatus { get; internal set; } = string.Empty;
        public long ChangesSinceLastSave { get; internal set; }
        public bool BgsaveInProgress { get; internal set; }
        public bool AofEnabled { get; internal set; }
        /// <summary>aof_last_write_status: ok or err.</summary>
        public string AofLastWriteStatus { get; internal set; } = string.Empty;
        public bool StopWritesOnBgsaveError { get; internal set; }
        public string Bind { get; internal set; } = string.Empty;
        public bool PasswordRequired { get; internal set; }
        public long Keys { get; internal set; }
        public string? Directory { get; internal set; }
        public string? DbFilename { get; internal set; }

        public bool PersistenceEnabled => SavePolicy.Trim().Length > 0 || AofEnabled;
        public IReadOnlyList<string> Warnings { get; internal set; } = Array.Empty<string>();

        public override string ToString() => $"{Endpoint} Redis {Version}";
    }
}

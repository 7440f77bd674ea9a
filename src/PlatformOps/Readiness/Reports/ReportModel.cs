using System;
using System.Collections.Generic;
using System.Linq;
using PlatformOps.Containers;
using PlatformOps.Postgres;
using PlatformOps.Redis;

namespace PlatformOps.Readiness.Reports
{
    /// <summary>What a report shows: the score with its checks and, where the checks measured them, the objects behind them.</summary>
    internal sealed class ReportModel
    {
        public ReportModel(PlatformHealthScore score, DateTime generatedAt, string moduleVersion)
        {
            Score = score;
            GeneratedAt = generatedAt;
            ModuleVersion = moduleVersion;
        }

        public PlatformHealthScore Score { get; }
        public DateTime GeneratedAt { get; }
        public string ModuleVersion { get; }
        /// <summary>How long the checklist took, when it ran for this report.</summary>
        public TimeSpan? Duration { get; set; }
        public string Title => $"Production readiness: {Score.Platform}";

        public ReadinessCheck? Check(string id) => Score.Checks.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

        public IReadOnlyList<PlatformContainer>? Containers => Check("infrastructure.containers-running")?.Data as IReadOnlyList<PlatformContainer>;
        public PostgresStatus? Postgres => Check("data.wal-archiving")?.Data as PostgresStatus;
        public RedisStatus? Redis => Check("data.redis-persistence")?.Data as RedisStatus;

        /// <summary>Why a section has no data: the evidence of the check that would have measured it.</summary>
        public string Missing(string id, string what)
        {
            var check = Check(id);
            if (check == null) return $"{what} were not checked in this run.";
            return $"{what}: not measured in this run ({check.Evidence}).";
        }
    }
}

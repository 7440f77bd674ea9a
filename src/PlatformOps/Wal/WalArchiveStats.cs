using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PlatformOps.Postgres;

namespace PlatformOps.Wal
{
    /// <summary>How big a WAL archive folder is, how old its oldest segment, and how fast it grows (measured from the files' times).</summary>
    public sealed class WalArchiveUsage
    {
        public string ArchivePath { get; internal set; } = string.Empty;
        /// <summary>Every file in the folder, in bytes.</summary>
        public long SizeBytes { get; internal set; }
        /// <summary>WAL segment files (plain or compressed; not .history, .backup, .partial).</summary>
        public int Segments { get; internal set; }
        public int Files { get; internal set; }
        /// <summary>The segment with the lowest position (then timeline): where recovery from this archive can start at the earliest.</summary>
        public string? OldestSegment { get; internal set; }
        /// <summary>When the oldest segment was archived (its file's modification time, UTC).</summary>
        public DateTime? OldestSegmentTime { get; internal set; }
        public string? NewestSegment { get; internal set; }
        public DateTime? NewestSegmentTime { get; internal set; }
        /// <summary>Bytes archived per hour over <see cref="GrowthMeasuredOver"/>, from the files' modification times; null without enough history (under a minute).</summary>
        public double? GrowthBytesPerHour { get; internal set; }
        /// <summary>The span the growth was measured over: the last hour, or the archive's age when it is younger.</summary>
        public TimeSpan GrowthMeasuredOver { get; internal set; }
        /// <summary>Free bytes on the archive's filesystem (for this user); null when unknown.</summary>
        public long? FreeBytes { get; internal set; }
        public DateTime MeasuredAt { get; internal set; }
        public override string ToString() => $"{ArchivePath}: {SizeBytes / 1048576.0:0.0} MB in {Segments} segment(s)";
    }

    /// <summary>Measures a WAL archive folder from the files themselves. Knows nothing of the PowerShell host.</summary>
    public static class WalArchiveStats
    {
        /// <summary>The span growth is measured over, when the archive is at least that old.</summary>
        public static readonly TimeSpan DefaultGrowthWindow = TimeSpan.FromHours(1);
        private static readonly TimeSpan MinimumHistory = TimeSpan.FromMinutes(1);

        /// <summary>Reads the folder's files once: size, segments, oldest and newest, growth per hour over <paramref name="growthWindow"/>.</summary>
        public static WalArchiveUsage Measure(string archivePath, DateTime utcNow, TimeSpan? growthWindow = null)
        {
            if (archivePath == null) throw new ArgumentNullException(nameof(archivePath));
            var files = new DirectoryInfo(archivePath).GetFiles();
            var usage = new WalArchiveUsage { ArchivePath = archivePath, MeasuredAt = utcNow, Files = files.Length, SizeBytes = files.Sum(f => f.Length) };
            // Ordered by position only, so the smallest segment size (most segments per log id) parses every size's names.
            var segments = new List<(WalSegment Segment, FileInfo File)>();
            foreach (var file in files)
                if (WalArchiveFile.TryParse(file.Name, out var name) && name.Kind == WalFileKind.Segment && WalSegment.TryParse(name.Segment, 1048576, out var seg))
                    segments.Add((seg, file));
            usage.Segments = segments.Count;
            if (segments.Count > 0)
            {
                var oldest = segments.OrderBy(s => s.Segment).First();
                var newest = segments.OrderBy(s => s.Segment).Last();
                usage.OldestSegment = oldest.File.Name;
                usage.OldestSegmentTime = oldest.File.LastWriteTimeUtc;
                usage.NewestSegment = newest.File.Name;
                usage.NewestSegmentTime = newest.File.LastWriteTimeUtc;
            }
            if (files.Length > 0)
            {
                var window = growthWindow ?? DefaultGrowthWindow;
                var age = utcNow - files.Min(f => f.LastWriteTimeUtc);
                var over = age < window ? age : window;
                usage.GrowthMeasuredOver = over < TimeSpan.Zero ? TimeSpan.Zero : over;
                if (over >= MinimumHistory)
                {
                    var since = utcNow - over;
                    var until = utcNow + MinimumHistory; // a file time a little ahead of this clock still counts, a later one does not
                    usage.GrowthBytesPerHour = Math.Round(files.Where(f => f.LastWriteTimeUtc >= since && f.LastWriteTimeUtc <= until).Sum(f => (double)f.Length) / over.TotalHours, 0);
                }
            }
            usage.FreeBytes = FreeBytesOf(archivePath);
            return usage;
        }

        /// <summary>Measures the folder when it is readable here (a server on another host archives where this machine cannot look): else null.</summary>
        public static WalArchiveUsage? TryMeasure(string? archivePath, DateTime utcNow)
        {
            if (string.IsNullOrEmpty(archivePath) || !Directory.Exists(archivePath)) return null;
            try
            {
                return Measure(archivePath!, utcNow);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>The folder a status's archive is in: the one given, else the built-in archive command's folder.</summary>
        public static string? ArchivePathOf(PlatformWalStatus status, string? configured)
            => !string.IsNullOrEmpty(configured) ? configured : ArchiveCommands.DirectoryOf(status?.ArchiveCommand);

        internal static long? FreeBytesOf(string path)
        {
            try
            {
                return new DriveInfo(Path.GetFullPath(path)).AvailableFreeSpace;
            }
            catch (Exception ex) when (ex is IOException || ex is ArgumentException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}

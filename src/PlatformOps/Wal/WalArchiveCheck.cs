using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Wal
{
    /// <summary>Test-PlatformWalArchive's engine: whether an archive folder holds every segment from a start on, with no gaps. Reads file names only.</summary>
    public static class WalArchiveCheck
    {
        /// <summary>Checks that <paramref name="archivePath"/> holds every segment from <paramref name="startSegment"/> to the end (given, or the newest there).</summary>
        public static WalArchiveTestResult TestArchive(string archivePath, string startSegment, string? endSegment, long? segmentSize)
        {
            if (!Directory.Exists(archivePath))
                throw new PlatformOpsException("PlatformWalArchiveNotFound", ErrorCategory.ObjectNotFound, archivePath, $"The WAL archive folder '{archivePath}' does not exist or cannot be read.");
            var files = Directory.GetFiles(archivePath).Select(f => new FileInfo(f)).ToList();
            var size = segmentSize ?? DetectSegmentSize(files, startSegment);
            if (!WalSegment.TryParse(startSegment, size, out var start))
                throw new PlatformOpsException("PlatformWalSegmentInvalid", ErrorCategory.InvalidArgument, startSegment, $"'{startSegment}' is not a WAL segment name (24 hex digits).");
            WalSegment? end = null;
            if (endSegment != null)
            {
                if (!WalSegment.TryParse(endSegment, size, out var e))
                    throw new PlatformOpsException("PlatformWalSegmentInvalid", ErrorCategory.InvalidArgument, endSegment, $"'{endSegment}' is not a WAL segment name (24 hex digits).");
                end = e;
            }

            var present = new Dictionary<ulong, List<uint>>();
            var history = new List<string>();
            long bytes = 0;
            foreach (var file in files)
            {
                var name = file.Name;
                if (name.EndsWith(".history", StringComparison.Ordinal)) { history.Add(name); continue; }
                if (!WalArchiveFile.TryParse(name, out var parsed) || parsed.Kind != WalFileKind.Segment) continue; // .partial, .backup, .tmp
                if (!WalSegment.TryParse(parsed.Segment, size, out var seg)) continue;
                if (seg.Timeline < start.Timeline) continue;
                if (!present.TryGetValue(seg.Number, out var timelines)) present[seg.Number] = timelines = new List<uint>();
                timelines.Add(seg.Timeline);
                if (seg.Number >= start.Number && (end == null || seg.Number <= end.Value.Number)) bytes += file.Length;
            }
            var last = end?.Number ?? (present.Keys.Where(n => n >= start.Number).DefaultIfEmpty(start.Number).Max());
            var missing = new List<string>();
            var count = 0;
            var missingCount = 0;
            var timeline = start.Timeline;
            var timelinesSeen = new SortedSet<uint>();
            for (var n = start.Number; n <= last; n++)
            {
                if (present.TryGetValue(n, out var tls))
                {
                    count++;
                    timeline = Math.Max(timeline, tls.Max());
                    foreach (var t in tls) timelinesSeen.Add(t);
                }
                else
                {
                    missingCount++;
                    if (missing.Count < 100) missing.Add(new WalSegment(timeline, n, size).Name);
                }
            }
            return new WalArchiveTestResult
            {
                ArchivePath = archivePath,
                StartSegment = start.Name,
                EndSegment = new WalSegment(timeline, last, size).Name,
                Segments = count,
                MissingCount = missingCount,
                Missing = missing,
                Timelines = timelinesSeen.ToList(),
                HistoryFiles = history.OrderBy(h => h, StringComparer.Ordinal).ToList(),
                SizeBytes = bytes,
            };
        }

        private static long DetectSegmentSize(IList<FileInfo> files, string startSegment)
        {
            var plain = files.FirstOrDefault(f => f.Name == startSegment) ?? files.FirstOrDefault(f => f.Name.Length == 24 && WalSegment.TryParse(f.Name, WalSegment.DefaultSegmentSize, out _));
            if (plain != null && plain.Length >= 1024 * 1024 && (plain.Length & (plain.Length - 1)) == 0) return plain.Length;
            return WalSegment.DefaultSegmentSize;
        }
    }
}

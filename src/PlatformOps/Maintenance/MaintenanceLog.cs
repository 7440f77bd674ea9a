using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// The run log: one JSON line per run in maintenance.log, rotated to maintenance.log.1 ... .N before it grows past
    /// its size. A line is written whole or not at all: when the disk is full the partial bytes are cut off again, so
    /// the lines already there stay readable.
    /// </summary>
    public static class MaintenanceLog
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        /// <summary>Appends one run. With <paramref name="rotate"/> (the lock holder) the log is rotated first when the line would push it past <paramref name="maxBytes"/>.</summary>
        public static void Append(string path, MaintenanceRun run, long maxBytes, int keep, bool rotate)
        {
            var bytes = Utf8.GetBytes(run.ToJsonLine() + "\n");
            try
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(path));
                if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
                if (rotate)
                {
                    var info = new FileInfo(path);
                    if (info.Exists && info.Length > 0 && info.Length + bytes.Length > maxBytes) Rotate(path, keep);
                }
                long before = File.Exists(path) ? new FileInfo(path).Length : 0;
                try
                {
                    using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 4096);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                }
                catch (IOException)
                {
                    CutBack(path, before);
                    throw;
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new MaintenanceException("PlatformMaintenanceLogNotWritten", MaintenanceErrorKind.WriteFailed, path,
                    $"The run of {run.Job} ({run.Outcome}) could not be written to the run log '{path}': {ex.Message}. Free space there or set Maintenance.LogPath to another disk.", ex);
            }
        }

        /// <summary>Drops what a failed append left at the end, so no half line stays in the log.</summary>
        private static void CutBack(string path, long length)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                if (stream.Length > length) stream.SetLength(length);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        /// <summary>maintenance.log becomes .1, .1 becomes .2 ..., the oldest beyond <paramref name="keep"/> goes.</summary>
        internal static void Rotate(string path, int keep)
        {
            var oldest = $"{path}.{keep}";
            if (File.Exists(oldest)) File.Delete(oldest);
            for (var i = keep - 1; i >= 1; i--)
            {
                var from = $"{path}.{i}";
                if (File.Exists(from)) File.Move(from, $"{path}.{i + 1}");
            }
            File.Move(path, $"{path}.1");
        }

        /// <summary>The log and its rotated files that exist, oldest first.</summary>
        public static IReadOnlyList<string> Files(string path)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            var name = Path.GetFileName(path);
            var rotated = new List<(int N, string Path)>();
            if (Directory.Exists(folder))
            {
                foreach (var file in Directory.EnumerateFiles(folder, name + ".*"))
                {
                    var fileName = Path.GetFileName(file);
                    if (fileName.Length <= name.Length + 1) continue; // the log itself also matches "name.*"
                    var suffix = fileName.Substring(name.Length + 1);
                    if (int.TryParse(suffix, out var n) && n > 0) rotated.Add((n, file));
                }
            }
            var files = rotated.OrderByDescending(r => r.N).Select(r => r.Path).ToList();
            if (File.Exists(path)) files.Add(path);
            return files;
        }

        /// <summary>Every run in the log and its rotated files, oldest first; <paramref name="damaged"/> counts lines that are not a run.</summary>
        public static IReadOnlyList<MaintenanceRun> Read(string path, out int damaged)
        {
            damaged = 0;
            var runs = new List<MaintenanceRun>();
            foreach (var file in Files(path))
            {
                string[] lines;
                try
                {
                    using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                    using var reader = new StreamReader(stream, Utf8);
                    lines = reader.ReadToEnd().Split('\n');
                }
                catch (FileNotFoundException)
                {
                    continue; // rotated away while reading
                }
                foreach (var line in lines)
                {
                    if (line.Trim().Length == 0) continue;
                    try
                    {
                        var run = MaintenanceRun.FromJsonLine(line);
                        if (run == null) { damaged++; continue; }
                        run.LogPath = file;
                        runs.Add(run);
                    }
                    catch (JsonException)
                    {
                        damaged++;
                    }
                }
            }
            return runs.OrderBy(r => r.StartedAt).ToList();
        }

        /// <summary>The newest run of each job that did its work (Busy runs did nothing and are passed over).</summary>
        public static IReadOnlyDictionary<MaintenanceJobName, MaintenanceRun> LastRuns(IEnumerable<MaintenanceRun> runs)
            => runs.Where(r => r.Outcome != MaintenanceOutcome.Busy)
                .GroupBy(r => r.Job)
                .ToDictionary(g => g.Key, g => g.OrderBy(r => r.EndedAt ?? r.StartedAt).Last());
    }
}

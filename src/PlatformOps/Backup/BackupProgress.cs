using System;
using System.Collections.Concurrent;
using System.Threading;

namespace PlatformOps.Backup
{
    /// <summary>
    /// What a backup engine is doing, written from its threads and read by the cmdlet on the pipeline thread, which
    /// alone may call Write-Progress / Write-Verbose / Write-Warning.
    /// </summary>
    public sealed class BackupProgress
    {
        private long _bytes;
        private volatile string _status = "Starting";

        public BackupProgress(string activity) => Activity = activity;

        public string Activity { get; }
        public string Status => _status;
        /// <summary>The item being worked on (1-based) and the number of items: the "N of M".</summary>
        public int Current { get; private set; }
        public int Total { get; private set; }
        /// <summary>Bytes written (backup) or read (verify) so far, over all items.</summary>
        public long Bytes => Interlocked.Read(ref _bytes);
        public ConcurrentQueue<string> Verbose { get; } = new ConcurrentQueue<string>();
        public ConcurrentQueue<string> Warnings { get; } = new ConcurrentQueue<string>();

        public void Step(int current, int total, string status)
        {
            Current = current;
            Total = total;
            _status = status;
        }

        public void Say(string message) => Verbose.Enqueue(message);
        public void Warn(string message) => Warnings.Enqueue(message);
        public void AddBytes(long count) => Interlocked.Add(ref _bytes, count);
        public void SetBytes(long value) => Interlocked.Exchange(ref _bytes, value);

        public static string Size(long bytes)
        {
            string[] units = { "B", "KB", "MB", "GB", "TB" };
            double v = bytes;
            var u = 0;
            while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
            return v.ToString(u == 0 ? "0" : "0.0", System.Globalization.CultureInfo.InvariantCulture) + " " + units[u];
        }
    }
}

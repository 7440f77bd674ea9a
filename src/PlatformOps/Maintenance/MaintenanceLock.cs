using System;
using System.IO;
using System.Text.Json;
using System.Threading;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>Who holds (or last held) a platform's maintenance lock: written beside the lock when a run starts, removed when it ends.</summary>
    public sealed class RunMarker
    {
        public string RunId { get; set; } = string.Empty;
        public string Job { get; set; } = string.Empty;
        public int ProcessId { get; set; }
        public string Host { get; set; } = string.Empty;
        public string Trigger { get; set; } = string.Empty;
        public DateTime StartedAt { get; set; }
    }

    /// <summary>
    /// One platform's maintenance lock: an exclusive flock(2) on maintenance.lock in the state folder, so two runs
    /// never work at once on any machine that shares the folder's filesystem locks. The kernel drops it when the
    /// holder dies, SIGKILL included; the marker file it leaves then tells the next run that a run was interrupted.
    /// </summary>
    public sealed class MaintenanceLock : IDisposable
    {
        private IDisposable? _handle;

        private MaintenanceLock(string path, IDisposable handle)
        {
            Path = path;
            _handle = handle;
        }

        public string Path { get; }

        /// <summary>Takes the lock, polling until <paramref name="wait"/> has passed; null when another run still holds it.</summary>
        public static MaintenanceLock? Acquire(string path, TimeSpan wait, CancellationToken cancellationToken)
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            var deadline = DateTime.UtcNow + wait;
            while (true)
            {
                var handle = UnixFile.TryLockExclusive(path);
                if (handle != null) return new MaintenanceLock(path, handle);
                if (DateTime.UtcNow >= deadline) return null;
                var pause = TimeSpan.FromMilliseconds(Math.Min(500, Math.Max(10, (deadline - DateTime.UtcNow).TotalMilliseconds)));
                if (cancellationToken.WaitHandle.WaitOne(pause)) cancellationToken.ThrowIfCancellationRequested();
            }
        }

        /// <summary>True when nobody holds the lock right now (it is taken and released at once).</summary>
        public static bool IsFree(string path)
        {
            if (!File.Exists(path)) return true;
            using var handle = UnixFile.TryLockExclusive(path);
            return handle != null;
        }

        public void Dispose()
        {
            _handle?.Dispose();
            _handle = null;
        }

        private static readonly JsonSerializerOptions Json = new JsonSerializerOptions { WriteIndented = true, PropertyNameCaseInsensitive = true };

        /// <summary>Reads a marker; null when there is none or it cannot be read.</summary>
        public static RunMarker? ReadMarker(string path)
        {
            try
            {
                return File.Exists(path) ? JsonSerializer.Deserialize<RunMarker>(File.ReadAllText(path), Json) : null;
            }
            catch (Exception ex) when (ex is IOException || ex is JsonException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        public static void WriteMarker(string path, RunMarker marker) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(marker, Json));

        public static void RemoveMarker(string path)
        {
            try { File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// What Install-PlatformMaintenance wrote, kept in the state folder (installed.json): every file with its SHA-256,
    /// every link, the crontab block, the tasks and the timers it enabled. Uninstall-PlatformMaintenance removes
    /// exactly these, and leaves a file that was changed since (unless -Force).
    /// </summary>
    public sealed class InstallRecord
    {
        public const string FileName = "installed.json";

        public string Platform { get; set; } = string.Empty;
        public string? ProfilePath { get; set; }
        public MaintenanceScheduler Scheduler { get; set; }
        public DateTime InstalledAt { get; set; }
        public string? Version { get; set; }
        /// <summary>Systemd: units were enabled through a running systemd (systemctl), else linked into timers.target.wants by hand.</summary>
        public bool SystemdOnline { get; set; }
        /// <summary>Systemd: user units (systemctl --user).</summary>
        public bool SystemdUser { get; set; }
        public List<RecordedFile> Files { get; set; } = new List<RecordedFile>();
        public List<RecordedLink> Links { get; set; } = new List<RecordedLink>();
        /// <summary>Folders the installation created (removed again when empty).</summary>
        public List<string> Folders { get; set; } = new List<string>();
        public RecordedCrontab? Crontab { get; set; }
        public List<string> Tasks { get; set; } = new List<string>();
        public List<string> Timers { get; set; } = new List<string>();
        public List<RecordedJob> Jobs { get; set; } = new List<RecordedJob>();

        internal static readonly JsonSerializerOptions Json = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNameCaseInsensitive = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter() },
        };

        public static InstallRecord? Load(string path)
        {
            if (!File.Exists(path)) return null;
            try
            {
                return JsonSerializer.Deserialize<InstallRecord>(File.ReadAllText(path), Json);
            }
            catch (JsonException ex)
            {
                throw new MaintenanceException("PlatformMaintenanceRecordInvalid", MaintenanceErrorKind.InvalidArgument, path,
                    $"The install record '{path}' cannot be read ({ex.Message}); nothing can be removed by it. Restore it from a copy, or remove the units or crontab lines it names by hand.", ex);
            }
        }

        public void Save(string path)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
        }

        public static string Sha256Of(string path)
        {
            using var sha = SHA256.Create();
            using var stream = File.OpenRead(path);
            return BitConverter.ToString(sha.ComputeHash(stream)).Replace("-", string.Empty).ToLowerInvariant();
        }
    }

    public sealed class RecordedFile
    {
        public string Path { get; set; } = string.Empty;
        public string Sha256 { get; set; } = string.Empty;
    }

    public sealed class RecordedLink
    {
        public string Path { get; set; } = string.Empty;
        public string Target { get; set; } = string.Empty;
    }

    /// <summary>A block in a shared crontab: in a file (Path), or in the user's crontab through the crontab program (Path null).</summary>
    public sealed class RecordedCrontab
    {
        public string? Path { get; set; }
        /// <summary>A line break was added to the crontab's last line to start the block.</summary>
        public bool AddedNewline { get; set; }
        /// <summary>The crontab did not exist before.</summary>
        public bool Created { get; set; }
    }

    public sealed class RecordedJob
    {
        public MaintenanceJobName Job { get; set; }
        public string Schedule { get; set; } = string.Empty;
        /// <summary>The unit, task name or crontab line that runs it.</summary>
        public string Entry { get; set; } = string.Empty;
    }
}

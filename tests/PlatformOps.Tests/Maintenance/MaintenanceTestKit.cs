using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using PlatformOps.Maintenance;
using PlatformOps.Common;
using PlatformOps.Tests.Certificates;
using PlatformOps.Tests.Infrastructure;

namespace PlatformOps.Tests.Maintenance
{
    /// <summary>A folder of its own per test, profiles copied from the lab's plain profile, and the real pwsh the jobs would run.</summary>
    public sealed class MaintenanceFolder : IDisposable
    {
        public MaintenanceFolder(string name)
        {
            Root = Path.Combine(Path.GetTempPath(), $"platformops-maint-{name}-{Guid.NewGuid().ToString("N").Substring(0, 6)}");
            Directory.CreateDirectory(Root);
        }

        public string Root { get; }
        public string State => Path.Combine(Root, "state");

        /// <summary>The pwsh the tests' jobs would run: the repository's dotnet tool (a real pwsh apphost).</summary>
        public static string Pwsh
        {
            get
            {
                var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p : Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/root", ".nuget", "packages");
                var path = Path.Combine(packages, "powershell", "7.6.9", "tools", "net10.0", "any", "unix", "pwsh");
                if (!File.Exists(path)) throw new InvalidOperationException($"The repository's pwsh ({path}) is missing: run 'dotnet tool restore'.");
                return path;
            }
        }

        /// <summary>Writes a profile: the lab's plain profile (PostgreSQL and Redis) with a Maintenance section in this folder.</summary>
        public string Profile(string name, Action<JsonObject>? maintenance = null, bool lab = true)
        {
            JsonObject profile;
            if (lab)
            {
                Lab.RequireProfile(Lab.PlainProfile);
                profile = JsonNode.Parse(File.ReadAllText(Lab.PlainProfile))!.AsObject();
                profile["Backup"] = new JsonObject { ["Path"] = Path.Combine(Root, "backups") };
            }
            else profile = new JsonObject();
            profile["Name"] = name;
            var m = new JsonObject { ["StatePath"] = State, ["PwshPath"] = Pwsh };
            maintenance?.Invoke(m);
            profile["Maintenance"] = m;
            var path = Path.Combine(Root, name + ".profile.json");
            File.WriteAllText(path, profile.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return path;
        }

        public MaintenancePlan Plan(string profilePath) => MaintenancePlan.From(PlatformProfile.Load(profilePath));

        /// <summary>Every file and link under a folder with its content (or link target): the folder's fingerprint.</summary>
        public static SortedDictionary<string, string> Snapshot(string folder)
        {
            var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (!Directory.Exists(folder)) return result;
            foreach (var entry in Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories))
            {
                var info = new FileInfo(entry);
                if (info.LinkTarget != null) result[entry] = "-> " + info.LinkTarget;
                else if (Directory.Exists(entry)) result[entry] = "<dir>";
                else result[entry] = File.ReadAllText(entry);
            }
            return result;
        }

        /// <summary>The lab's secrets, which nothing PlatformOps writes may contain.</summary>
        public static IEnumerable<string> LabSecrets()
        {
            yield return Lab.PostgresPassword;
            yield return Lab.RedisPassword;
        }

        public static (int ExitCode, string Output) Run(string file, params string[] arguments)
        {
            var result = TestProcess.Run(file, arguments);
            return (result.ExitCode, result.Output);
        }

        public void Dispose()
        {
            try { Directory.Delete(Root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

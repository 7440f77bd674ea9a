using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json.Nodes;
using PlatformOps.Tests.Infrastructure;

namespace PlatformOps.Tests.Readiness
{
    /// <summary>
    /// Profiles and containers of the readiness tests. Every profile is a copy of the lab's with its own state folder
    /// (so runs of these tests never see each other's restart counts or test runs) and the repository's runbooks.
    /// Containers made here live in Compose projects of their own (rdy*), never in the lab's 'agentic' project.
    /// </summary>
    internal sealed class ReadinessLab : IDisposable
    {
        public ReadinessLab()
        {
            Folder = Path.Combine(Path.GetTempPath(), "platformops-readiness-" + Guid.NewGuid().ToString("N")[..10]);
            Directory.CreateDirectory(Folder);
        }

        public string Folder { get; }

        public static string Runbooks => Path.Combine(Lab.RepositoryRoot, "docs", "runbooks");

        /// <summary>Writes a copy of a lab profile with a Readiness section, edited by the caller.</summary>
        public string Profile(string name, Action<JsonObject>? edit = null, bool plain = false)
        {
            var source = plain ? Lab.PlainProfile : Lab.DockerProfile;
            Lab.RequireProfile(source);
            var profile = JsonNode.Parse(File.ReadAllText(source))!.AsObject();
            profile["Name"] = "rdy-" + name;
            profile["Readiness"] = new JsonObject
            {
                ["RunbooksPath"] = Runbooks,
                ["StatePath"] = Path.Combine(Folder, "state-" + name),
                ["CertificateAuthorityPaths"] = new JsonArray(Lab.CertificateAuthority),
            };
            edit?.Invoke(profile);
            var path = Path.Combine(Folder, name + ".profile.json");
            File.WriteAllText(path, profile.ToJsonString());
            return path;
        }

        /// <summary>Runs the docker client and returns its output; fails the test when it fails.</summary>
        public static string Docker(params string[] arguments)
            => TestProcess.Run("docker", arguments, new ProcessOptions { TimeoutSeconds = 60 }).EnsureSuccess().StdOut.Trim();

        /// <summary>
        /// Starts a small container of the lab's own image in a Compose project of its own, with a 1 s health check
        /// and memory and CPU limits; <paramref name="command"/> defaults to an idle sleep.
        /// </summary>
        public static void Container(string project, string name, bool healthCheck = true, bool limits = true, string restart = "no", string? command = null)
        {
            var args = new System.Collections.Generic.List<string>
            {
                "run", "-d", "--name", name, "--label", $"com.docker.compose.project={project}", "--label", $"com.docker.compose.service={name}",
                "--label", "com.platformops.readiness-test=true", "--network", "none", "-v", "/usr:/usr:ro", "--stop-signal", "SIGKILL", "--restart", restart,
            };
            if (limits) args.AddRange(new[] { "--memory", "32m", "--cpus", "0.1" });
            if (healthCheck) args.AddRange(new[] { "--health-cmd", "/bin/busybox true", "--health-interval", "1s", "--health-retries", "1" });
            args.Add("platformops-lab/service:1");
            if (command == null) args.AddRange(new[] { "/bin/busybox", "sleep", "600" });
            else args.AddRange(new[] { "/bin/busybox", "sh", "-c", command });
            Docker(args.ToArray());
        }

        /// <summary>Removes every container of a test project.</summary>
        public static void RemoveProject(string project)
        {
            var ids = Docker("ps", "-aq", "--filter", $"label=com.docker.compose.project={project}", "--filter", "label=com.platformops.readiness-test=true");
            if (ids.Length == 0) return;
            var args = new System.Collections.Generic.List<string> { "rm", "-f" };
            args.AddRange(ids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Docker(args.ToArray());
        }

        /// <summary>Waits until a container's health check says healthy.</summary>
        public static void WaitHealthy(string name, int seconds = 30)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                if (Docker("inspect", "-f", "{{.State.Health.Status}}", name) == "healthy") return;
                System.Threading.Thread.Sleep(250);
            }
            throw new TimeoutException($"{name} did not become healthy within {seconds} s");
        }

        public void Dispose()
        {
            try { Directory.Delete(Folder, recursive: true); }
            catch (IOException) { }
        }
    }
}

using System;
using System.Diagnostics;
using System.IO;

namespace PlatformOps.Tests.Infrastructure
{
    /// <summary>The lab platform the tests run against (started by build.ps1 -Task Test or tests/lab/lab.sh up).</summary>
    public static class Lab
    {
        public static string Root => Environment.GetEnvironmentVariable("PLATFORMOPS_LAB_ROOT") is { Length: > 0 } r ? r : "/tmp/platformops-lab";
        public static string DockerProfile => Path.Combine(Root, "lab.profile.json");
        public static string PlainProfile => Path.Combine(Root, "plain.profile.json");
        public static string PgPassFile => Path.Combine(Root, "secrets", "pgpass");
        public static string RedisPasswordFile => Path.Combine(Root, "secrets", "redis.password");
        public static string PostgresPassword => File.ReadAllText(Path.Combine(Root, "secrets", "postgres.password")).Trim();
        public static string RedisPassword => File.ReadAllText(RedisPasswordFile).Trim();

        /// <summary>
        /// The CA that issued the lab's TLS certificate (tls/ca.crt); a lab made before the lab had a CA serves a
        /// self-signed certificate, which is then its own trust anchor.
        /// </summary>
        public static string CertificateAuthority => File.Exists(Path.Combine(Root, "tls", "ca.crt")) ? Path.Combine(Root, "tls", "ca.crt") : Path.Combine(Root, "tls", "server.crt");

        /// <summary>True when the run was asked to go without Docker (PLATFORMOPS_NO_DOCKER=1).</summary>
        public static bool NoDocker => Environment.GetEnvironmentVariable("PLATFORMOPS_NO_DOCKER") == "1";

        public static string RepositoryRoot
        {
            get
            {
                var dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir != null && !File.Exists(Path.Combine(dir.FullName, "PlatformOps.sln"))) dir = dir.Parent;
                return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (PlatformOps.sln).");
            }
        }

        /// <summary>Runs tests/lab/lab.sh with the given arguments (break/fix faults) and fails the test if it fails.</summary>
        public static string Run(params string[] arguments)
        {
            var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(RepositoryRoot, "tests", "lab", "lab.sh"));
            foreach (var a in arguments) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"lab.sh {string.Join(' ', arguments)} took over 120 s"); }
            if (p.ExitCode != 0) throw new InvalidOperationException($"lab.sh {string.Join(' ', arguments)} failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
            return stdout.Result;
        }

        /// <summary>Fails with a clear message when the lab is not up, instead of letting every test time out.</summary>
        public static void RequireProfile(string path)
        {
            if (!File.Exists(path))
                throw new InvalidOperationException($"The lab profile {path} does not exist. Start the lab: bash tests/lab/lab.sh up (and up --no-docker), or dotnet pwsh ./build.ps1 -Task LabUp.");
        }
    }
}

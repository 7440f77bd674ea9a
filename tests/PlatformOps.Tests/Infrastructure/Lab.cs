using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Npgsql;

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
        public static string PostgresPasswordFile => Path.Combine(Root, "secrets", "postgres.password");
        public static string PostgresPassword => File.ReadAllText(PostgresPasswordFile).Trim();
        public static string RedisPassword => File.ReadAllText(RedisPasswordFile).Trim();

        /// <summary>The certificate the lab's PostgreSQL serves (tls/server.crt).</summary>
        public static string TlsCertificate => Path.Combine(Root, "tls", "server.crt");

        /// <summary>
        /// The CA that issued the lab's TLS certificate (tls/ca.crt); a lab made before the lab had a CA serves a
        /// self-signed certificate, which is then its own trust anchor.
        /// </summary>
        public static string CertificateAuthority => File.Exists(Path.Combine(Root, "tls", "ca.crt")) ? Path.Combine(Root, "tls", "ca.crt") : TlsCertificate;

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
            => TestProcess.Check("bash", new[] { Path.Combine(RepositoryRoot, "tests", "lab", "lab.sh") }.Concat(arguments).ToArray());

        /// <summary>The Docker-mode PostgreSQL's port, from the lab profile (55432 before the lab is made).</summary>
        public static int PostgresPort => ProfilePort(DockerProfile, "Postgres", 55432);

        /// <summary>The Docker-mode Redis's port, from the lab profile.</summary>
        public static int RedisPort => ProfilePort(DockerProfile, "Redis", 56379);

        /// <summary>The plain-mode (no Docker) PostgreSQL's port, from the plain profile.</summary>
        public static int PlainPostgresPort => ProfilePort(PlainProfile, "Postgres", 55433);

        /// <summary>The plain-mode Redis's port, from the plain profile.</summary>
        public static int PlainRedisPort => ProfilePort(PlainProfile, "Redis", 56380);

        /// <summary>
        /// A connection string for a PostgreSQL on 127.0.0.1: the lab's Docker-mode one unless <paramref name="port"/>
        /// names another (the plain-mode one, a test's own cluster), as postgres with the lab's password unless a login
        /// and password are given; no pooling, so a dropped database is not held.
        /// </summary>
        public static string PostgresConnectionString(string database = "postgres", int? port = null, string user = "postgres", string? password = null, int timeout = 5)
            => new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = port ?? PostgresPort, Database = database, Username = user, Password = password ?? PostgresPassword,
                Pooling = false, Timeout = timeout,
            }.ConnectionString;

        /// <summary>An open connection (see <see cref="PostgresConnectionString"/>).</summary>
        public static NpgsqlConnection OpenPostgres(string database = "postgres", int? port = null, string user = "postgres", string? password = null)
        {
            var c = new NpgsqlConnection(PostgresConnectionString(database, port, user, password));
            c.Open();
            return c;
        }

        private static int ProfilePort(string profile, string section, int fallback)
        {
            if (!File.Exists(profile)) return fallback;
            using var doc = JsonDocument.Parse(File.ReadAllText(profile));
            return doc.RootElement.TryGetProperty(section, out var s) && s.TryGetProperty("Port", out var port) && port.TryGetInt32(out var n) ? n : fallback;
        }

        /// <summary>Fails with a clear message when the lab is not up, instead of letting every test time out.</summary>
        public static void RequireProfile(string path)
        {
            if (!File.Exists(path))
                throw new InvalidOperationException($"The lab profile {path} does not exist. Start the lab: bash tests/lab/lab.sh up (and up --no-docker), or dotnet pwsh ./build.ps1 -Task LabUp.");
        }
    }
}

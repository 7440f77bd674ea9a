using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using PlatformOps.Tests.Infrastructure;

namespace PlatformOps.Tests.Wal
{
    /// <summary>
    /// A PostgreSQL cluster of the test's own (initdb + pg_ctl as the postgres user, 127.0.0.1, a free port in
    /// 55500-55599, a temp folder postgres can traverse), with its own WAL archive, backup folder and profile, so the
    /// restart-requiring and broken-archive tests do not disturb the shared lab. Stopped and removed on Dispose.
    /// </summary>
    public sealed class ThrowawayCluster : IDisposable
    {
        public const string Bin = "/usr/lib/postgresql/15/bin";

        public ThrowawayCluster(bool archiving, string name)
        {
            if (Environment.UserName != "root") throw new InvalidOperationException("The WAL tests start PostgreSQL as the postgres user and must run as root (as CI does).");
            Root = Path.Combine("/tmp", $"pops-wal-{name}-{RandomNumberGenerator.GetHexString(6, lowercase: true)}");
            Directory.CreateDirectory(Root);
            Data = Path.Combine(Root, "data");
            Archive = Path.Combine(Root, "wal-archive");
            Backups = Path.Combine(Root, "backups");
            Directory.CreateDirectory(Archive);
            Directory.CreateDirectory(Backups);
            Password = TestProcess.KeepSecret("pw-" + RandomNumberGenerator.GetHexString(20, lowercase: true));
            File.WriteAllText(Path.Combine(Root, "pw"), Password);
            TestProcess.Check("chown", "-R", "postgres:postgres", Root);
            TestProcess.Check("chmod", "0755", Root);
            TestProcess.Check("chmod", "0600", Path.Combine(Root, "pw"));
            Port = FreePort();
            TestProcess.AsPostgres(Path.Combine(Bin, "initdb"), "-D", Data, "--no-sync", "-E", "UTF8", "--locale=C", "-U", "postgres",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile", Path.Combine(Root, "pw"));
            File.Delete(Path.Combine(Root, "pw"));
            var conf = new List<string>
            {
                $"port = {Port}", "listen_addresses = '127.0.0.1'", $"unix_socket_directories = '{Root}'",
                "wal_level = replica", "max_wal_senders = 4", "fsync = off", "synchronous_commit = off", "shared_buffers = 32MB",
                "logging_collector = on", "log_directory = 'log'", "log_filename = 'postgresql.log'",
            };
            if (archiving)
                conf.AddRange(new[] { "archive_mode = on", $"archive_command = 'test ! -f {Archive}/%f && cp %p {Archive}/%f'" });
            File.AppendAllLines(Path.Combine(Data, "postgresql.conf"), conf);
            File.AppendAllLines(Path.Combine(Data, "pg_hba.conf"), new[] { "host replication all 127.0.0.1/32 scram-sha-256" });
            Start();

            PassFile = Path.Combine(Root, "pgpass");
            File.WriteAllText(PassFile, $"127.0.0.1:{Port}:*:postgres:{Password}\n");
            TestProcess.Check("chmod", "0600", PassFile);
            ProfilePath = Path.Combine(Root, "profile.json");
            File.WriteAllText(ProfilePath, JsonSerializer.Serialize(new
            {
                Name = "throwaway-" + name,
                Postgres = new { Host = "127.0.0.1", Port, Database = "postgres", Username = "postgres", PassFile, DataDirectory = Data, WalArchive = Archive, SslMode = "disable" },
                Backup = new { Path = Backups },
            }));
        }

        public string Root { get; }
        public string Data { get; }
        public string Archive { get; }
        public string Backups { get; }
        public string Password { get; }
        public string PassFile { get; }
        public string ProfilePath { get; }
        public int Port { get; }

        public void Start() => TestProcess.AsPostgres(Path.Combine(Bin, "pg_ctl"), "start", "-D", Data, "-w", "-s", "-l", Path.Combine(Data, "startup.log"));
        public void Restart() => TestProcess.AsPostgres(Path.Combine(Bin, "pg_ctl"), "restart", "-D", Data, "-w", "-s", "-m", "fast", "-l", Path.Combine(Data, "startup.log"));

        public NpgsqlConnection Open(string database = "postgres", int? port = null) => Lab.OpenPostgres(database, port ?? Port, "postgres", Password);

        public void Exec(string sql, int? port = null)
        {
            using var c = Open(port: port);
            using var cmd = new NpgsqlCommand(sql, c);
            cmd.ExecuteNonQuery();
        }

        public T Scalar<T>(string sql, int? port = null)
        {
            using var c = Open(port: port);
            using var cmd = new NpgsqlCommand(sql, c);
            return (T)cmd.ExecuteScalar()!;
        }

        /// <summary>Stops a server (this one, or a restored copy) whose data directory is given.</summary>
        public static void StopServer(string dataDirectory)
        {
            if (File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
                TestProcess.AsPostgres(Path.Combine(Bin, "pg_ctl"), "stop", "-D", dataDirectory, "-m", "immediate", "-w", "-s");
        }

        public void Dispose()
        {
            try
            {
                StopServer(Data);
            }
            finally
            {
                Directory.Delete(Root, recursive: true);
            }
        }

        private static int FreePort()
        {
            var port = 55500 + RandomNumberGenerator.GetInt32(100);
            for (var tries = 0; tries < 100; tries++, port = port == 55599 ? 55500 : port + 1)
            {
                try
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listener.Stop();
                    return port;
                }
                catch (SocketException)
                {
                }
            }
            throw new InvalidOperationException("No free port in 55500-55599.");
        }
    }
}

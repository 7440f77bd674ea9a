using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using Npgsql;
using PlatformOps.Common;

namespace PlatformOps.Postgres
{
    /// <summary>
    /// Where a PostgreSQL server is and how to log in to it. Resolved from, in order: explicit parameters, the
    /// platform profile, then libpq's environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGPASSFILE, ~/.pgpass).
    /// The password is held privately and never shown; <see cref="ToString"/> masks it.
    /// </summary>
    public sealed class PostgresTarget
    {
        public PostgresTarget(string host, int port, string database, string username, string? password, string? passFile,
            string? container, string sslMode = "Prefer")
        {
            Host = host;
            Port = port;
            Database = database;
            Username = username;
            Password = password;
            PassFile = passFile;
            Container = container;
            SslMode = sslMode;
        }

        public string Host { get; }
        public int Port { get; }
        public string Database { get; }
        public string Username { get; }
        public string? Container { get; }
        public string SslMode { get; }
        /// <summary>The pass file the password came from, if any: child processes such as pg_dump are given this path, never the password.</summary>
        public string? PassFile { get; }
        internal string? Password { get; }

        public string Endpoint => $"{Host}:{Port}";

        /// <summary>The same server, another database.</summary>
        public PostgresTarget WithDatabase(string database)
            => new PostgresTarget(Host, Port, database, Username, Password, PassFile, Container, SslMode);

        public string ConnectionString(int timeoutSeconds = 5, string applicationName = "PlatformOps")
        {
            var builder = new NpgsqlConnectionStringBuilder
            {
                Host = Host,
                Port = Port,
                Database = Database,
                Username = Username,
                Password = Password,
                Timeout = timeoutSeconds,
                CommandTimeout = 0,
                ApplicationName = applicationName,
                SslMode = (SslMode)Enum.Parse(typeof(SslMode), SslMode.Replace("-", string.Empty), ignoreCase: true),
                Pooling = true,
                MaxPoolSize = 20,
            };
            return builder.ConnectionString;
        }

        /// <summary>Opens a connection, turning the usual failures into errors that say what to do.</summary>
        public async System.Threading.Tasks.Task<NpgsqlConnection> OpenAsync(System.Threading.CancellationToken cancellationToken, int timeoutSeconds = 5)
        {
            var connection = new NpgsqlConnection(ConnectionString(timeoutSeconds));
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                connection.Dispose();
                throw Explain(ex);
            }
        }

        /// <summary>
        /// Opens a connection and proves it with a round trip: a pooled connection that a server restart broke
        /// (57P01 and the like) is dropped with its pool and a new one opened, once.
        /// </summary>
        public async System.Threading.Tasks.Task<NpgsqlConnection> OpenCheckedAsync(System.Threading.CancellationToken cancellationToken, int timeoutSeconds = 5)
        {
            var connection = await OpenAsync(cancellationToken, timeoutSeconds).ConfigureAwait(false);
            try
            {
                using var probe = new NpgsqlCommand("select 1", connection);
                await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch (Exception ex) when ((ex is NpgsqlException || ex is System.IO.IOException) && !cancellationToken.IsCancellationRequested)
            {
                NpgsqlConnection.ClearPool(connection);
                connection.Dispose();
                return await OpenAsync(cancellationToken, timeoutSeconds).ConfigureAwait(false);
            }
        }

        /// <summary>Maps a connection failure to a PlatformOpsException with a stable id and a remedy.</summary>
        public PlatformOpsException Explain(Exception ex)
        {
            if (ex is PostgresException pg)
            {
                switch (pg.SqlState)
                {
                    case "28P01":
                    case "28000":
                        return new PlatformOpsException("PostgresAuthenticationFailed", ErrorCategory.AuthenticationError, this,
                            $"PostgreSQL at {Endpoint} refused user '{Username}': {pg.MessageText}. Check the credential or pass file.", ex);
                    case "3D000":
                        return new PlatformOpsException("PostgresDatabaseNotFound", ErrorCategory.ObjectNotFound, this,
                            $"PostgreSQL at {Endpoint} has no database '{Database}'.", ex);
                    case "57P03":
                        return new PlatformOpsException("PostgresNotReady", ErrorCategory.ResourceUnavailable, this,
                            $"PostgreSQL at {Endpoint} is starting up or shutting down: {pg.MessageText}.", ex);
                }
                return new PlatformOpsException("PostgresError", ErrorCategory.InvalidOperation, this,
                    $"PostgreSQL at {Endpoint} failed: {pg.SqlState} {pg.MessageText}", ex);
            }
            if (ex is NpgsqlException && ex.Message.IndexOf("password", StringComparison.OrdinalIgnoreCase) >= 0)
                return new PlatformOpsException("PostgresPasswordMissing", ErrorCategory.AuthenticationError, this,
                    $"PostgreSQL at {Endpoint} asks user '{Username}' for a password and none was found. Pass -Credential, a pass file, or set PGPASSFILE.", ex);
            if (ex is TimeoutException || ex.InnerException is TimeoutException)
                return new PlatformOpsException("PostgresTimeout", ErrorCategory.OperationTimeout, this,
                    $"PostgreSQL at {Endpoint} did not answer in time. Check that the server is running and reachable.", ex);
            return new PlatformOpsException("PostgresUnreachable", ErrorCategory.ConnectionError, this,
                $"Cannot connect to PostgreSQL at {Endpoint}: {PlatformErrors.Reason(ex)}. Check that the server is running and the host and port are right.", ex);
        }

        public override string ToString() => $"postgresql://{Username}@{Host}:{Port}/{Database}";

        /// <summary>Resolves a target from parameters, profile and environment.</summary>
        public static PostgresTarget Resolve(string? server, int? port, string? database, PSCredential? credential, string? passFile,
            PlatformProfile? profile, Func<string, string?>? environment = null)
        {
            environment ??= Environment.GetEnvironmentVariable;
            var settings = profile?.Postgres;

            var (host, portFromServer) = ConnectionSettings.SplitHostPort(server);
            host = ConnectionSettings.FirstOf(host, settings?.Host, environment("PGHOST"), "localhost")!;
            var envPort = int.TryParse(environment("PGPORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var ep) ? ep : (int?)null;
            var resolvedPort = port ?? portFromServer ?? settings?.Port ?? envPort ?? 5432;
            var user = ConnectionSettings.FirstOf(credential?.UserName, settings?.Username, environment("PGUSER"), Environment.UserName)!;
            var db = ConnectionSettings.FirstOf(database, settings?.Database, environment("PGDATABASE"), user)!;
            var sslMode = ConnectionSettings.FirstOf(settings?.SslMode, environment("PGSSLMODE"), "prefer")!;

            string? password = null;
            string? usedPassFile = null;
            if (credential != null && credential.Password.Length > 0)
            {
                password = Sensitive.Reveal(credential.Password);
            }
            else
            {
                var candidates = new[]
                {
                    passFile,
                    settings?.PassFile,
                    environment("PGPASSWORD") != null ? null : environment("PGPASSFILE"),
                };
                foreach (var candidate in candidates)
                {
                    if (string.IsNullOrEmpty(candidate)) continue;
                    if (!File.Exists(candidate))
                        throw new PlatformOpsException("PostgresPassFileNotFound", ErrorCategory.ObjectNotFound, candidate,
                            $"The pass file '{candidate}' does not exist.");
                    password = PgPassFile.Lookup(candidate!, host, resolvedPort, db, user);
                    usedPassFile = candidate;
                    if (password != null) break;
                }
                if (password == null) password = environment("PGPASSWORD");
                if (password == null && usedPassFile == null)
                {
                    var home = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                    var defaultPassFile = System.IO.Path.Combine(home ?? ".", ".pgpass");
                    if (File.Exists(defaultPassFile))
                    {
                        password = PgPassFile.Lookup(defaultPassFile, host, resolvedPort, db, user);
                        if (password != null) usedPassFile = defaultPassFile;
                    }
                }
            }
            return new PostgresTarget(host, resolvedPort, db, user, password, usedPassFile, settings?.Container, sslMode);
        }
    }
}

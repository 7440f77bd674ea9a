using System;
using System.Collections.Generic;
using System.Threading;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Common.Completers;

namespace PlatformOps.Postgres
{
    /// <summary>
    /// Asks the PostgreSQL server the command would talk to (its -Server, -Port, -UserName, -PasswordFile and
    /// -Credential as typed, then the profile, then PG* variables) for a list, within the completion budget.
    /// </summary>
    public abstract class PostgresListCompleter : PlatformCompleter
    {
        /// <summary>A query returning the candidate in its first column and a tooltip in its second.</summary>
        protected abstract string Query { get; }

        internal static PostgresTarget Target(CompletionRequest request)
            => PostgresTarget.Resolve(request.Value("Server"), request.Number("Port"), "postgres",
                request.Credential() ?? (request.Value("UserName", "User") is string user
                    ? new System.Management.Automation.PSCredential(user, new System.Security.SecureString()) : null),
                request.Value("PasswordFile", "PassFile"), request.Profile);

        protected override string? CacheKey(CompletionRequest request)
        {
            var t = Target(request);
            return $"{t.Username}@{t.Host}:{t.Port}";
        }

        protected override IReadOnlyList<CompletionCandidate> Candidates(CompletionRequest request, CancellationToken cancellationToken)
            => Read(Target(request), Query, cancellationToken);

        internal static IReadOnlyList<CompletionCandidate> Read(PostgresTarget target, string query, CancellationToken cancellationToken)
        {
            var list = new List<CompletionCandidate>();
            using var connection = target.OpenAsync(cancellationToken, timeoutSeconds: 1).GetAwaiter().GetResult();
            using var command = new NpgsqlCommand(query, connection) { CommandTimeout = 1 };
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                list.Add(new CompletionCandidate(reader.GetString(0), reader.FieldCount > 1 && !reader.IsDBNull(1) ? Convert.ToString(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) : null));
            }
            return list;
        }
    }

    /// <summary>The databases of the server that accept connections (not templates), with their size.</summary>
    public sealed class DatabaseCompleter : PostgresListCompleter
    {
        protected override string Query =>
            "SELECT datname, 'database, ' || pg_size_pretty(pg_database_size(oid)) FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1";
    }
}

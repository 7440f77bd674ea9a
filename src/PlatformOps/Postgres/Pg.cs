using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace PlatformOps.Postgres
{
    /// <summary>Small helpers for SQL on an open connection (quoting is <see cref="PgSql"/>).</summary>
    internal static class Pg
    {
        public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
        {
            using var command = new NpgsqlCommand(sql, connection);
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is DBNull ? null : value;
        }

        public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
        {
            using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Closes a connection for good (not back to the pool): a pooled idle session would keep a database "being accessed".</summary>
        public static void Release(NpgsqlConnection connection)
        {
            try
            {
                NpgsqlConnection.ClearPool(connection);
            }
            finally
            {
                connection.Dispose();
            }
        }

        /// <summary>The ordinary tables pg_dump dumps the data of (no system schemas, no extension members).</summary>
        public static async Task<List<(string Schema, string Name)>> ListTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            const string sql = @"SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2";
            var tables = new List<(string, string)>();
            using var command = new NpgsqlCommand(sql, connection);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) tables.Add((reader.GetString(0), reader.GetString(1)));
            return tables;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Roles
{
    /// <summary>What Remove-DbRole does with the objects a role owns.</summary>
    public enum DbRoleOwnedObjectAction
    {
        /// <summary>Refuse to remove a role that owns objects (the default, like Remove-Item on a non-empty folder).</summary>
        Refuse,
        /// <summary>REASSIGN OWNED BY role TO another role: the objects are kept.</summary>
        Reassign,
        /// <summary>DROP OWNED BY role: the objects are dropped with the role.</summary>
        Drop,
    }

    /// <summary>What a role owns in one database (or, with a null Database, the shared objects: databases and tablespaces).</summary>
    public sealed class DbOwnedObjects
    {
        /// <summary>The database; null for shared objects (databases, tablespaces).</summary>
        public string? Database { get; internal set; }
        /// <summary>How many objects the role owns there (default-privilege entries not counted).</summary>
        public int Count { get; internal set; }
        /// <summary>The objects as PostgreSQL identifies them ("table public.orders"), at most <see cref="RoleRemover.NamesPerDatabase"/>.</summary>
        public IReadOnlyList<string> Names { get; internal set; } = Array.Empty<string>();
        /// <summary>False when the database does not accept connections: nothing there can be reassigned or dropped from here.</summary>
        public bool Reachable { get; internal set; } = true;
        /// <summary>Why the database could not be read, when it could not.</summary>
        public string? Problem { get; internal set; }

        public override string ToString() => $"{Database ?? "(shared)"}: {Count}";
    }

    /// <summary>What Remove-DbRole will do, known before it does it.</summary>
    public sealed class RoleRemovalPlan
    {
        internal RoleRemovalPlan(string role, DbRoleOwnedObjectAction action, string? reassignTo, IList<string> databases,
            IList<DbOwnedObjects> owned, IList<string> statements)
        {
            Role = role; Action = action; ReassignTo = reassignTo; Databases = databases.ToList(); Owned = owned.ToList(); Statements = statements.ToList();
        }
        public string Role { get; }
        public DbRoleOwnedObjectAction Action { get; }
        public string? ReassignTo { get; }
        /// <summary>The databases where the role owns objects or holds privileges (REASSIGN/DROP OWNED run in each); the connection's own first.</summary>
        public IReadOnlyList<string> Databases { get; }
        /// <summary>What the role owns, per database, shared objects last.</summary>
        public IReadOnlyList<DbOwnedObjects> Owned { get; }
        public int OwnedObjects => Owned.Sum(o => o.Count);
        public IReadOnlyList<string> Statements { get; }
        public string Script => string.Join(Environment.NewLine, Statements);

        /// <summary>The owned objects named for a message: at most <paramref name="max"/>, then "and N more".</summary>
        public string Describe(int max = RoleRemover.NamesInMessage) => RoleRemover.Describe(Owned, max);
    }

    /// <summary>
    /// Removes database roles safely: finds what a role owns in every database of the cluster (pg_shdepend, which covers
    /// every database and the shared catalogs) and names it; refuses unless the caller said to reassign or drop it.
    /// Knows nothing of the PowerShell host.
    /// </summary>
    public static class RoleRemover
    {
        /// <summary>Objects named per database in a plan.</summary>
        public const int NamesPerDatabase = 50;
        /// <summary>Objects named in a refusal message before "and N more".</summary>
        public const int NamesInMessage = 10;

        private const string RoleSql = @"
select r.oid, r.rolname = current_user, (select oid from pg_roles where rolname = @to) is not null, current_database()
from pg_roles r where r.rolname = @role";

        // Every dependency of the role, per database (dbid 0: shared objects). deptype o = owner, a = ACL, r = policy, i = initial ACL.
        private const string DependenciesSql = @"
select d.datname, s.dbid = 0, coalesce(d.datallowconn, true),
       count(*) filter (where s.deptype = 'o' and s.classid <> 'pg_default_acl'::regclass)::int
from pg_shdepend s left join pg_database d on d.oid = s.dbid
where s.refclassid = 'pg_authid'::regclass and s.refobjid = @oid
group by 1, 2, 3
order by 2, 1";

        private const string SharedNamesSql = @"
select (select o.type || ' ' || o.identity from pg_identify_object(s.classid, s.objid, s.objsubid) o), s.classid = 'pg_database'::regclass or s.classid = 'pg_tablespace'::regclass
from pg_shdepend s
where s.refclassid = 'pg_authid'::regclass and s.refobjid = @oid and s.dbid = 0 and s.deptype = 'o'
order by 1";

        private const string LocalNamesSql = @"
select (select o.type || ' ' || o.identity from pg_identify_object(s.classid, s.objid, s.objsubid) o)
from pg_shdepend s join pg_database d on d.oid = s.dbid and d.datname = current_database()
where s.refclassid = 'pg_authid'::regclass and s.refobjid = @oid and s.deptype = 'o' and s.classid <> 'pg_default_acl'::regclass
order by 1 limit @limit";

        private const string LocalCountSql = @"
select count(*)::int
from pg_shdepend s join pg_database d on d.oid = s.dbid and d.datname = current_database()
where s.refclassid = 'pg_authid'::regclass and s.refobjid = (select oid from pg_roles where rolname = @role)
  and s.deptype = 'o' and s.classid <> 'pg_default_acl'::regclass";

        /// <summary>
        /// Finds what a role owns, in every database and among the shared objects, and plans its removal. Throws
        /// DbRoleOwnsObjects (naming them) when it owns objects and <paramref name="action"/> is Refuse.
        /// </summary>
        public static async Task<RoleRemovalPlan> PlanAsync(PostgresTarget target, string role, DbRoleOwnedObjectAction action, string? reassignTo,
            CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            PgSql.CheckIdentifier(role);
            if (action == DbRoleOwnedObjectAction.Reassign)
            {
                if (reassignTo == null) throw new ArgumentNullException(nameof(reassignTo));
                PgSql.CheckIdentifier(reassignTo);
            }
            else
            {
                reassignTo = null;
            }
            if (role.StartsWith("pg_", StringComparison.Ordinal))
                throw new PlatformOpsException("DbRoleNameReserved", ErrorCategory.InvalidArgument, role, $"'{role}' is a PostgreSQL built-in role and cannot be removed.");
            if (reassignTo == role)
                throw new PlatformOpsException("DbRoleReassignInvalid", ErrorCategory.InvalidArgument, reassignTo, "A role cannot be reassigned to itself.");

            using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
            uint oid;
            string current;
            try
            {
                using (var command = new NpgsqlCommand(RoleSql, connection))
                {
                    command.Parameters.AddWithValue("role", role);
                    command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Text) { Value = (object?)reassignTo ?? DBNull.Value });
                    using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        throw new PlatformOpsException("DbRoleNotFound", ErrorCategory.ObjectNotFound, role, $"Role '{role}' does not exist at {target.Endpoint}.");
                    oid = reader.GetFieldValue<uint>(0);
                    if (reader.GetBoolean(1))
                        throw new PlatformOpsException("DbRoleIsCurrentUser", ErrorCategory.InvalidOperation, role, $"'{role}' is the role this connection uses. Connect as another role to remove it.");
                    if (reassignTo != null && !reader.GetBoolean(2))
                        throw new PlatformOpsException("DbRoleNotFound", ErrorCategory.ObjectNotFound, reassignTo, $"Role '{reassignTo}' (the new owner) does not exist at {target.Endpoint}.");
                    current = reader.GetString(3);
                }

                var databases = new List<string> { current };
                var owned = new List<DbOwnedObjects>();
                var unreachable = new List<string>();
                DbOwnedObjects? shared = null;
                using (var command = new NpgsqlCommand(DependenciesSql, connection))
                {
                    command.Parameters.AddWithValue("oid", NpgsqlDbType.Oid, oid);
                    using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var count = reader.GetInt32(3);
                        if (reader.GetBoolean(1))
                        {
                            if (count > 0) shared = new DbOwnedObjects { Database = null, Count = count };
                            continue;
                        }
                        var db = reader.GetString(0);
                        var allowed = reader.GetBoolean(2);
                        if (!allowed) unreachable.Add(db);
                        if (db != current) databases.Add(db);
                        if (count > 0) owned.Add(new DbOwnedObjects { Database = db, Count = count, Reachable = allowed, Problem = allowed ? null : "the database does not accept connections" });
                    }
                }

                // Name what it owns: shared objects from this connection, the rest from a connection to each database.
                var sharedBlocking = new List<string>();
                if (shared != null)
                {
                    var names = new List<string>();
                    using var command = new NpgsqlCommand(SharedNamesSql, connection);
                    command.Parameters.AddWithValue("oid", NpgsqlDbType.Oid, oid);
                    using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        names.Add(reader.GetString(0));
                        if (reader.GetBoolean(1)) sharedBlocking.Add(reader.GetString(0));
                    }
                    shared.Names = names.Take(NamesPerDatabase).ToList();
                }
                foreach (var entry in owned.Where(o => o.Reachable))
                {
                    try
                    {
                        entry.Names = await NamesInAsync(entry.Database == current ? connection : null, target.WithDatabase(entry.Database!), oid, cancellationToken).ConfigureAwait(false);
                    }
                    catch (PlatformOpsException ex)
                    {
                        entry.Reachable = false;
                        entry.Problem = ex.Message;
                        unreachable.Add(entry.Database!);
                    }
                }
                owned.Sort((a, b) => a.Database == current ? -1 : b.Database == current ? 1 : string.CompareOrdinal(a.Database, b.Database));
                if (shared != null) owned.Add(shared);

                var plan = Script(role, action, reassignTo, databases, owned);
                var total = plan.OwnedObjects;
                if (action == DbRoleOwnedObjectAction.Refuse && total > 0)
                    throw new PlatformOpsException("DbRoleOwnsObjects", ErrorCategory.InvalidOperation, role,
                        $"Role '{role}' owns {Count(total)} at {target.Endpoint} and was not removed: {plan.Describe()}. " +
                        $"Give -ReassignTo <role> to keep them (REASSIGN OWNED), or -DropOwnedObjects to drop them with the role.");
                var blocked = unreachable.Distinct(StringComparer.Ordinal).ToList();
                if (blocked.Count > 0)
                    throw new PlatformOpsException("DbRoleDatabaseUnreachable", ErrorCategory.ConnectionError, role,
                        $"Role '{role}' owns objects or holds privileges in database(s) {string.Join(", ", blocked.Select(b => "'" + b + "'"))}, which cannot be opened " +
                        $"({string.Join("; ", owned.Where(o => !o.Reachable && o.Problem != null).Select(o => o.Problem).Distinct())}). Nothing was changed. " +
                        "Allow connections there (or connect as a role that may), reassign or drop what it owns there, then retry.");
                if (action == DbRoleOwnedObjectAction.Drop && sharedBlocking.Count > 0)
                    throw new PlatformOpsException("DbRoleOwnsSharedObjects", ErrorCategory.InvalidOperation, role,
                        $"Role '{role}' owns {string.Join(", ", sharedBlocking)}, which DROP OWNED does not drop. Nothing was changed. " +
                        "Give -ReassignTo <role> instead, or change their owner (ALTER DATABASE ... OWNER TO) or drop them first.");
                return plan;
            }
            catch (PostgresException ex)
            {
                throw target.Explain(ex);
            }
        }

        private static async Task<IReadOnlyList<string>> NamesInAsync(NpgsqlConnection? open, PostgresTarget target, uint oid, CancellationToken cancellationToken)
        {
            var connection = open ?? await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var names = new List<string>();
                using var command = new NpgsqlCommand(LocalNamesSql, connection);
                command.Parameters.AddWithValue("oid", NpgsqlDbType.Oid, oid);
                command.Parameters.AddWithValue("limit", NamesPerDatabase);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) names.Add(reader.GetString(0));
                return names;
            }
            finally
            {
                if (open == null) connection.Dispose();
            }
        }

        private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture) + (n == 1 ? " object" : " objects");

        internal static string Describe(IEnumerable<DbOwnedObjects> owned, int max)
        {
            var list = owned.ToList();
            // One item per named object; a database whose objects could not be named counts as one item of N objects.
            var items = new List<(string Text, int Objects)>();
            foreach (var o in list)
            {
                var where = o.Database == null ? null : $"in database '{o.Database}'";
                if (o.Names.Count == 0)
                    items.Add(($"{Count(o.Count)} {where ?? "shared"}{(o.Problem != null ? " (" + o.Problem + ")" : string.Empty)}", o.Count));
                else
                    items.AddRange(o.Names.Select(n => (where == null ? n : $"{n} ({where})", 1)));
            }
            var shown = items.Take(max).ToList();
            var more = list.Sum(o => o.Count) - shown.Sum(x => x.Objects);
            return string.Join(", ", shown.Select(x => x.Text)) + (more > 0 ? $" and {more} more" : string.Empty);
        }

        private static RoleRemovalPlan Script(string role, DbRoleOwnedObjectAction action, string? reassignTo, IList<string> databases, IList<DbOwnedObjects> owned)
        {
            var statements = PerDatabase(role, action, reassignTo);
            var script = new List<string>();
            foreach (var db in databases)
            {
                script.Add($"-- in database {PgSql.Ident(db)}");
                script.AddRange(statements.Select(s => s + ";"));
            }
            script.Add($"DROP ROLE {PgSql.Ident(role)};");
            return new RoleRemovalPlan(role, action, reassignTo, databases, owned, script);
        }

        private static List<string> PerDatabase(string role, DbRoleOwnedObjectAction action, string? reassignTo)
        {
            var ident = PgSql.Ident(role);
            var statements = new List<string>();
            if (action == DbRoleOwnedObjectAction.Reassign) statements.Add($"REASSIGN OWNED BY {ident} TO {PgSql.Ident(reassignTo!)}");
            // After REASSIGN (or with nothing owned), DROP OWNED only revokes privileges and default privileges.
            statements.Add($"DROP OWNED BY {ident}");
            return statements;
        }

        /// <summary>
        /// Reassigns or drops what the role owns in every database where it has objects or privileges, then drops it.
        /// Under Refuse, each database is checked again in the transaction that runs DROP OWNED: an object created since
        /// the plan stops the removal instead of being dropped.
        /// </summary>
        public static async Task<DbRoleRemoveResult> RemoveAsync(PostgresTarget target, RoleRemovalPlan plan, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            var ident = PgSql.Ident(plan.Role);
            var perDatabase = PerDatabase(plan.Role, plan.Action, plan.ReassignTo);
            // Other databases first; the connection's own database last, in the same transaction as DROP ROLE.
            for (var i = plan.Databases.Count - 1; i >= 0; i--)
            {
                var db = plan.Databases[i];
                var last = i == 0;
                var dbTarget = last ? target : target.WithDatabase(db);
                NpgsqlConnection connection;
                try
                {
                    connection = await dbTarget.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PlatformOpsException ex)
                {
                    throw new PlatformOpsException("DbRoleRemoveFailed", ErrorCategory.ConnectionError, plan.Role,
                        $"Role '{plan.Role}' owns objects or holds privileges in database '{db}', which cannot be opened: {ex.Message}", ex);
                }
                using (connection)
                using (var transaction = connection.BeginTransaction())
                {
                    try
                    {
                        if (plan.Action == DbRoleOwnedObjectAction.Refuse)
                        {
                            using var check = new NpgsqlCommand(LocalCountSql, connection, transaction);
                            check.Parameters.AddWithValue("role", plan.Role);
                            var now = (int)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0);
                            if (now > 0)
                                throw new PlatformOpsException("DbRoleOwnsObjects", ErrorCategory.InvalidOperation, plan.Role,
                                    $"Role '{plan.Role}' now owns {Count(now)} in database '{db}' (created since the plan) and was not removed. " +
                                    "Give -ReassignTo <role> to keep them, or -DropOwnedObjects to drop them with the role.");
                        }
                        var statements = new List<string>(perDatabase);
                        if (last) statements.Add($"DROP ROLE {ident}");
                        foreach (var statement in statements)
                        {
                            using var command = new NpgsqlCommand(statement, connection, transaction);
                            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        }
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (PostgresException ex)
                    {
                        throw new PlatformOpsException(ex.SqlState == "2BP01" ? "DbRoleStillReferenced" : "DbRoleRemoveFailed", ErrorCategory.InvalidOperation, plan.Role,
                            $"Removing role '{plan.Role}' failed in database '{db}': {ex.MessageText}{(string.IsNullOrEmpty(ex.Detail) ? string.Empty : " (" + ex.Detail!.Replace("\n", "; ") + ")")}", ex);
                    }
                }
            }
            return new DbRoleRemoveResult
            {
                Role = plan.Role,
                Server = target.Endpoint,
                ReassignedTo = plan.ReassignTo,
                OwnedObjects = plan.OwnedObjects,
                DroppedObjects = plan.Action == DbRoleOwnedObjectAction.Drop ? plan.OwnedObjects : 0,
                Owned = plan.Owned.SelectMany(o => o.Names.Select(n => o.Database == null ? n : $"{n} (in database '{o.Database}')")).ToList(),
                Databases = plan.Databases,
                Statements = plan.Statements,
                Removed = true,
            };
        }
    }
}

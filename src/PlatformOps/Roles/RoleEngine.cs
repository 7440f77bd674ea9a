using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using PlatformOps.Common;

namespace PlatformOps.Roles
{
    /// <summary>What Remove-DbRole will do, known before it does it.</summary>
    public sealed class RoleRemovalPlan
    {
        internal RoleRemovalPlan(string role, string? reassignTo, IList<string> databases, int ownedObjects, IList<string> statements)
        {
            Role = role; ReassignTo = reassignTo; Databases = databases.ToList(); OwnedObjects = ownedObjects; Statements = statements.ToList();
        }
        public string Role { get; }
        public string? ReassignTo { get; }
        /// <summary>The databases where the role owns objects or holds privileges (REASSIGN/DROP OWNED run in each).</summary>
        public IReadOnlyList<string> Databases { get; }
        public int OwnedObjects { get; }
        public IReadOnlyList<string> Statements { get; }
        public string Script => string.Join(Environment.NewLine, Statements);
    }

    /// <summary>Reads, compares, applies and removes database roles. Knows nothing of the PowerShell host.</summary>
    public static class RoleEngine
    {
        /// <summary>Reads the server and plans the statements that make it match <paramref name="specs"/>.</summary>
        /// <param name="schemas">The schemas whose privileges are kept; null: every non-system schema.</param>
        /// <param name="owners">The roles whose later objects the default privileges cover (they must exist or be in the model).</param>
        /// <param name="defaultOwners">When <paramref name="owners"/> is null: the owners given the connecting user's name; those that do not exist are skipped. Null: the connecting user.</param>
        public static async Task<RolePlan> PlanAsync(PostgresTarget target, IList<DbRoleSpec> specs, IList<string>? schemas, IList<string>? owners,
            Func<string, IList<string>>? defaultOwners, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (specs == null) throw new ArgumentNullException(nameof(specs));
            if (schemas != null) foreach (var s in schemas) PgSql.CheckIdentifier(s, "schema", "DbRoleSchema");
            using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var catalog = await RoleCatalog.ReadAsync(connection, schemas, specs.Where(s => s.Password != null).Select(s => s.Name), cancellationToken).ConfigureAwait(false);
                CheckSchemas(catalog, schemas);
                var explicitOwners = owners != null;
                owners ??= defaultOwners?.Invoke(catalog.CurrentUser) ?? new[] { catalog.CurrentUser };
                return RolePlanner.Plan(catalog, specs, owners, explicitOwners);
            }
            catch (PostgresException ex)
            {
                throw target.Explain(ex);
            }
        }

        /// <summary>Runs a plan in one transaction (all or nothing) and says what changed per role.</summary>
        public static async Task<IList<DbRoleSetResult>> ApplyAsync(PostgresTarget target, RolePlan plan, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            var clock = Stopwatch.StartNew();
            if (!plan.IsEmpty)
            {
                using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
                using var transaction = connection.BeginTransaction();
                // One statement per command, in one transaction: an error names its statement, and nothing stays half done.
                var index = 0;
                try
                {
                    for (; index < plan.Steps.Count; index++)
                    {
                        using var command = new NpgsqlCommand(plan.Steps[index].Sql, connection, transaction);
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex)
                {
                    var step = plan.Steps[Math.Min(index, plan.Steps.Count - 1)];
                    throw new PlatformOpsException("DbRoleApplyFailed", ErrorCategory.InvalidOperation, step.Role,
                        $"PostgreSQL refused '{step.DisplaySql}': {ex.SqlState} {ex.MessageText}. Nothing was changed (the plan runs in one transaction).", ex);
                }
            }
            var elapsed = clock.Elapsed;
            return plan.Roles.Select(role =>
            {
                var steps = plan.Steps.Where(s => s.Role == role).ToList();
                var drift = steps.SelectMany(s => s.Drift).ToList();
                return new DbRoleSetResult
                {
                    Database = plan.Database,
                    Role = role,
                    Action = drift.Any(d => d.Kind == DbRoleDriftKind.MissingRole) ? "Created" : steps.Count > 0 ? "Changed" : "Unchanged",
                    Changes = drift.Count,
                    Statements = steps.Select(s => s.DisplaySql).ToList(),
                    Drift = drift,
                    Elapsed = elapsed,
                };
            }).ToList();
        }

        /// <summary>Roles with attributes, memberships, effective privileges per schema and object kind, and default privileges.</summary>
        public static async Task<IList<DbRole>> GetAsync(PostgresTarget target, Func<string, bool>? include, IList<string>? schemas, bool includeSystem,
            bool includePublic, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (schemas != null) foreach (var s in schemas) PgSql.CheckIdentifier(s, "schema", "DbRoleSchema");
            RoleCatalog catalog;
            using (var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    catalog = await RoleCatalog.ReadAsync(connection, schemas, null, cancellationToken).ConfigureAwait(false);
                    CheckSchemas(catalog, schemas);
                }
                catch (PostgresException ex)
                {
                    throw target.Explain(ex);
                }
            }

            var result = new List<DbRole>();
            foreach (var row in catalog.Roles.Values.OrderBy(r => r.Name, StringComparer.Ordinal))
            {
                if (!includeSystem && row.Name.StartsWith("pg_", StringComparison.Ordinal)) continue;
                if (include != null && !include(row.Name)) continue;
                result.Add(Describe(catalog, row, includePublic));
            }
            return result;
        }

        private static DbRole Describe(RoleCatalog catalog, RoleRow row, bool includePublic)
        {
            var via = catalog.InheritedRoles(row.Name);
            var privileges = new List<DbRolePrivilege>();
            var grantees = new List<string?>(via);
            if (includePublic) grantees.Add(null);
            foreach (var grantee in grantees)
            {
                foreach (var g in catalog.Grants.Where(x => x.Grantee == grantee && !x.OwnedByGrantee)
                                               .GroupBy(x => (x.Schema, x.Kind, x.Privilege)))
                {
                    var (schema, kind, privilege) = g.Key;
                    if (schema != null && kind != DbObjectKind.Schema && catalog.Schemas.TryGetValue(schema, out _) == false) continue;
                    var total = kind == DbObjectKind.Database || kind == DbObjectKind.Schema ? 1 : catalog.ObjectsNotOwnedBy(schema!, kind, row.Name);
                    privileges.Add(new DbRolePrivilege
                    {
                        Role = row.Name,
                        Schema = schema,
                        ObjectKind = kind,
                        Privilege = privilege,
                        Objects = g.Sum(x => x.Count),
                        Total = total,
                        Via = grantee ?? "PUBLIC",
                        WithGrantOption = g.Any(x => x.GrantOption),
                    });
                }
            }
            var defaults = catalog.Defaults.Where(d => d.Grantee == row.Name)
                .GroupBy(d => (d.Owner, d.Schema, d.Kind))
                .Select(g => new DbDefaultPrivilege
                {
                    Owner = g.Key.Owner, Schema = g.Key.Schema, ObjectKind = g.Key.Kind, Grantee = row.Name,
                    Privileges = DbRoleText.Sorted(g.Select(d => d.Privilege).Distinct(StringComparer.Ordinal)),
                }).OrderBy(d => d.Owner, StringComparer.Ordinal).ThenBy(d => d.Schema, StringComparer.Ordinal).ThenBy(d => d.ObjectKind).ToList();

            return new DbRole
            {
                Name = row.Name,
                Database = catalog.Database,
                Login = row.Login,
                Superuser = row.Superuser,
                Inherit = row.Inherit,
                CreateRole = row.CreateRole,
                CreateDb = row.CreateDb,
                Replication = row.Replication,
                BypassRls = row.BypassRls,
                ConnectionLimit = row.ConnectionLimit,
                ValidUntil = row.ValidUntil,
                PasswordType = row.PasswordType,
                MemberOf = DbRoleText.Sorted(catalog.GroupsOf(row.Name)),
                Members = DbRoleText.Sorted(catalog.Memberships.Where(m => m.Group == row.Name).Select(m => m.Member)),
                Privileges = privileges.OrderBy(p => p.Schema ?? string.Empty, StringComparer.Ordinal).ThenBy(p => p.ObjectKind)
                                       .ThenBy(p => p.Privilege, StringComparer.Ordinal).ThenBy(p => p.Via, StringComparer.Ordinal).ToList(),
                DefaultPrivileges = defaults,
                OwnedObjects = catalog.Objects.Where(o => o.Owner == row.Name).Sum(o => o.Count),
            };
        }

        private static void CheckSchemas(RoleCatalog catalog, IList<string>? schemas)
        {
            if (schemas == null) return;
            var missing = schemas.Where(s => !catalog.Schemas.ContainsKey(s)).ToList();
            if (missing.Count > 0)
                throw new PlatformOpsException("DbRoleSchemaNotFound", ErrorCategory.ObjectNotFound, missing[0],
                    $"Database '{catalog.Database}' has no schema {string.Join(", ", missing.Select(m => "'" + m + "'"))}.");
        }

        /// <summary>Finds what a role owns and where, and the statements that reassign or drop it and then drop the role.</summary>
        public static async Task<RoleRemovalPlan> PlanRemoveAsync(PostgresTarget target, string role, string? reassignTo, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            PgSql.CheckIdentifier(role);
            if (reassignTo != null) PgSql.CheckIdentifier(reassignTo);
            using var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false);
            const string sql = @"
select r.oid, current_user, r.rolname = current_user, (select oid from pg_roles where rolname = @to) is not null,
       (select count(*)::int from pg_shdepend s where s.refclassid = 'pg_authid'::regclass and s.refobjid = r.oid and s.deptype = 'o'),
       array(select distinct d.datname from pg_shdepend s join pg_database d on d.oid = s.dbid
             where s.refclassid = 'pg_authid'::regclass and s.refobjid = r.oid and d.datname <> current_database() order by 1),
       current_database()
from pg_roles r where r.rolname = @role";
            using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("role", role);
            command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Text) { Value = (object?)reassignTo ?? DBNull.Value });
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                throw new PlatformOpsException("DbRoleNotFound", ErrorCategory.ObjectNotFound, role, $"Role '{role}' does not exist.");
            if (role.StartsWith("pg_", StringComparison.Ordinal))
                throw new PlatformOpsException("DbRoleNameReserved", ErrorCategory.InvalidArgument, role, $"'{role}' is a PostgreSQL built-in role and cannot be removed.");
            if (reader.GetBoolean(2))
                throw new PlatformOpsException("DbRoleIsCurrentUser", ErrorCategory.InvalidOperation, role, $"'{role}' is the role this connection uses. Connect as another role to remove it.");
            if (reassignTo != null && !reader.GetBoolean(3))
                throw new PlatformOpsException("DbRoleNotFound", ErrorCategory.ObjectNotFound, reassignTo, $"Role '{reassignTo}' (the new owner) does not exist.");
            if (reassignTo == role)
                throw new PlatformOpsException("DbRoleReassignInvalid", ErrorCategory.InvalidArgument, reassignTo, "A role cannot be reassigned to itself.");
            var owned = reader.GetInt32(4);
            var databases = new List<string> { reader.GetString(6) };
            databases.AddRange(reader.GetFieldValue<string[]>(5));
            var ident = PgSql.Ident(role);
            var statements = new List<string>();
            if (reassignTo != null) statements.Add($"REASSIGN OWNED BY {ident} TO {PgSql.Ident(reassignTo)}");
            statements.Add($"DROP OWNED BY {ident}");
            var script = new List<string>();
            foreach (var db in databases)
            {
                script.Add($"-- in database {PgSql.Ident(db)}");
                script.AddRange(statements.Select(s => s + ";"));
            }
            script.Add($"DROP ROLE {ident};");
            return new RoleRemovalPlan(role, reassignTo, databases, owned, script);
        }

        /// <summary>Reassigns or drops what the role owns in every database where it has objects or privileges, then drops it.</summary>
        public static async Task<DbRoleRemoveResult> RemoveAsync(PostgresTarget target, RoleRemovalPlan plan, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            var ident = PgSql.Ident(plan.Role);
            var perDatabase = new List<string>();
            if (plan.ReassignTo != null) perDatabase.Add($"REASSIGN OWNED BY {ident} TO {PgSql.Ident(plan.ReassignTo)}");
            perDatabase.Add($"DROP OWNED BY {ident}");
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
                    var statements = new List<string>(perDatabase);
                    if (last) statements.Add($"DROP ROLE {ident}");
                    try
                    {
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
                ReassignedTo = plan.ReassignTo,
                OwnedObjects = plan.OwnedObjects,
                Databases = plan.Databases,
                Statements = plan.Statements,
                Removed = true,
            };
        }
    }
}

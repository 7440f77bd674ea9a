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
using PlatformOps.Postgres;

namespace PlatformOps.Roles
{
    /// <summary>Reads, compares and applies database roles (RoleRemover removes them). Knows nothing of the PowerShell host.</summary>
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
                var role = Describe(catalog, row, includePublic);
                role.Server = target.Endpoint;
                role.Connection = target.WithDatabase(catalog.Database);
                result.Add(role);
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
    }
}

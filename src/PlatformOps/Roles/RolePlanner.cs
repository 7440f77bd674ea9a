using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Roles
{
    /// <summary>One statement of a plan and the differences it removes.</summary>
    internal sealed class RoleStep
    {
        public RoleStep(string role, int phase, string sql, string displaySql)
        {
            Role = role; Phase = phase; Sql = sql; DisplaySql = displaySql;
        }
        public string Role { get; }
        /// <summary>Execution order across roles: 0 create, 1 attributes, 2 revoke memberships, 3 grant memberships, 4 revoke privileges, 5 grant privileges, 6 default privileges.</summary>
        public int Phase { get; }
        public string Sql { get; }
        /// <summary>The statement as shown: password verifiers masked.</summary>
        public string DisplaySql { get; }
        public List<DbRoleDrift> Drift { get; } = new List<DbRoleDrift>();
    }

    /// <summary>The statements that make the server match the desired roles, in execution order, and what they fix.</summary>
    public sealed class RolePlan
    {
        internal RolePlan(string database, IList<string> roles, List<RoleStep> steps, List<DbRoleDrift> notices, IList<string> owners, IList<string> schemas)
        {
            Database = database; Roles = roles.ToList(); Steps = steps; Notices = notices; Owners = owners.ToList(); Schemas = schemas.ToList();
        }

        public string Database { get; }
        /// <summary>The roles the plan covers, in the order they were asked for.</summary>
        public IReadOnlyList<string> Roles { get; }
        public IReadOnlyList<string> Owners { get; }
        public IReadOnlyList<string> Schemas { get; }
        internal List<RoleStep> Steps { get; }
        /// <summary>Differences no statement of Set-DbRole removes (uncovered owners).</summary>
        internal List<DbRoleDrift> Notices { get; }

        public bool IsEmpty => Steps.Count == 0;
        public int StatementCount => Steps.Count;

        /// <summary>Every difference, in plan order, the ones without a fix last.</summary>
        public IEnumerable<DbRoleDrift> Drift => Steps.SelectMany(s => s.Drift).Concat(Notices);

        /// <summary>The SQL script as it would run (passwords masked), one statement per line, in a transaction.</summary>
        public string Script => Steps.Count == 0
            ? "-- no changes"
            : "BEGIN;" + Environment.NewLine + string.Join(Environment.NewLine, Steps.Select(s => s.DisplaySql + ";")) + Environment.NewLine + "COMMIT;";
    }

    /// <summary>Compares desired role specs with a catalog snapshot and writes the statements that close the gap. Pure: no I/O.</summary>
    internal static class RolePlanner
    {
        private static readonly DbObjectKind[] ObjectKinds = { DbObjectKind.Table, DbObjectKind.Sequence, DbObjectKind.Function };

        public static RolePlan Plan(RoleCatalog catalog, IList<DbRoleSpec> specs, IList<string>? owners, bool ownersExplicit)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var spec in specs)
            {
                PgSql.CheckIdentifier(spec.Name);
                if (!names.Add(spec.Name))
                    throw new PlatformOpsException("DbRoleDuplicate", ErrorCategory.InvalidArgument, spec.Name, $"Role '{spec.Name}' is asked for twice.");
                if (spec.Name.StartsWith("pg_", StringComparison.Ordinal))
                    throw new PlatformOpsException("DbRoleNameReserved", ErrorCategory.InvalidArgument, spec.Name,
                        $"Role names starting with 'pg_' are reserved by PostgreSQL; '{spec.Name}' cannot be managed.");
                if (spec.Name == catalog.CurrentUser)
                    throw new PlatformOpsException("DbRoleIsCurrentUser", ErrorCategory.InvalidOperation, spec.Name,
                        $"'{spec.Name}' is the role this connection uses; managing it could lock you out. Connect as another role.");
                if (catalog.Roles.TryGetValue(spec.Name, out var existing) && existing.Superuser)
                    throw new PlatformOpsException("DbRoleIsSuperuser", ErrorCategory.InvalidOperation, spec.Name,
                        $"'{spec.Name}' is a superuser; Set-DbRole does not demote superusers. Run ALTER ROLE ... NOSUPERUSER yourself if that is meant.");
                foreach (var group in spec.MemberOf)
                {
                    PgSql.CheckIdentifier(group);
                    if (group == spec.Name)
                        throw new PlatformOpsException("DbRoleMembershipInvalid", ErrorCategory.InvalidArgument, spec.Name, $"Role '{spec.Name}' cannot be a member of itself.");
                }
            }
            foreach (var spec in specs)
                foreach (var group in spec.MemberOf)
                    if (!names.Contains(group) && !catalog.Roles.ContainsKey(group))
                        throw new PlatformOpsException("DbRoleNotFound", ErrorCategory.ObjectNotFound, group,
                            $"Role '{spec.Name}' should be a member of '{group}', which does not exist and is not part of this call. Create it first or add it to the model.");

            var ownerList = new List<string>();
            foreach (var owner in owners ?? new[] { catalog.CurrentUser })
            {
                PgSql.CheckIdentifier(owner, "owner role");
                if (!names.Contains(owner) && !catalog.Roles.ContainsKey(owner))
                {
                    if (ownersExplicit)
                        throw new PlatformOpsException("DbRoleOwnerNotFound", ErrorCategory.ObjectNotFound, owner,
                            $"Owner role '{owner}' does not exist. Default privileges can only be kept for existing roles (or roles of the model).");
                    continue;
                }
                if (!ownerList.Contains(owner)) ownerList.Add(owner);
            }

            var steps = new List<RoleStep>();
            foreach (var spec in specs) PlanRole(catalog, spec, ownerList, steps);
            var notices = UncoveredOwners(catalog, specs, ownerList);
            var ordered = steps.Select((s, i) => (s, i)).OrderBy(p => p.s.Phase).ThenBy(p => p.i).Select(p => p.s).ToList();
            foreach (var step in ordered)
                foreach (var drift in step.Drift) drift.Fix = step.DisplaySql;
            return new RolePlan(catalog.Database, specs.Select(s => s.Name).ToList(), ordered, notices, ownerList, catalog.Schemas.Keys.ToList());
        }

        private static void PlanRole(RoleCatalog catalog, DbRoleSpec spec, IList<string> owners, List<RoleStep> steps)
        {
            var name = spec.Name;
            var role = PgSql.Ident(name);
            catalog.Roles.TryGetValue(name, out var row);
            var privileges = spec.EffectivePrivileges;
            var version = catalog.ServerVersion;

            // Password: a verifier computed here, so the clear text never reaches the server.
            string? verifier = null;
            string? passwordNote = null;
            if (spec.Password != null)
            {
                var clear = Sensitive.Reveal(spec.Password);
                if (row == null) verifier = ScramVerifier.Create(clear);
                else if (catalog.VerifiersReadable && row.Verifier != null && ScramVerifier.Matches(row.Verifier, clear)) verifier = null;
                else
                {
                    verifier = ScramVerifier.Create(clear);
                    passwordNote = !catalog.VerifiersReadable ? "the stored password cannot be read without superuser, so it is set again"
                        : row.Verifier == null ? "the role has no password"
                        : row.Verifier.StartsWith("SCRAM-SHA-256$", StringComparison.Ordinal) ? "the password differs"
                        : "the password is stored as MD5 or clear text, not SCRAM-SHA-256";
                }
            }

            if (row == null)
            {
                var sql = $"CREATE ROLE {role} WITH {(spec.Login ? "LOGIN" : "NOLOGIN")} NOSUPERUSER NOCREATEDB {(spec.CreateRole ? "CREATEROLE" : "NOCREATEROLE")} {(spec.Inherit ? "INHERIT" : "NOINHERIT")} NOREPLICATION NOBYPASSRLS";
                var step = Step(steps, name, 0, sql + (verifier == null ? string.Empty : " PASSWORD " + PgSql.Literal(verifier)),
                    sql + (verifier == null ? string.Empty : " PASSWORD " + MaskedVerifier));
                step.Drift.Add(Drift(catalog, name, DbRoleDriftKind.MissingRole, null, null, null, spec.Login ? "LOGIN" : "NOLOGIN", "absent", $"Role '{name}' does not exist."));
            }
            else
            {
                var changes = new List<(string Clause, string Attribute, bool Want, bool Have)>();
                void Check(string attribute, string yes, string no, bool want, bool have)
                {
                    if (want != have) changes.Add((want ? yes : no, attribute, want, have));
                }
                Check("Login", "LOGIN", "NOLOGIN", spec.Login, row.Login);
                Check("CreateRole", "CREATEROLE", "NOCREATEROLE", spec.CreateRole, row.CreateRole);
                Check("Inherit", "INHERIT", "NOINHERIT", spec.Inherit, row.Inherit);
                Check("CreateDb", "CREATEDB", "NOCREATEDB", false, row.CreateDb);
                Check("Replication", "REPLICATION", "NOREPLICATION", false, row.Replication);
                Check("BypassRls", "BYPASSRLS", "NOBYPASSRLS", false, row.BypassRls);
                if (changes.Count > 0)
                {
                    var sql = $"ALTER ROLE {role} WITH {string.Join(" ", changes.Select(c => c.Clause))}";
                    var step = Step(steps, name, 1, sql, sql);
                    foreach (var c in changes)
                        step.Drift.Add(Drift(catalog, name, DbRoleDriftKind.Attribute, null, null, c.Attribute, c.Want.ToString(), c.Have.ToString(),
                            $"{c.Attribute} is {c.Have} and should be {c.Want}."));
                }
                if (verifier != null)
                {
                    var step = Step(steps, name, 1, $"ALTER ROLE {role} PASSWORD {PgSql.Literal(verifier)}", $"ALTER ROLE {role} PASSWORD {MaskedVerifier}");
                    step.Drift.Add(Drift(catalog, name, DbRoleDriftKind.Password, null, null, null, "SCRAM-SHA-256 (given)", row.HasPassword == true ? "other" : "none",
                        $"Password: {passwordNote}."));
                }
                else if (spec.Password == null && !spec.Login && row.HasPassword == true)
                {
                    var sql = $"ALTER ROLE {role} PASSWORD NULL";
                    Step(steps, name, 1, sql, sql).Drift.Add(Drift(catalog, name, DbRoleDriftKind.Password, null, null, null, "none", "set",
                        $"NOLOGIN role '{name}' has a password it cannot use."));
                }
            }

            // Memberships: exactly the ones asked for.
            var have = new HashSet<string>(row == null ? Enumerable.Empty<string>() : catalog.GroupsOf(name), StringComparer.Ordinal);
            var want = new HashSet<string>(spec.MemberOf, StringComparer.Ordinal);
            foreach (var extra in have.Where(g => !want.Contains(g)).OrderBy(g => g, StringComparer.Ordinal))
            {
                var sql = $"REVOKE {PgSql.Ident(extra)} FROM {role}";
                Step(steps, name, 2, sql, sql).Drift.Add(Drift(catalog, name, DbRoleDriftKind.ExtraMembership, null, null, extra, "not a member", "member",
                    $"'{name}' is a member of '{extra}', which the model does not ask for."));
            }
            foreach (var missing in spec.MemberOf.Where(g => !have.Contains(g)).Distinct(StringComparer.Ordinal))
            {
                var sql = $"GRANT {PgSql.Ident(missing)} TO {role}";
                Step(steps, name, 3, sql, sql).Drift.Add(Drift(catalog, name, DbRoleDriftKind.MissingMembership, null, null, missing, "member", "not a member",
                    $"'{name}' is not a member of '{missing}'."));
            }

            // Database privileges.
            if (catalog.DatabaseOwner != name)
            {
                var target = "DATABASE " + PgSql.Ident(catalog.Database);
                PlanSet(catalog, steps, name, role, null, DbObjectKind.Database, privileges.On(DbObjectKind.Database, version),
                    GrantsOf(catalog, name, null, DbObjectKind.Database), 1, target, target, ownedByRole: 0);
            }

            foreach (var schema in catalog.Schemas.Keys)
            {
                var schemaIdent = PgSql.Ident(schema);
                if (catalog.Schemas[schema] != name)
                {
                    var target = "SCHEMA " + schemaIdent;
                    PlanSet(catalog, steps, name, role, schema, DbObjectKind.Schema, privileges.On(DbObjectKind.Schema, version),
                        GrantsOf(catalog, name, schema, DbObjectKind.Schema), 1, target, target, ownedByRole: 0);
                }
                foreach (var kind in ObjectKinds)
                {
                    var total = catalog.ObjectsNotOwnedBy(schema, kind, name);
                    var all = $"ALL {AllKeyword(kind, version)} IN SCHEMA {schemaIdent}";
                    PlanSet(catalog, steps, name, role, schema, kind, privileges.On(kind, version), GrantsOf(catalog, name, schema, kind), total,
                        all, all, catalog.ObjectsOwnedBy(schema, kind, name), row?.Oid);
                }
            }

            PlanDefaults(catalog, steps, spec, role, privileges, owners);
        }

        /// <summary>Grants what is missing and revokes what is extra for one (schema, kind), at schema level.</summary>
        private static void PlanSet(RoleCatalog catalog, List<RoleStep> steps, string name, string role, string? schema, DbObjectKind kind,
            IReadOnlyCollection<string> desired, IList<GrantCount> grants, int total, string grantTarget, string revokeTarget, int ownedByRole, uint? roleOid = null)
        {
            var where = schema == null ? "the database" : $"{DbRoleText.Kind(kind, true)} in schema '{schema}'";
            if (kind == DbObjectKind.Schema) where = $"schema '{schema}'";
            var countOf = grants.GroupBy(g => g.Privilege, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(x => x.Count), StringComparer.Ordinal);
            var grantOption = grants.Where(g => g.GrantOption).GroupBy(g => g.Privilege, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(x => x.Count), StringComparer.Ordinal);

            // Extra privileges (and grant options nobody asked for).
            var extra = countOf.Keys.Where(p => !desired.Contains(p)).OrderBy(p => p, StringComparer.Ordinal).ToList();
            var extraOption = grantOption.Keys.Where(p => desired.Contains(p)).OrderBy(p => p, StringComparer.Ordinal).ToList();
            if (extra.Count > 0 || extraOption.Count > 0)
            {
                var revokes = new List<(string Sql, string Privileges, bool OptionOnly)>();
                if (extra.Count > 0) revokes.Add((RevokeSql(kind, schema, string.Join(", ", extra), revokeTarget, role, ownedByRole, roleOid, optionOnly: false), string.Join(", ", extra), false));
                if (extraOption.Count > 0) revokes.Add((RevokeSql(kind, schema, string.Join(", ", extraOption), revokeTarget, role, ownedByRole, roleOid, optionOnly: true), string.Join(", ", extraOption), true));
                foreach (var revoke in revokes)
                {
                    var step = Step(steps, name, 4, revoke.Sql, revoke.Sql);
                    foreach (var p in revoke.OptionOnly ? extraOption : extra)
                    {
                        var n = revoke.OptionOnly ? grantOption[p] : countOf[p];
                        step.Drift.Add(Drift(catalog, name, DbRoleDriftKind.ExtraGrant, schema, kind, revoke.OptionOnly ? p + " WITH GRANT OPTION" : p,
                            "not granted", Coverage(n, total, kind),
                            $"{(revoke.OptionOnly ? p + " WITH GRANT OPTION" : p)} on {where} is granted to '{name}' ({Coverage(n, total, kind)}) and the model does not ask for it."));
                    }
                }
            }

            // Missing privileges: granted on every object of the kind in one statement.
            if (total == 0) return;
            var missing = desired.Where(p => !countOf.TryGetValue(p, out var n) || n < total).ToList();
            if (missing.Count == 0) return;
            var sql = $"GRANT {string.Join(", ", missing)} ON {grantTarget} TO {role}";
            var grantStep = Step(steps, name, 5, sql, sql);
            foreach (var p in missing)
            {
                var n = countOf.TryGetValue(p, out var c) ? c : 0;
                grantStep.Drift.Add(Drift(catalog, name, n == 0 ? DbRoleDriftKind.MissingGrant : DbRoleDriftKind.PartialGrant, schema, kind, p,
                    Coverage(total, total, kind), Coverage(n, total, kind),
                    n == 0 ? $"'{name}' lacks {p} on {where}." : $"'{name}' has {p} on {n} of {DbRoleText.Count(total, kind)} in schema '{schema}'; {total - n} lack it."));
            }
        }

        private static string RevokeSql(DbObjectKind kind, string? schema, string privileges, string target, string role, int ownedByRole, uint? roleOid, bool optionOnly)
        {
            var what = optionOnly ? "GRANT OPTION FOR " + privileges : privileges;
            if (ownedByRole == 0 || roleOid == null || schema == null || kind == DbObjectKind.Schema || kind == DbObjectKind.Database)
                return $"REVOKE {what} ON {target} FROM {role}";
            // The role owns some of these objects: a schema-wide REVOKE would strip an owner's own rights, so revoke object by object, server-side.
            var tag = "$po_" + RandomTag() + "$";
            var schemaOid = $"{PgSql.Literal(PgSql.Ident(schema))}::regnamespace";
            var owner = roleOid.Value.ToString(CultureInfo.InvariantCulture);
            string select, keyword;
            if (kind == DbObjectKind.Function)
            {
                select = $"SELECT p.oid::regprocedure::text AS obj FROM pg_proc p WHERE p.pronamespace = {schemaOid} AND p.proowner <> {owner}";
                keyword = "ROUTINE";
            }
            else
            {
                var relkinds = kind == DbObjectKind.Sequence ? "'S'" : "'r', 'p', 'v', 'm', 'f'";
                select = $"SELECT c.oid::regclass::text AS obj FROM pg_class c WHERE c.relnamespace = {schemaOid} AND c.relkind IN ({relkinds}) AND c.relowner <> {owner} AND c.relacl IS NOT NULL";
                keyword = kind == DbObjectKind.Sequence ? "SEQUENCE" : "TABLE";
            }
            var body = $"DECLARE o record; BEGIN FOR o IN {select} LOOP EXECUTE format('REVOKE {what.Replace("'", "''")} ON {keyword} %s FROM %s', o.obj, {PgSql.Literal(role)}); END LOOP; END";
            if (body.Contains(tag)) throw new InvalidOperationException("Dollar-quote tag collision.");
            return $"DO {tag} {body} {tag}";
        }

        private static void PlanDefaults(RoleCatalog catalog, List<RoleStep> steps, DbRoleSpec spec, string role, DbPrivilegeSet privileges, IList<string> owners)
        {
            var name = spec.Name;
            var version = catalog.ServerVersion;
            var mine = catalog.Defaults.Where(d => d.Grantee == name).ToList();
            var handled = new HashSet<(string, string?, DbObjectKind)>();
            foreach (var owner in owners.Where(o => o != name))
            {
                foreach (var schema in catalog.Schemas.Keys)
                {
                    foreach (var kind in ObjectKinds)
                    {
                        handled.Add((owner, schema, kind));
                        var desired = privileges.On(kind, version);
                        var current = mine.Where(d => d.Owner == owner && d.Schema == schema && d.Kind == kind).Select(d => d.Privilege).Distinct(StringComparer.Ordinal).ToList();
                        var prefix = $"ALTER DEFAULT PRIVILEGES FOR ROLE {PgSql.Ident(owner)} IN SCHEMA {PgSql.Ident(schema)}";
                        var extra = current.Where(p => !desired.Contains(p)).OrderBy(p => p, StringComparer.Ordinal).ToList();
                        if (extra.Count > 0)
                        {
                            var sql = $"{prefix} REVOKE {string.Join(", ", extra)} ON {DefaultKeyword(kind)} FROM {role}";
                            var step = Step(steps, name, 6, sql, sql);
                            foreach (var p in extra)
                                step.Drift.Add(Drift(catalog, name, DbRoleDriftKind.ExtraDefaultPrivilege, schema, kind, p, "not granted", "granted",
                                    $"{DbRoleText.Kind(kind, true)} '{owner}' creates later in schema '{schema}' would give '{name}' {p}, which the model does not ask for."));
                        }
                        var missing = desired.Where(p => !current.Contains(p)).ToList();
                        if (missing.Count > 0)
                        {
                            var sql = $"{prefix} GRANT {string.Join(", ", missing)} ON {DefaultKeyword(kind)} TO {role}";
                            var step = Step(steps, name, 6, sql, sql);
                            foreach (var p in missing)
                                step.Drift.Add(Drift(catalog, name, DbRoleDriftKind.MissingDefaultPrivilege, schema, kind, p, "granted", "not granted",
                                    $"{DbRoleText.Kind(kind, true)} '{owner}' creates later in schema '{schema}' will not give '{name}' {p}."));
                        }
                    }
                }
            }
            // Default privileges the model does not know: other owners, or "any schema" entries.
            foreach (var group in mine.Where(d => !handled.Contains((d.Owner, d.Schema, d.Kind)) && (d.Schema == null || catalog.Schemas.ContainsKey(d.Schema)))
                                      .GroupBy(d => (d.Owner, d.Schema, d.Kind)))
            {
                var (owner, schema, kind) = group.Key;
                var privs = group.Select(d => d.Privilege).Distinct(StringComparer.Ordinal).OrderBy(p => p, StringComparer.Ordinal).ToList();
                var sql = $"ALTER DEFAULT PRIVILEGES FOR ROLE {PgSql.Ident(owner)}{(schema == null ? string.Empty : " IN SCHEMA " + PgSql.Ident(schema))} REVOKE {string.Join(", ", privs)} ON {DefaultKeyword(kind)} FROM {role}";
                var step = Step(steps, name, 6, sql, sql);
                foreach (var p in privs)
                    step.Drift.Add(Drift(catalog, name, DbRoleDriftKind.ExtraDefaultPrivilege, schema, kind, p, "not granted", "granted",
                        $"{DbRoleText.Kind(kind, true)} '{owner}' creates later{(schema == null ? " in any schema" : $" in schema '{schema}'")} would give '{name}' {p}, which the model does not ask for."));
            }
        }

        private static List<DbRoleDrift> UncoveredOwners(RoleCatalog catalog, IList<DbRoleSpec> specs, IList<string> owners)
        {
            var notices = new List<DbRoleDrift>();
            var version = catalog.ServerVersion;
            foreach (var kind in ObjectKinds)
            {
                var grantees = specs.Where(s => s.EffectivePrivileges.On(kind, version).Count > 0).Select(s => s.Name).ToList();
                if (grantees.Count == 0) continue;
                foreach (var bucket in catalog.Objects.Where(o => o.Kind == kind && !owners.Contains(o.Owner) && !grantees.Contains(o.Owner))
                                                      .OrderBy(o => o.Schema, StringComparer.Ordinal).ThenBy(o => o.Owner, StringComparer.Ordinal))
                {
                    notices.Add(Drift(catalog, bucket.Owner, DbRoleDriftKind.UncoveredOwner, bucket.Schema, kind, null,
                        "an owner role with default privileges", DbRoleText.Count(bucket.Count, kind) + " owned",
                        $"{DbRoleText.Count(bucket.Count, kind)} in schema '{bucket.Schema}' belong to '{bucket.Owner}', which is not one of the owner roles ({DbRoleText.List(owners)}): " +
                        $"{DbRoleText.Kind(kind, true)} it creates later will not be granted to {DbRoleText.List(grantees)}. Add it to the profile's Roles.Owners (or -Owner), or create objects as an owner role."));
                }
            }
            return notices;
        }

        private static IList<GrantCount> GrantsOf(RoleCatalog catalog, string role, string? schema, DbObjectKind kind)
            => catalog.Grants.Where(g => g.Grantee == role && g.Schema == schema && g.Kind == kind && !g.OwnedByGrantee).ToList();

        private static string AllKeyword(DbObjectKind kind, int version)
            => kind == DbObjectKind.Table ? "TABLES" : kind == DbObjectKind.Sequence ? "SEQUENCES" : version >= 110000 ? "ROUTINES" : "FUNCTIONS";

        private static string DefaultKeyword(DbObjectKind kind)
            => kind == DbObjectKind.Table ? "TABLES" : kind == DbObjectKind.Sequence ? "SEQUENCES" : "FUNCTIONS";

        private static string Coverage(int n, int total, DbObjectKind kind)
            => kind == DbObjectKind.Database || kind == DbObjectKind.Schema ? (n > 0 ? "granted" : "not granted") : $"{n} of {DbRoleText.Count(total, kind)}";

        internal const string MaskedVerifier = "'SCRAM-SHA-256$********'";

        private static RoleStep Step(List<RoleStep> steps, string role, int phase, string sql, string display)
        {
            var step = new RoleStep(role, phase, sql, display);
            steps.Add(step);
            return step;
        }

        private static DbRoleDrift Drift(RoleCatalog catalog, string role, DbRoleDriftKind kind, string? schema, DbObjectKind? objectKind, string? privilege,
            string? expected, string? actual, string detail)
            => new DbRoleDrift
            {
                Database = catalog.Database, Role = role, Kind = kind, Schema = schema, ObjectKind = objectKind, Privilege = privilege,
                Expected = expected, Actual = actual, Detail = detail,
            };

        private static string RandomTag()
        {
            var bytes = new byte[6];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return BitConverter.ToString(bytes).Replace("-", string.Empty).ToLowerInvariant();
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace PlatformOps.Roles
{
    internal sealed class RoleRow
    {
        public uint Oid;
        public string Name = string.Empty;
        public bool Superuser, Inherit, CreateRole, CreateDb, Login, Replication, BypassRls;
        public int ConnectionLimit;
        public DateTime? ValidUntil;
        /// <summary>Whether a password is stored; null when the connection may not know (not superuser).</summary>
        public bool? HasPassword;
        /// <summary>None, SCRAM-SHA-256, MD5 or Plain; Unknown when the connection may not read pg_authid.</summary>
        public string PasswordType = "Unknown";
        /// <summary>The stored verifier (pg_authid), when the connection may read it.</summary>
        public string? Verifier;
    }

    internal readonly struct Membership
    {
        public Membership(string member, string group, bool admin) { Member = member; Group = group; Admin = admin; }
        public string Member { get; }
        public string Group { get; }
        public bool Admin { get; }
    }

    /// <summary>One (schema, kind, owner) bucket of objects.</summary>
    internal readonly struct ObjectCount
    {
        public ObjectCount(string schema, DbObjectKind kind, string owner, int count) { Schema = schema; Kind = kind; Owner = owner; Count = count; }
        public string Schema { get; }
        public DbObjectKind Kind { get; }
        public string Owner { get; }
        public int Count { get; }
    }

    /// <summary>How many objects of one (schema, kind) carry one privilege for one grantee (null grantee = PUBLIC).</summary>
    internal readonly struct GrantCount
    {
        public GrantCount(string? schema, DbObjectKind kind, string? grantee, string privilege, bool grantOption, bool ownedByGrantee, int count)
        {
            Schema = schema; Kind = kind; Grantee = grantee; Privilege = privilege; GrantOption = grantOption; OwnedByGrantee = ownedByGrantee; Count = count;
        }
        public string? Schema { get; }
        public DbObjectKind Kind { get; }
        public string? Grantee { get; }
        public string Privilege { get; }
        public bool GrantOption { get; }
        public bool OwnedByGrantee { get; }
        public int Count { get; }
    }

    /// <summary>One entry of pg_default_acl: objects <see cref="Owner"/> creates later (in <see cref="Schema"/>, or anywhere when null).</summary>
    internal readonly struct DefaultGrant
    {
        public DefaultGrant(string owner, string? schema, DbObjectKind kind, string? grantee, string privilege)
        {
            Owner = owner; Schema = schema; Kind = kind; Grantee = grantee; Privilege = privilege;
        }
        public string Owner { get; }
        public string? Schema { get; }
        public DbObjectKind Kind { get; }
        public string? Grantee { get; }
        public string Privilege { get; }
    }

    /// <summary>
    /// A snapshot of everything the role engine compares, read in one round trip of aggregated catalog queries
    /// (aclexplode over pg_class, pg_proc, pg_namespace, pg_database and pg_default_acl), whatever the number of tables.
    /// </summary>
    internal sealed class RoleCatalog
    {
        public int ServerVersion;
        public string CurrentUser = string.Empty;
        public bool CurrentUserIsSuperuser;
        public string Database = string.Empty;
        public string DatabaseOwner = string.Empty;
        public Dictionary<string, RoleRow> Roles = new Dictionary<string, RoleRow>(StringComparer.Ordinal);
        public List<Membership> Memberships = new List<Membership>();
        /// <summary>The schemas in scope (named, or every non-system schema) and their owners.</summary>
        public Dictionary<string, string> Schemas = new Dictionary<string, string>(StringComparer.Ordinal);
        public List<ObjectCount> Objects = new List<ObjectCount>();
        /// <summary>Database (Schema = null), schema and object grants.</summary>
        public List<GrantCount> Grants = new List<GrantCount>();
        public List<DefaultGrant> Defaults = new List<DefaultGrant>();
        public bool VerifiersReadable;

        private const string SnapshotSql = @"
select current_user, current_setting('server_version_num')::int,
       coalesce((select rolsuper from pg_roles where rolname = current_user), false),
       current_database(), pg_get_userbyid(d.datdba)
from pg_database d where d.datname = current_database();
select r.oid, r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
       r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil
from pg_roles r;
select m.rolname, g.rolname, am.admin_option
from pg_auth_members am join pg_roles m on m.oid = am.member join pg_roles g on g.oid = am.roleid;
select n.nspname, pg_get_userbyid(n.nspowner)
from pg_namespace n
where case when @schemas is null then n.nspname !~ '^pg_' and n.nspname <> 'information_schema' else n.nspname = any(@schemas) end
order by 1;
with ns as (
  select n.oid, n.nspname from pg_namespace n
  where case when @schemas is null then n.nspname !~ '^pg_' and n.nspname <> 'information_schema' else n.nspname = any(@schemas) end)
select ns.nspname, case when c.relkind = 'S' then 2 else 1 end, pg_get_userbyid(c.relowner), count(*)::int
from pg_class c join ns on ns.oid = c.relnamespace
where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
group by 1, 2, 3
union all
select ns.nspname, 3, pg_get_userbyid(p.proowner), count(*)::int
from pg_proc p join ns on ns.oid = p.pronamespace
group by 1, 2, 3;
with ns as (
  select n.oid, n.nspname, n.nspowner, n.nspacl from pg_namespace n
  where case when @schemas is null then n.nspname !~ '^pg_' and n.nspname <> 'information_schema' else n.nspname = any(@schemas) end)
select null::text, 0, g.rolname, a.privilege_type, a.is_grantable, a.grantee = d.datdba, 1
from pg_database d cross join lateral aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
left join pg_roles g on g.oid = a.grantee
where d.datname = current_database()
union all
select ns.nspname, 4, g.rolname, a.privilege_type, a.is_grantable, a.grantee = ns.nspowner, 1
from ns cross join lateral aclexplode(coalesce(ns.nspacl, acldefault('n', ns.nspowner))) a
left join pg_roles g on g.oid = a.grantee
union all
select o.nspname, o.kind, g.rolname, a.privilege_type, a.is_grantable, a.grantee = o.owner, sum(o.n)::int
from (
  -- Objects with the same owner and ACL are counted together first: after an apply, 10,000 tables share a handful of ACLs.
  select ns.nspname, case when c.relkind = 'S' then 2 else 1 end as kind, c.relowner as owner, c.relacl::text as acl, count(*) as n
  from pg_class c join ns on ns.oid = c.relnamespace
  where c.relacl is not null and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
  group by 1, 2, 3, 4
  union all
  select ns.nspname, 3, p.proowner, coalesce(p.proacl, acldefault('f', p.proowner))::text, count(*)
  from pg_proc p join ns on ns.oid = p.pronamespace
  group by 1, 2, 3, 4) o
cross join lateral aclexplode(o.acl::aclitem[]) a
left join pg_roles g on g.oid = a.grantee
group by 1, 2, 3, 4, 5, 6;
select pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype::text, g.rolname, a.privilege_type
from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
cross join lateral aclexplode(d.defaclacl) a left join pg_roles g on g.oid = a.grantee
where d.defaclobjtype in ('r', 'S', 'f') and a.grantee <> d.defaclrole;";

        /// <param name="schemas">The schemas in scope; null: every non-system schema.</param>
        /// <param name="verifiersOf">Roles whose stored password verifier to read (needs superuser; skipped otherwise).</param>
        public static async Task<RoleCatalog> ReadAsync(NpgsqlConnection connection, IList<string>? schemas, IEnumerable<string>? verifiersOf,
            CancellationToken cancellationToken)
        {
            var catalog = new RoleCatalog();
            using (var command = new NpgsqlCommand(SnapshotSql, connection))
            {
                command.Parameters.Add(new NpgsqlParameter("schemas", NpgsqlDbType.Array | NpgsqlDbType.Text)
                {
                    Value = schemas == null || schemas.Count == 0 ? (object)DBNull.Value : schemas.ToArray(),
                });
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                catalog.CurrentUser = reader.GetString(0);
                catalog.ServerVersion = reader.GetInt32(1);
                catalog.CurrentUserIsSuperuser = reader.GetBoolean(2);
                catalog.Database = reader.GetString(3);
                catalog.DatabaseOwner = reader.GetString(4);

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var row = new RoleRow
                    {
                        Oid = reader.GetFieldValue<uint>(0),
                        Name = reader.GetString(1),
                        Superuser = reader.GetBoolean(2),
                        Inherit = reader.GetBoolean(3),
                        CreateRole = reader.GetBoolean(4),
                        CreateDb = reader.GetBoolean(5),
                        Login = reader.GetBoolean(6),
                        Replication = reader.GetBoolean(7),
                        BypassRls = reader.GetBoolean(8),
                        ConnectionLimit = reader.GetInt32(9),
                        ValidUntil = reader.IsDBNull(10) ? (DateTime?)null : ValidUntilOf(reader, 10),
                    };
                    catalog.Roles[row.Name] = row;
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    catalog.Memberships.Add(new Membership(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    catalog.Schemas[reader.GetString(0)] = reader.GetString(1);

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    catalog.Objects.Add(new ObjectCount(reader.GetString(0), KindOf(reader.GetInt32(1)), reader.GetString(2), reader.GetInt32(3)));

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    catalog.Grants.Add(new GrantCount(
                        reader.IsDBNull(0) ? null : reader.GetString(0),
                        KindOf(reader.GetInt32(1)),
                        reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.GetString(3),
                        reader.GetBoolean(4),
                        !reader.IsDBNull(5) && reader.GetBoolean(5),
                        reader.GetInt32(6)));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    catalog.Defaults.Add(new DefaultGrant(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                        DefaultKindOf(reader.GetString(2)), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
                }
            }

            // pg_roles hides passwords; pg_authid (superuser only) tells which roles have one, and the verifiers asked for.
            if (catalog.CurrentUserIsSuperuser)
            {
                var wanted = (verifiersOf ?? Enumerable.Empty<string>()).Distinct(StringComparer.Ordinal).ToArray();
                using var command = new NpgsqlCommand(
                    @"select rolname, rolpassword is not null, case when rolname = any(@names) then rolpassword end,
       case when rolpassword like 'SCRAM-SHA-256$%' then 'SCRAM-SHA-256' when rolpassword like 'md5%' then 'MD5' when rolpassword is not null then 'Plain' else 'None' end
from pg_authid", connection);
                command.Parameters.Add(new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = wanted });
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!catalog.Roles.TryGetValue(reader.GetString(0), out var row)) continue;
                    row.HasPassword = reader.GetBoolean(1);
                    row.Verifier = reader.IsDBNull(2) ? null : reader.GetString(2);
                    row.PasswordType = reader.GetString(3);
                }
                catalog.VerifiersReadable = true;
            }
            return catalog;
        }

        private static DateTime? ValidUntilOf(NpgsqlDataReader reader, int ordinal)
        {
            try
            {
                return reader.GetDateTime(ordinal).ToUniversalTime();
            }
            catch (InvalidCastException)
            {
                return DateTime.MaxValue; // 'infinity'
            }
        }

        private static DbObjectKind KindOf(int code)
        {
            switch (code)
            {
                case 0: return DbObjectKind.Database;
                case 1: return DbObjectKind.Table;
                case 2: return DbObjectKind.Sequence;
                case 3: return DbObjectKind.Function;
                default: return DbObjectKind.Schema;
            }
        }

        private static DbObjectKind DefaultKindOf(string code)
            => code == "S" ? DbObjectKind.Sequence : code == "f" ? DbObjectKind.Function : DbObjectKind.Table;

        /// <summary>The groups <paramref name="role"/> is a direct member of.</summary>
        public IEnumerable<string> GroupsOf(string role) => Memberships.Where(m => m.Member == role).Select(m => m.Group);

        /// <summary>The roles whose privileges <paramref name="role"/> uses: itself, then the groups it inherits from, transitively.</summary>
        public IList<string> InheritedRoles(string role)
        {
            var result = new List<string> { role };
            var seen = new HashSet<string>(StringComparer.Ordinal) { role };
            for (var i = 0; i < result.Count; i++)
            {
                var current = result[i];
                if (!Roles.TryGetValue(current, out var row) || !row.Inherit) continue;
                foreach (var group in GroupsOf(current))
                    if (seen.Add(group)) result.Add(group);
            }
            return result;
        }

        /// <summary>How many objects of a kind in a schema are not owned by <paramref name="role"/>.</summary>
        public int ObjectsNotOwnedBy(string schema, DbObjectKind kind, string role)
            => Objects.Where(o => o.Schema == schema && o.Kind == kind && o.Owner != role).Sum(o => o.Count);

        public int ObjectsOwnedBy(string schema, DbObjectKind kind, string role)
            => Objects.Where(o => o.Schema == schema && o.Kind == kind && o.Owner == role).Sum(o => o.Count);
    }
}

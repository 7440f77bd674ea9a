using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using PlatformOps.Common;

namespace PlatformOps.Roles
{
    /// <summary>The kinds of objects a role's privileges are kept on.</summary>
    public enum DbObjectKind
    {
        Database,
        Schema,
        /// <summary>Tables, partitioned tables, views, materialized views and foreign tables (what GRANT ... ON ALL TABLES covers).</summary>
        Table,
        Sequence,
        /// <summary>Functions, procedures and aggregates (GRANT ... ON ALL ROUTINES).</summary>
        Function,
    }

    /// <summary>The platform's privilege levels.</summary>
    public enum DbRoleAccess
    {
        /// <summary>No privileges of its own (a login that gets everything from its group).</summary>
        None,
        /// <summary>CONNECT, schema USAGE, SELECT on tables.</summary>
        Read,
        /// <summary>Read plus INSERT, UPDATE, DELETE on tables and USAGE, SELECT on sequences.</summary>
        Write,
        /// <summary>All privileges on the database's schemas and their tables, sequences and routines.</summary>
        Admin,
    }

    /// <summary>Privileges per object kind, as PostgreSQL names them (SELECT, INSERT, USAGE, ...).</summary>
    public sealed class DbPrivilegeSet
    {
        private readonly Dictionary<DbObjectKind, SortedSet<string>> _byKind = new Dictionary<DbObjectKind, SortedSet<string>>();

        public DbPrivilegeSet() { }

        public DbPrivilegeSet(IDictionary<DbObjectKind, IEnumerable<string>> privileges)
        {
            if (privileges == null) throw new ArgumentNullException(nameof(privileges));
            foreach (var pair in privileges) foreach (var p in pair.Value) Add(pair.Key, p);
        }

        /// <summary>Privileges PostgreSQL knows only from a given server_version_num on.</summary>
        private static readonly Dictionary<string, int> Introduced = new Dictionary<string, int>(StringComparer.Ordinal) { ["MAINTAIN"] = 170000 };

        private static readonly Dictionary<DbObjectKind, string[]> Valid = new Dictionary<DbObjectKind, string[]>
        {
            [DbObjectKind.Database] = new[] { "CONNECT", "CREATE", "TEMPORARY" },
            [DbObjectKind.Schema] = new[] { "CREATE", "USAGE" },
            [DbObjectKind.Table] = new[] { "DELETE", "INSERT", "MAINTAIN", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE" },
            [DbObjectKind.Sequence] = new[] { "SELECT", "UPDATE", "USAGE" },
            [DbObjectKind.Function] = new[] { "EXECUTE" },
        };

        public void Add(DbObjectKind kind, string privilege)
        {
            var p = (privilege ?? string.Empty).Trim().ToUpperInvariant();
            if (p == "TEMP") p = "TEMPORARY";
            if (Array.IndexOf(Valid[kind], p) < 0)
                throw new PlatformOpsException("DbRolePrivilegeInvalid", ErrorCategory.InvalidArgument, privilege,
                    $"'{privilege}' is not a privilege on a {kind.ToString().ToLowerInvariant()}. Valid: {string.Join(", ", Valid[kind])}.");
            if (!_byKind.TryGetValue(kind, out var set)) _byKind[kind] = set = new SortedSet<string>(StringComparer.Ordinal);
            set.Add(p);
        }

        /// <summary>The privileges on one kind of object (empty when none).</summary>
        public IReadOnlyCollection<string> On(DbObjectKind kind)
            => _byKind.TryGetValue(kind, out var set) ? (IReadOnlyCollection<string>)set : Array.Empty<string>();

        /// <summary>The privileges on one kind that a server of the given version knows.</summary>
        internal IReadOnlyCollection<string> On(DbObjectKind kind, int serverVersion)
            => On(kind).Where(p => !Introduced.TryGetValue(p, out var v) || serverVersion >= v).ToList();

        public bool IsEmpty => _byKind.Values.All(s => s.Count == 0);

        public DbPrivilegeSet Except(DbPrivilegeSet other)
        {
            if (other == null) throw new ArgumentNullException(nameof(other));
            var result = new DbPrivilegeSet();
            foreach (var pair in _byKind)
                foreach (var p in pair.Value)
                    if (!other.On(pair.Key).Contains(p)) result.Add(pair.Key, p);
            return result;
        }

        public static DbPrivilegeSet For(DbRoleAccess access)
        {
            var set = new DbPrivilegeSet();
            if (access == DbRoleAccess.None) return set;
            set.Add(DbObjectKind.Database, "CONNECT");
            set.Add(DbObjectKind.Schema, "USAGE");
            set.Add(DbObjectKind.Table, "SELECT");
            if (access == DbRoleAccess.Read) return set;
            foreach (var p in new[] { "INSERT", "UPDATE", "DELETE" }) set.Add(DbObjectKind.Table, p);
            set.Add(DbObjectKind.Sequence, "USAGE");
            set.Add(DbObjectKind.Sequence, "SELECT");
            if (access == DbRoleAccess.Write) return set;
            set.Add(DbObjectKind.Database, "TEMPORARY");
            set.Add(DbObjectKind.Schema, "CREATE");
            foreach (var p in Valid[DbObjectKind.Table]) set.Add(DbObjectKind.Table, p);
            foreach (var p in Valid[DbObjectKind.Sequence]) set.Add(DbObjectKind.Sequence, p);
            set.Add(DbObjectKind.Function, "EXECUTE");
            return set;
        }

        public override string ToString()
            => string.Join("; ", _byKind.Where(p => p.Value.Count > 0).Select(p => $"{p.Key}: {string.Join(", ", p.Value)}"));
    }

    /// <summary>What one role must be: its attributes, its exact group memberships and its own (direct) privileges.</summary>
    public sealed class DbRoleSpec
    {
        public DbRoleSpec() { }

        public DbRoleSpec(string name, DbRoleAccess access)
        {
            Name = name;
            Access = access;
        }

        public string Name { get; set; } = string.Empty;
        public bool Login { get; set; }
        public bool CreateRole { get; set; }
        public bool Inherit { get; set; } = true;
        /// <summary>The password; null leaves a login's password as it is (a NOLOGIN role's password is removed).</summary>
        public SecureString? Password { get; set; }
        /// <summary>The groups the role is a member of: exactly these, others are revoked.</summary>
        public IList<string> MemberOf { get; set; } = new List<string>();
        /// <summary>The level the role's own privileges come from (ignored when <see cref="Privileges"/> is set).</summary>
        public DbRoleAccess Access { get; set; }
        /// <summary>The role's own privileges; null means those of <see cref="Access"/>.</summary>
        public DbPrivilegeSet? Privileges { get; set; }

        public DbPrivilegeSet EffectivePrivileges => Privileges ?? DbPrivilegeSet.For(Access);

        public override string ToString() => Name;
    }

    /// <summary>The platform's three-group model plus one login per service, built from the profile's Roles section.</summary>
    public static class PlatformRoleModel
    {
        public static RoleSettings SettingsOf(PlatformProfile? profile) => profile?.Roles ?? RoleSettings.Reference();

        /// <summary>
        /// app_read (Read), app_write (member of app_read; INSERT, UPDATE, DELETE and sequence use of its own), app_admin
        /// (Admin, CREATEROLE) and one LOGIN role per service, each a member of exactly its group.
        /// </summary>
        public static IList<DbRoleSpec> Build(RoleSettings settings, IEnumerable<PSCredential>? serviceCredentials = null)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            var read = new DbRoleSpec(settings.ReadRole, DbRoleAccess.Read);
            var write = new DbRoleSpec(settings.WriteRole, DbRoleAccess.Write)
            {
                MemberOf = { settings.ReadRole },
                Privileges = DbPrivilegeSet.For(DbRoleAccess.Write).Except(DbPrivilegeSet.For(DbRoleAccess.Read)),
            };
            var admin = new DbRoleSpec(settings.AdminRole, DbRoleAccess.Admin) { CreateRole = true };
            var specs = new List<DbRoleSpec> { read, write, admin };

            var passwords = new Dictionary<string, SecureString>(StringComparer.Ordinal);
            foreach (var credential in serviceCredentials ?? Enumerable.Empty<PSCredential>())
            {
                if (credential == null) continue;
                if (!settings.Services.ContainsKey(credential.UserName))
                    throw new PlatformOpsException("DbRoleServiceUnknown", ErrorCategory.InvalidArgument, credential.UserName,
                        $"'{credential.UserName}' is not a service login of the role model. Known: {string.Join(", ", settings.Services.Keys)}.");
                passwords[credential.UserName] = credential.Password;
            }
            foreach (var service in settings.Services)
            {
                specs.Add(new DbRoleSpec(service.Key, DbRoleAccess.None)
                {
                    Login = true,
                    MemberOf = { GroupOf(settings, service.Key, service.Value) },
                    Password = passwords.TryGetValue(service.Key, out var pw) ? pw : null,
                });
            }
            return specs;
        }

        /// <summary>The owner roles whose later objects the default privileges cover: the profile's, else the admin role and the connecting user.</summary>
        public static IList<string> OwnersOf(RoleSettings settings, string connectingUser)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            if (settings.Owners != null && settings.Owners.Count > 0) return settings.Owners.Distinct(StringComparer.Ordinal).ToList();
            return new[] { settings.AdminRole, connectingUser }.Distinct(StringComparer.Ordinal).ToList();
        }

        private static string GroupOf(RoleSettings settings, string service, string group)
        {
            switch ((group ?? string.Empty).Trim().ToLowerInvariant())
            {
                case "read": return settings.ReadRole;
                case "write": return settings.WriteRole;
                case "admin": return settings.AdminRole;
            }
            if (group == settings.ReadRole || group == settings.WriteRole || group == settings.AdminRole) return group!;
            throw new PlatformOpsException("DbRoleServiceGroupInvalid", ErrorCategory.InvalidData, service,
                $"Service login '{service}' maps to '{group}', which is not one of the model's groups ({settings.ReadRole}, {settings.WriteRole}, {settings.AdminRole}, or read / write / admin).");
        }
    }
}

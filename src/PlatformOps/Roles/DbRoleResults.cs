using System;
using System.Collections.Generic;
using System.Linq;

namespace PlatformOps.Roles
{
    /// <summary>A role as the server has it: attributes, memberships, effective privileges and default privileges.</summary>
    public sealed class DbRole
    {
        public string Name { get; internal set; } = string.Empty;
        /// <summary>The server the role was read from (host:port).</summary>
        public string Server { get; internal set; } = string.Empty;
        public string Database { get; internal set; } = string.Empty;
        /// <summary>The connection the role was read with (password never shown): Remove-DbRole acts on this server when the role is piped to it.</summary>
        public PlatformOps.Postgres.PostgresTarget? Connection { get; internal set; }
        public bool Login { get; internal set; }
        public bool Superuser { get; internal set; }
        public bool Inherit { get; internal set; }
        public bool CreateRole { get; internal set; }
        public bool CreateDb { get; internal set; }
        public bool Replication { get; internal set; }
        public bool BypassRls { get; internal set; }
        /// <summary>-1: no limit.</summary>
        public int ConnectionLimit { get; internal set; }
        public DateTime? ValidUntil { get; internal set; }
        /// <summary>None, SCRAM-SHA-256, MD5, Plain, or Unknown (reading it needs superuser).</summary>
        public string PasswordType { get; internal set; } = "None";
        /// <summary>The groups this role is a direct member of.</summary>
        public IReadOnlyList<string> MemberOf { get; internal set; } = Array.Empty<string>();
        /// <summary>The roles that are direct members of this one.</summary>
        public IReadOnlyList<string> Members { get; internal set; } = Array.Empty<string>();
        /// <summary>Privileges in this database, its own and those inherited from groups (see Via), per schema and object kind.</summary>
        public IReadOnlyList<DbRolePrivilege> Privileges { get; internal set; } = Array.Empty<DbRolePrivilege>();
        /// <summary>Privileges this role will get on objects other roles create later.</summary>
        public IReadOnlyList<DbDefaultPrivilege> DefaultPrivileges { get; internal set; } = Array.Empty<DbDefaultPrivilege>();
        /// <summary>Tables, sequences and routines this role owns in the schemas looked at.</summary>
        public int OwnedObjects { get; internal set; }

        /// <summary>The attributes as \du spells them.</summary>
        public string Attributes
        {
            get
            {
                var list = new List<string>();
                if (Superuser) list.Add("Superuser");
                if (!Inherit) list.Add("No inheritance");
                if (CreateRole) list.Add("Create role");
                if (CreateDb) list.Add("Create DB");
                if (!Login) list.Add("Cannot login");
                if (Replication) list.Add("Replication");
                if (BypassRls) list.Add("Bypass RLS");
                return string.Join(", ", list);
            }
        }

        public override string ToString() => Name;
    }

    /// <summary>One privilege a role has on the objects of one kind in one schema (or on the database).</summary>
    public sealed class DbRolePrivilege
    {
        public string Role { get; internal set; } = string.Empty;
        /// <summary>The schema; null for the database itself.</summary>
        public string? Schema { get; internal set; }
        public DbObjectKind ObjectKind { get; internal set; }
        public string Privilege { get; internal set; } = string.Empty;
        /// <summary>How many objects carry it (1 for a database or schema).</summary>
        public int Objects { get; internal set; }
        /// <summary>How many objects of that kind the schema holds (not counting the role's own).</summary>
        public int Total { get; internal set; }
        /// <summary>The role the privilege is granted to: the role itself or a group it inherits from.</summary>
        public string Via { get; internal set; } = string.Empty;
        public bool WithGrantOption { get; internal set; }
        public bool Complete => Objects >= Total;

        public override string ToString()
            => $"{Privilege} on {(Schema == null ? "database" : Schema + " " + ObjectKind.ToString().ToLowerInvariant() + "s")} ({Objects}/{Total}){(Via == Role ? string.Empty : " via " + Via)}";
    }

    /// <summary>A default privilege: what <see cref="Grantee"/> gets on objects <see cref="Owner"/> creates later.</summary>
    public sealed class DbDefaultPrivilege
    {
        public string Owner { get; internal set; } = string.Empty;
        /// <summary>The schema, or null for objects created in any schema.</summary>
        public string? Schema { get; internal set; }
        public DbObjectKind ObjectKind { get; internal set; }
        public string Grantee { get; internal set; } = string.Empty;
        public IReadOnlyList<string> Privileges { get; internal set; } = Array.Empty<string>();

        public override string ToString() => $"{Owner}/{Schema ?? "*"} {ObjectKind}: {string.Join(", ", Privileges)} to {Grantee}";
    }

    /// <summary>Kinds of difference between the desired model and the server.</summary>
    public enum DbRoleDriftKind
    {
        MissingRole,
        Attribute,
        Password,
        MissingMembership,
        ExtraMembership,
        MissingGrant,
        /// <summary>The privilege is on some objects of the kind in the schema, not all.</summary>
        PartialGrant,
        ExtraGrant,
        MissingDefaultPrivilege,
        ExtraDefaultPrivilege,
        /// <summary>Objects in a schema are owned by a role that is not one of the owners whose default privileges are kept: what it creates later is not covered.</summary>
        UncoveredOwner,
    }

    /// <summary>One difference between the desired role model and the server.</summary>
    public sealed class DbRoleDrift
    {
        public string Database { get; internal set; } = string.Empty;
        public string Role { get; internal set; } = string.Empty;
        public DbRoleDriftKind Kind { get; internal set; }
        public string? Schema { get; internal set; }
        public DbObjectKind? ObjectKind { get; internal set; }
        public string? Privilege { get; internal set; }
        public string? Expected { get; internal set; }
        public string? Actual { get; internal set; }
        public string Detail { get; internal set; } = string.Empty;
        /// <summary>The SQL Set-DbRole runs to remove this difference (passwords masked); null when it is not Set-DbRole's to fix.</summary>
        public string? Fix { get; internal set; }

        public override string ToString() => $"{Role}: {Kind} {Detail}";
    }

    /// <summary>What Set-DbRole did to one role.</summary>
    public sealed class DbRoleSetResult
    {
        public string Database { get; internal set; } = string.Empty;
        public string Role { get; internal set; } = string.Empty;
        /// <summary>Created, Changed or Unchanged.</summary>
        public string Action { get; internal set; } = "Unchanged";
        /// <summary>How many differences were removed.</summary>
        public int Changes { get; internal set; }
        /// <summary>The statements run for this role (passwords masked).</summary>
        public IReadOnlyList<string> Statements { get; internal set; } = Array.Empty<string>();
        public IReadOnlyList<DbRoleDrift> Drift { get; internal set; } = Array.Empty<DbRoleDrift>();
        public TimeSpan Elapsed { get; internal set; }
        public bool Changed => Changes > 0;

        public override string ToString() => $"{Role}: {Action}";
    }

    /// <summary>What Remove-DbRole did.</summary>
    public sealed class DbRoleRemoveResult
    {
        public string Role { get; internal set; } = string.Empty;
        /// <summary>The server the role was removed from (host:port).</summary>
        public string Server { get; internal set; } = string.Empty;
        /// <summary>The role that received what it owned; null when nothing was reassigned.</summary>
        public string? ReassignedTo { get; internal set; }
        /// <summary>Objects it owned (tables, sequences, routines, schemas, types, databases...) across the databases.</summary>
        public int OwnedObjects { get; internal set; }
        /// <summary>Objects dropped with it (only with -DropOwnedObjects).</summary>
        public int DroppedObjects { get; internal set; }
        /// <summary>The objects it owned as PostgreSQL names them, with their database (at most 50 per database).</summary>
        public IReadOnlyList<string> Owned { get; internal set; } = Array.Empty<string>();
        public IReadOnlyList<string> Databases { get; internal set; } = Array.Empty<string>();
        public IReadOnlyList<string> Statements { get; internal set; } = Array.Empty<string>();
        public bool Removed { get; internal set; }

        public override string ToString() => Role;
    }

    internal static class DbRoleText
    {
        public static string Kind(DbObjectKind kind, bool plural)
        {
            switch (kind)
            {
                case DbObjectKind.Table: return plural ? "tables" : "table";
                case DbObjectKind.Sequence: return plural ? "sequences" : "sequence";
                case DbObjectKind.Function: return plural ? "routines" : "routine";
                case DbObjectKind.Schema: return plural ? "schemas" : "schema";
                default: return plural ? "databases" : "database";
            }
        }

        public static string List(IEnumerable<string> items) => string.Join(", ", items);

        public static string Count(int n, DbObjectKind kind) => $"{n} {Kind(kind, n != 1)}";

        public static IReadOnlyList<string> Sorted(IEnumerable<string> items) => items.OrderBy(s => s, StringComparer.Ordinal).ToList();
    }
}

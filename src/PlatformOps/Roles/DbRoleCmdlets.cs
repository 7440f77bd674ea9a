using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Roles
{
    /// <summary>The parameters Set-DbRole and Test-DbRole share: one role, role specs from the pipeline, or the platform model.</summary>
    public abstract class DbRoleModelCmdlet : PostgresCmdlet
    {
        internal const string RoleSet = "Role";
        internal const string SpecSet = "Spec";
        internal const string PlatformSet = "Platform";

        /// <summary>The role to make what it is asked to be.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = RoleSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RoleNameCompleter))]
        public string Name { get; set; } = string.Empty;

        /// <summary>The role can log in (LOGIN); without it the role is NOLOGIN.</summary>
        [Parameter(ParameterSetName = RoleSet)]
        public SwitchParameter Login { get; set; }

        /// <summary>The role's password (the credential's user name is ignored). Stored as SCRAM-SHA-256, computed here.</summary>
        [Parameter(ParameterSetName = RoleSet)]
        [ValidateNotNull]
        public PSCredential? Password { get; set; }

        /// <summary>The groups the role is a member of: exactly these.</summary>
        [Parameter(ParameterSetName = RoleSet)]
        [AllowEmptyCollection]
        [ArgumentCompleter(typeof(RoleNameCompleter))]
        public string[] MemberOf { get; set; } = Array.Empty<string>();

        /// <summary>The level of the role's own privileges.</summary>
        [Parameter(ParameterSetName = RoleSet)]
        public DbRoleAccess Access { get; set; } = DbRoleAccess.None;

        /// <summary>The role may create roles (CREATEROLE).</summary>
        [Parameter(ParameterSetName = RoleSet)]
        public SwitchParameter CreateRole { get; set; }

        /// <summary>The role does not inherit its groups' privileges (NOINHERIT).</summary>
        [Parameter(ParameterSetName = RoleSet)]
        public SwitchParameter NoInherit { get; set; }

        /// <summary>Role specs ([PlatformOps.Roles.DbRoleSpec]) to apply together.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = SpecSet)]
        [ValidateNotNull]
        public DbRoleSpec[] InputObject { get; set; } = Array.Empty<DbRoleSpec>();

        /// <summary>Service login passwords for the platform model: each credential's user name is a service login.</summary>
        [Parameter(ParameterSetName = PlatformSet)]
        [ValidateNotNull]
        public PSCredential[] ServiceCredential { get; set; } = Array.Empty<PSCredential>();

        /// <summary>The schemas whose privileges are kept. Default: the profile's Roles.Schemas, else every non-system schema.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Schema { get; set; }

        /// <summary>The roles that create objects later; default privileges are kept for them. Default: the profile's Roles.Owners, else the admin role and the connecting user.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Owner { get; set; }

        private readonly List<DbRoleSpec> _specs = new List<DbRoleSpec>();

        protected override void ProcessRecord()
        {
            if (ParameterSetName == RoleSet)
            {
                _specs.Add(new DbRoleSpec(Name, Access)
                {
                    Login = Login,
                    Password = Password?.Password,
                    MemberOf = MemberOf.ToList(),
                    CreateRole = CreateRole,
                    Inherit = !NoInherit,
                });
            }
            else if (ParameterSetName == SpecSet)
            {
                _specs.AddRange(InputObject.Where(s => s != null));
            }
        }

        /// <summary>The settings of the role model in force: the profile's Roles section, else the reference platform's.</summary>
        protected RoleSettings Settings => PlatformRoleModel.SettingsOf(EffectiveProfile);

        /// <summary>Resolves the target and plans; stops with a clear error when that is impossible.</summary>
        protected (PostgresTarget Target, RolePlan Plan) MakePlan()
        {
            var target = ResolvePostgres();
            var settings = Settings;
            IList<DbRoleSpec> specs;
            try
            {
                specs = ParameterSetName == PlatformSet ? PlatformRoleModel.Build(settings, ServiceCredential) : _specs;
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
                throw;
            }
            var schemas = Schema ?? (settings.Schemas != null && settings.Schemas.Count > 0 ? settings.Schemas.ToArray() : null);
            WriteVerbose($"Reading roles and privileges of {target} for {specs.Count} role(s).");
            try
            {
                var plan = Await(ct => RoleEngine.PlanAsync(target, specs, schemas, Owner, user => PlatformRoleModel.OwnersOf(settings, user), ct));
                WriteVerbose($"Schemas: {string.Join(", ", plan.Schemas)}; owner roles: {string.Join(", ", plan.Owners)}; {plan.StatementCount} statement(s) needed.");
                return (target, plan);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
                throw;
            }
        }
    }

    /// <summary>Makes database roles what they are asked to be and nothing else; -Platform applies the profile's whole model.</summary>
    [Cmdlet(VerbsCommon.Set, "DbRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = RoleSet)]
    [OutputType(typeof(DbRoleSetResult))]
    public sealed class SetDbRoleCommand : DbRoleModelCmdlet
    {
        /// <summary>Apply the platform model: the three groups and every service login of the profile (or the reference platform).</summary>
        [Parameter(Mandatory = true, ParameterSetName = PlatformSet)]
        public SwitchParameter Platform { get; set; }

        protected override void EndProcessing()
        {
            var (target, plan) = MakePlan();
            foreach (var notice in plan.Notices) WriteWarning(notice.Detail);
            if (plan.IsEmpty)
            {
                WriteVerbose($"No changes: the {plan.Roles.Count} role(s) already match the model in database '{plan.Database}'.");
            }
            else if (!ShouldProcess(
                         $"Apply {plan.StatementCount} statement(s) to database '{plan.Database}' at {target.Endpoint}:{Environment.NewLine}{plan.Script}",
                         $"Run these {plan.StatementCount} statement(s) on database '{plan.Database}' at {target.Endpoint}?{Environment.NewLine}{plan.Script}",
                         "Set-DbRole"))
            {
                return;
            }
            try
            {
                var results = Await(ct => RoleEngine.ApplyAsync(target, plan, ct));
                var changed = results.Count(r => r.Changed);
                WriteVerbose(changed == 0 ? "No changes." : $"{changed} of {results.Count} role(s) changed with {plan.StatementCount} statement(s).");
                foreach (var r in results) WriteObject(r);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }

    /// <summary>Shows the drift between the desired role model and the server: one row per difference.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "DbRole", DefaultParameterSetName = PlatformSet)]
    [OutputType(typeof(DbRoleDrift), typeof(bool))]
    public sealed class TestDbRoleCommand : DbRoleModelCmdlet
    {
        /// <summary>Return only $true (no drift) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void EndProcessing()
        {
            var (_, plan) = MakePlan();
            var drift = plan.Drift.ToList();
            WriteVerbose(drift.Count == 0 ? "No drift." : $"{drift.Count} difference(s).");
            if (Quiet) WriteObject(drift.Count == 0);
            else foreach (var d in drift) WriteObject(d);
        }
    }

    /// <summary>Roles with their attributes, memberships, effective privileges per schema and object kind, and default privileges.</summary>
    [Cmdlet(VerbsCommon.Get, "DbRole")]
    [OutputType(typeof(DbRole))]
    public sealed class GetDbRoleCommand : PostgresCmdlet
    {
        /// <summary>Role names; wildcards allowed. Default: every role but PostgreSQL's built-in pg_* roles.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(RoleNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>The schemas to report privileges on. Default: every non-system schema.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Schema { get; set; }

        /// <summary>Include PostgreSQL's built-in pg_* roles.</summary>
        [Parameter]
        public SwitchParameter IncludeSystem { get; set; }

        /// <summary>Include privileges every role has through PUBLIC.</summary>
        [Parameter]
        public SwitchParameter IncludePublic { get; set; }

        private readonly List<string> _names = new List<string>();

        protected override void ProcessRecord()
        {
            if (Name != null) _names.AddRange(Name);
        }

        protected override void EndProcessing()
        {
            var target = ResolvePostgres();
            var patterns = _names.Select(n => WildcardPattern.Get(n, WildcardOptions.None)).ToList();
            Func<string, bool>? include = patterns.Count == 0 ? null : n => patterns.Any(p => p.IsMatch(n));
            IList<DbRole> roles;
            try
            {
                roles = Await(ct => RoleEngine.GetAsync(target, include, Schema, IncludeSystem, IncludePublic, ct));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
                return;
            }
            foreach (var name in _names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && roles.All(r => r.Name != n)))
                Report("DbRoleNotFound", ErrorCategory.ObjectNotFound, name, $"Role '{name}' does not exist.");
            foreach (var role in roles) WriteObject(role);
        }
    }

    /// <summary>
    /// Drops roles. A role that owns objects (in any database of the cluster, or a database or tablespace) is refused,
    /// naming them, unless -ReassignTo keeps them or -DropOwnedObjects drops them with it.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "DbRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = InputSet)]
    [OutputType(typeof(DbRoleRemoveResult))]
    public sealed class RemoveDbRoleCommand : PostgresCmdlet
    {
        private const string NameSet = "Name";
        private const string InputSet = "InputObject";

        /// <summary>The roles to remove, on the server the connection parameters (or the profile) name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RoleNameCompleter))]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Roles from Get-DbRole: each is removed on the server and database it was read from.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
        [ValidateNotNull]
        public DbRole[] InputObject { get; set; } = Array.Empty<DbRole>();

        /// <summary>The role that receives what the removed role owns (REASSIGN OWNED): the objects are kept.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RoleNameCompleter))]
        public string? ReassignTo { get; set; }

        /// <summary>Drop what the removed role owns (DROP OWNED), in every database. Destroys data.</summary>
        [Parameter]
        public SwitchParameter DropOwnedObjects { get; set; }

        private DbRoleOwnedObjectAction Action
            => ReassignTo != null ? DbRoleOwnedObjectAction.Reassign : DropOwnedObjects ? DbRoleOwnedObjectAction.Drop : DbRoleOwnedObjectAction.Refuse;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (ReassignTo != null && DropOwnedObjects)
                Fail("DbRoleRemoveOptionsConflict", ErrorCategory.InvalidArgument, ReassignTo,
                    "-ReassignTo keeps what the role owns and -DropOwnedObjects drops it: give one of them, not both.");
        }

        private bool ConnectionNamed => MyInvocation.BoundParameters.ContainsKey(nameof(Server)) || MyInvocation.BoundParameters.ContainsKey(nameof(Port))
            || MyInvocation.BoundParameters.ContainsKey(nameof(Database));

        protected override void ProcessRecord()
        {
            if (ParameterSetName == NameSet)
            {
                var target = ResolvePostgres();
                foreach (var name in Name) Remove(target, name);
                return;
            }
            foreach (var role in InputObject)
            {
                if (role == null) continue;
                PostgresTarget target;
                if (role.Connection == null)
                {
                    target = ResolvePostgres();
                }
                else
                {
                    target = role.Connection;
                    if (ConnectionNamed)
                    {
                        var named = ResolvePostgres();
                        if (named.Endpoint != target.Endpoint || (MyInvocation.BoundParameters.ContainsKey(nameof(Database)) && named.Database != target.Database))
                        {
                            Report("DbRoleServerMismatch", ErrorCategory.InvalidArgument, role,
                                $"Role '{role.Name}' was read from {target.Endpoint} (database '{target.Database}'), but the parameters name {named.Endpoint} (database '{named.Database}'). " +
                                "Nothing was changed. Pipe roles read from the server you mean, or pass names (-Name) instead of role objects.");
                            continue;
                        }
                    }
                }
                Remove(target, role.Name);
            }
        }

        private void Remove(PostgresTarget target, string name)
        {
            try
            {
                var plan = Await(ct => RoleRemover.PlanAsync(target, name, Action, ReassignTo, ct));
                string what;
                switch (plan.Action)
                {
                    case DbRoleOwnedObjectAction.Reassign:
                        what = $"Reassign what '{name}' owns ({plan.OwnedObjects} object(s)) to '{plan.ReassignTo}', revoke its privileges and drop it";
                        break;
                    case DbRoleOwnedObjectAction.Drop:
                        what = plan.OwnedObjects > 0
                            ? $"DROP the {plan.OwnedObjects} object(s) '{name}' owns ({plan.Describe()}), revoke its privileges and drop it"
                            : $"Revoke the privileges of '{name}' and drop it (it owns no objects)";
                        break;
                    default:
                        what = $"Revoke the privileges of '{name}' and drop it (it owns no objects)";
                        break;
                }
                if (!ShouldProcess($"{what}, at {target.Endpoint} in database(s) {string.Join(", ", plan.Databases)}:{Environment.NewLine}{plan.Script}",
                        $"{what}, at {target.Endpoint}?{Environment.NewLine}{plan.Script}", "Remove-DbRole"))
                    return;
                WriteObject(Await(ct => RoleRemover.RemoveAsync(target, plan, ct)));
            }
            catch (PlatformOpsException ex)
            {
                Report(ex);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;
using PlatformOps.Profile;

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

    /// <summary>Reassigns or drops what a role owns, in every database, then drops the role.</summary>
    [Cmdlet(VerbsCommon.Remove, "DbRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(DbRoleRemoveResult))]
    public sealed class RemoveDbRoleCommand : PostgresCmdlet
    {
        /// <summary>The roles to remove.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RoleNameCompleter))]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>The role that receives what the removed role owns. Without it, its objects are dropped.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RoleNameCompleter))]
        public string? ReassignTo { get; set; }

        protected override void ProcessRecord()
        {
            var target = ResolvePostgres();
            foreach (var name in Name)
            {
                try
                {
                    var plan = Await(ct => RoleEngine.PlanRemoveAsync(target, name, ReassignTo, ct));
                    var what = plan.ReassignTo != null
                        ? $"Reassign what '{name}' owns ({plan.OwnedObjects} object(s)) to '{plan.ReassignTo}', revoke its privileges and drop it"
                        : $"Drop the {plan.OwnedObjects} object(s) '{name}' owns, revoke its privileges and drop it";
                    if (!ShouldProcess($"{what}, at {target.Endpoint} in database(s) {string.Join(", ", plan.Databases)}:{Environment.NewLine}{plan.Script}",
                            $"{what}?{Environment.NewLine}{plan.Script}", "Remove-DbRole"))
                        continue;
                    WriteObject(Await(ct => RoleEngine.RemoveAsync(target, plan, ct)));
                }
                catch (PlatformOpsException ex)
                {
                    Report(ex);
                }
            }
        }
    }
}

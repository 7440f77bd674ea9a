using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Roles;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// The role items: drift from the profile's role model (as Test-DbRole sees it), and service logins that are
    /// superusers. A profile without a Roles section has no model of its own: then only what holds on every platform is
    /// judged (the three reference groups, where they exist, and no superuser among their logins), never the reference
    /// platform's service login names.
    /// </summary>
    internal static partial class ReadinessChecklist
    {
        private static ReadinessItem RoleDriftItem()
            => Item("security.role-drift", Sec, "Database roles have no drift", "Test-DbRole; Set-DbRole -Platform -WhatIf; Set-DbRole -Platform",
                "roles, memberships and grants as the profile's Roles model says", RoleDriftAsync);

        private static async Task<ReadinessCheck> RoleDriftAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            if (plan.Postgres == null && plan.PostgresError == null) return d.Skip("the profile has no Postgres section");
            if (plan.PostgresError != null) throw plan.PostgresError;
            var settings = PlatformRoleModel.SettingsOf(plan.Profile);
            var specs = PlatformRoleModel.Build(settings);
            var ownModel = plan.Profile.Roles != null;
            string model;
            if (ownModel)
            {
                model = $"{Words.Plural(specs.Count, "role")} of the profile's model ({settings.ReadRole}, {settings.WriteRole}, {settings.AdminRole} and {Words.Plural(settings.Services.Count, "service login")})";
            }
            else
            {
                var groups = new[] { settings.ReadRole, settings.WriteRole, settings.AdminRole };
                var existing = await ExistingRolesAsync(plan, groups, context.CancellationToken).ConfigureAwait(false);
                if (existing.Count == 0)
                    return d.Skip($"the profile has no Roles section and the server has none of the groups {string.Join(", ", groups)}: " +
                                  "there is no role model to judge against (add a Roles section to the profile to judge roles and grants)");
                // Only the groups that exist, with memberships among them; no service login of another platform.
                specs = specs.Where(s => existing.Contains(s.Name) && !s.Login).ToList();
                foreach (var s in specs) s.MemberOf = s.MemberOf.Where(existing.Contains).ToList();
                model = $"the profile has no Roles section: {Words.Plural(specs.Count, "group")} that exist{(specs.Count == 1 ? "s" : string.Empty)} ({string.Join(", ", specs.Select(s => s.Name))}) judged against the three-group model, no service logins assumed;";
            }
            var schemas = settings.Schemas != null && settings.Schemas.Count > 0 ? settings.Schemas : null;
            var rolePlan = await RoleEngine.PlanAsync(plan.Postgres!, specs, schemas, null, user => PlatformRoleModel.OwnersOf(settings, user),
                context.CancellationToken).ConfigureAwait(false);
            var drift = rolePlan.Drift.ToList();
            var where = $"database '{rolePlan.Database}', {Words.Plural(rolePlan.Schemas.Count, "schema")}";
            ReadinessCheck check;
            if (drift.Count == 0)
                check = d.Pass(ownModel ? $"{model} match, in {where}" : $"{model} they match, in {where}", null, drift);
            else
            {
                var details = drift.Select(x => x.ToString()).ToList();
                if (!ownModel) details.Insert(0, model);
                var roles = drift.Select(x => x.Role).Distinct(StringComparer.Ordinal).ToList();
                var kinds = string.Join(", ", drift.GroupBy(x => x.Kind).Select(g => $"{g.Count()} {g.Key}"));
                check = drift.All(x => x.Kind == DbRoleDriftKind.UncoveredOwner)
                    ? d.Warn($"{Words.Plural(drift.Count, "difference")} ({kinds}) on {Words.Some(roles)}, in {where}", details, drift)
                    : d.Fail($"{Words.Plural(drift.Count, "difference")} ({kinds}) on {Words.Some(roles)}, in {where}", details, drift);
            }
            check.Value = drift.Count;
            check.Unit = "differences";
            return check;
        }

        private static async Task<HashSet<string>> ExistingRolesAsync(ReadinessPlan plan, IEnumerable<string> names, CancellationToken cancellationToken)
        {
            var found = new HashSet<string>(StringComparer.Ordinal);
            using var connection = await plan.Postgres!.OpenAsync(cancellationToken, Math.Max(1, (int)plan.Timeout.TotalSeconds)).ConfigureAwait(false);
            using var command = new NpgsqlCommand("select rolname from pg_roles where rolname = any(@names)", connection);
            command.Parameters.AddWithValue("names", names.ToArray());
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) found.Add(reader.GetString(0));
            return found;
        }

        /// <summary>
        /// The service logins to judge: the role model's, when the profile has one; otherwise the LOGIN roles that are
        /// members of the three reference groups, where those exist. Returns them and those among them with SUPERUSER
        /// or BYPASSRLS.
        /// </summary>
        private static async Task<(List<string> Services, List<string> Superusers, string Source)> ServiceLoginsAsync(ReadinessContext context, NpgsqlConnection connection)
        {
            var settings = PlatformRoleModel.SettingsOf(context.Plan.Profile);
            var services = new List<string>();
            var superusers = new List<string>();
            string source;
            NpgsqlCommand command;
            if (context.Plan.Profile.Roles != null)
            {
                source = "the service logins of the profile's role model";
                command = new NpgsqlCommand("select rolname, rolsuper or rolbypassrls from pg_roles where rolname = any(@names) order by 1", connection);
                command.Parameters.AddWithValue("names", settings.Services.Keys.ToArray());
            }
            else
            {
                var groups = new[] { settings.ReadRole, settings.WriteRole, settings.AdminRole };
                source = $"the logins that are members of {string.Join(", ", groups)} (the profile has no Roles section)";
                command = new NpgsqlCommand(@"
select distinct m.rolname, m.rolsuper or m.rolbypassrls
from pg_auth_members am join pg_roles m on m.oid = am.member join pg_roles g on g.oid = am.roleid
where g.rolname = any(@groups) and m.rolcanlogin order by 1", connection);
                command.Parameters.AddWithValue("groups", groups);
            }
            using (command)
            using (var reader = await command.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false))
                {
                    services.Add(reader.GetString(0));
                    if (reader.GetBoolean(1)) superusers.Add(reader.GetString(0));
                }
            }
            if (context.Plan.Profile.Roles != null)
                foreach (var name in settings.Services.Keys.Where(k => !services.Contains(k))) services.Add(name);
            return (services, superusers, source);
        }
    }
}

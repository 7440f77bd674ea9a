using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Roles;

namespace PlatformOps.Readiness
{
    /// <summary>The role items: drift from the profile's role model (as Test-DbRole sees it), and service logins that are superusers.</summary>
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
            var schemas = settings.Schemas != null && settings.Schemas.Count > 0 ? settings.Schemas : null;
            var rolePlan = await RoleEngine.PlanAsync(plan.Postgres!, specs, schemas, null, user => PlatformRoleModel.OwnersOf(settings, user),
                context.CancellationToken).ConfigureAwait(false);
            var drift = rolePlan.Drift.ToList();
            var model = $"{Words.Plural(specs.Count, "role")} of the {(plan.Profile.Roles == null ? "reference" : "profile's")} model ({settings.ReadRole}, {settings.WriteRole}, {settings.AdminRole} and {Words.Plural(settings.Services.Count, "service login")})";
            var where = $"database '{rolePlan.Database}', {Words.Plural(rolePlan.Schemas.Count, "schema")}";
            ReadinessCheck check;
            if (drift.Count == 0)
                check = d.Pass($"{model} match, in {where}", null, drift);
            else
            {
                var details = drift.Select(x => x.ToString()).ToList();
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

        /// <summary>The service logins of the role model that are superusers (or bypass row security, or may create roles).</summary>
        private static async Task<(int Services, List<string> Superusers)> SuperuserServiceLoginsAsync(ReadinessContext context, NpgsqlConnection connection)
        {
            var settings = PlatformRoleModel.SettingsOf(context.Plan.Profile);
            var names = settings.Services.Keys.ToArray();
            var found = new List<string>();
            if (names.Length == 0) return (0, found);
            using var command = new NpgsqlCommand("select rolname from pg_roles where rolname = any(@names) and (rolsuper or rolbypassrls) order by 1", connection);
            command.Parameters.AddWithValue("names", names);
            using var reader = await command.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false)) found.Add(reader.GetString(0));
            return (names.Length, found);
        }
    }
}

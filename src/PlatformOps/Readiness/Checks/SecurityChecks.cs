using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Npgsql;

namespace PlatformOps.Readiness
{
    internal static partial class ReadinessChecklist
    {
        private const ReadinessCategory Sec = ReadinessCategory.Security;

        private static IEnumerable<ReadinessItem> Security(ReadinessPlan plan)
        {
            yield return CertificatesItem(plan);
            yield return SecretHygieneItem();
            yield return RepositorySecretsItem();
            yield return RoleDriftItem();
            yield return Item("security.no-superuser-services", Sec, "No service uses a superuser",
                "Get-DbRole; Set-DbRole (a login role per service)", "no superuser session outside maintenance tools", NoSuperuserServicesAsync);
        }

        private const string SuperuserSessionsSql = @"
select a.usename, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local socket'), count(*)::int
from pg_stat_activity a join pg_roles r on r.oid = a.usesysid
where a.backend_type = 'client backend' and r.rolsuper and a.pid <> pg_backend_pid()
group by 1, 2, 3 order by 4 desc, 1, 2";

        private static async Task<ReadinessCheck> NoSuperuserServicesAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            if (plan.Postgres == null && plan.PostgresError == null) return d.Skip("the profile has no Postgres section");
            if (plan.PostgresError != null) throw plan.PostgresError;
            var admin = plan.AdminApplications;
            var sessions = new List<(string User, string App, string From, int Count)>();
            (int Count, List<string> Superusers) logins;
            using (var connection = await plan.Postgres!.OpenAsync(context.CancellationToken, Math.Max(1, (int)plan.Timeout.TotalSeconds)).ConfigureAwait(false))
            {
                using (var command = new NpgsqlCommand(SuperuserSessionsSql, connection))
                using (var reader = await command.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false))
                        sessions.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
                }
                logins = await SuperuserServiceLoginsAsync(context, connection).ConfigureAwait(false);
            }
            var services = sessions.Where(x => !admin.Any(a => x.App.StartsWith(a, StringComparison.OrdinalIgnoreCase))).ToList();
            var maintenance = sessions.Sum(x => x.Count) - services.Sum(x => x.Count);
            var details = services.Select(x => $"{x.User}: {Words.Plural(x.Count, "session")} from {(x.App.Length == 0 ? "an application without a name" : $"'{x.App}'")} ({x.From})")
                .Concat(logins.Superusers.Select(n => $"{n}: a service login of the role model with SUPERUSER or BYPASSRLS")).ToList();
            var loginText = logins.Count == 0 ? "the role model names no service logins" : $"none of the {Words.Plural(logins.Count, "service login")} of the role model is a superuser";
            ReadinessCheck check;
            if (services.Count > 0)
                check = d.Fail($"{Words.Plural(services.Sum(x => x.Count), "superuser session")} from services: {Words.Some(services.Select(x => $"{x.User} via '{x.App}'"))}", details, sessions);
            else if (logins.Superusers.Count > 0)
                check = d.Fail($"service logins with superuser powers: {Words.Some(logins.Superusers)}", details, sessions);
            else
                check = d.Pass($"no superuser session outside maintenance tools ({Words.Plural(maintenance, "maintenance session")}: {Words.Some(admin, 3)}); {loginText}", null, sessions);
            check.Value = services.Sum(x => x.Count);
            check.Unit = "sessions";
            return check;
        }
    }
}

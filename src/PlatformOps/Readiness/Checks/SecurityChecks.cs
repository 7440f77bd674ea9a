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
                "Get-DbRole; Set-DbRole (a login role per service)", "no service login is a superuser; no superuser session of a service the profile names", NoSuperuserServicesAsync);
        }

        private const string SuperuserSessionsSql = @"
select a.usename, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local socket'), count(*)::int
from pg_stat_activity a join pg_roles r on r.oid = a.usesysid
where a.backend_type = 'client backend' and r.rolsuper and a.pid <> pg_backend_pid()
group by 1, 2, 3 order by 4 desc, 1, 2";

        /// <summary>
        /// Judges services, not every session: a superuser session counts when its user is a service login (of the role
        /// model, or a member of the groups) or its application is one the profile names (Services, Monitoring: name or
        /// container). Other superuser sessions (an operator's psql, a maintenance tool) are listed, not judged.
        /// </summary>
        private static async Task<ReadinessCheck> NoSuperuserServicesAsync(ReadinessContext context, ReadinessDefinition d)
        {
            var plan = context.Plan;
            if (plan.Postgres == null && plan.PostgresError == null) return d.Skip("the profile has no Postgres section");
            if (plan.PostgresError != null) throw plan.PostgresError;
            var admin = plan.AdminApplications;
            var sessions = new List<(string User, string App, string From, int Count)>();
            (List<string> Services, List<string> Superusers, string Source) logins;
            using (var connection = await plan.Postgres!.OpenAsync(context.CancellationToken, Math.Max(1, (int)plan.Timeout.TotalSeconds)).ConfigureAwait(false))
            {
                using (var command = new NpgsqlCommand(SuperuserSessionsSql, connection))
                using (var reader = await command.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false))
                        sessions.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
                }
                logins = await ServiceLoginsAsync(context, connection).ConfigureAwait(false);
            }
            var applications = plan.Profile.Services.Concat(plan.Profile.Monitoring)
                .SelectMany(e => new[] { e.Name, e.Container })
                .Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            bool IsServiceApp(string app) => app.Length > 0 && applications.Any(a => app.StartsWith(a, StringComparison.OrdinalIgnoreCase));
            var serviceLogins = new HashSet<string>(logins.Services, StringComparer.Ordinal);
            var services = sessions.Where(x => serviceLogins.Contains(x.User) || (IsServiceApp(x.App) && !admin.Any(a => x.App.StartsWith(a, StringComparison.OrdinalIgnoreCase)))).ToList();
            var others = sessions.Except(services).ToList();
            var details = services.Select(x => $"{x.User}: {Words.Plural(x.Count, "session")} from {(x.App.Length == 0 ? "an application without a name" : $"'{x.App}'")} ({x.From})")
                .Concat(logins.Superusers.Select(n => $"{n}: a service login with SUPERUSER or BYPASSRLS"))
                .Concat(others.Select(x => $"not judged: {x.User}: {Words.Plural(x.Count, "superuser session")} from {(x.App.Length == 0 ? "an application without a name" : $"'{x.App}'")} ({x.From}), not a service the profile names"))
                .ToList();
            var judged = $"judged: {logins.Source} ({logins.Services.Count}) and the {Words.Plural(applications.Count, "application")} the profile names";
            var loginText = logins.Services.Count == 0 ? "no service logins to judge" : $"none of the {Words.Plural(logins.Services.Count, "service login")} is a superuser";
            ReadinessCheck check;
            if (services.Count > 0)
                check = d.Fail($"{Words.Plural(services.Sum(x => x.Count), "superuser session")} from services: {Words.Some(services.Select(x => $"{x.User} via '{x.App}'"))}", details, sessions);
            else if (logins.Superusers.Count > 0)
                check = d.Fail($"service logins with superuser powers: {Words.Some(logins.Superusers)}", details, sessions);
            else
                check = d.Pass($"no superuser session of a service; {loginText} ({judged}; {Words.Plural(others.Sum(x => x.Count), "other superuser session")} not judged)", details.Count == 0 ? null : details, sessions);
            check.Value = services.Sum(x => x.Count);
            check.Unit = "sessions";
            return check;
        }
    }
}

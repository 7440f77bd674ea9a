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
            var s = plan.Settings;
            yield return Unavailable("security.tls-certificates", Sec, "TLS certificates are present, valid and not expiring soon",
                "Get-PlatformCertificate | Test-PlatformCertificate", $"valid for more than {Words.Number(s.CertificateWarningDays)} days");
            yield return Unavailable("security.secrets-hygiene", Sec, "Secrets hygiene passes", "Test-PlatformSecretHygiene");
            yield return Unavailable("security.repository-secrets", Sec, "No secret is committed to the repository", "Find-PlatformSecret -Path <repository>");
            yield return Unavailable("security.role-drift", Sec, "Database roles have no drift", "Test-DbRole; Set-DbRole to converge");
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
            using (var connection = await plan.Postgres!.OpenAsync(context.CancellationToken, Math.Max(1, (int)plan.Timeout.TotalSeconds)).ConfigureAwait(false))
            using (var command = new NpgsqlCommand(SuperuserSessionsSql, connection))
            using (var reader = await command.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false))
                    sessions.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
            }
            var services = sessions.Where(x => !admin.Any(a => x.App.StartsWith(a, StringComparison.OrdinalIgnoreCase))).ToList();
            var maintenance = sessions.Sum(x => x.Count) - services.Sum(x => x.Count);
            var details = services.Select(x => $"{x.User}: {Words.Plural(x.Count, "session")} from {(x.App.Length == 0 ? "an application without a name" : $"'{x.App}'")} ({x.From})").ToList();
            var check = services.Count > 0
                ? d.Fail($"{Words.Plural(services.Sum(x => x.Count), "superuser session")} from services: {Words.Some(services.Select(x => $"{x.User} via '{x.App}'"))}", details, sessions)
                : d.Pass($"no superuser session outside maintenance tools ({Words.Plural(maintenance, "maintenance session")}: {Words.Some(admin, 3)})", null, sessions);
            check.Value = services.Sum(x => x.Count);
            check.Unit = "sessions";
            return check;
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using PlatformOps.Common.Completers;
using PlatformOps.Postgres;

namespace PlatformOps.Roles
{
    /// <summary>Role names: the server's roles (not the pg_* built-ins), plus the profile's role model.</summary>
    public sealed class RoleNameCompleter : PostgresListCompleter
    {
        protected override string Query =>
            "SELECT rolname, CASE WHEN rolcanlogin THEN 'login role' ELSE 'group role' END FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1";

        protected override IReadOnlyList<CompletionCandidate> Candidates(CompletionRequest request, CancellationToken cancellationToken)
        {
            var list = new List<CompletionCandidate>();
            var roles = request.Profile?.Roles;
            if (roles != null)
            {
                foreach (var group in new[] { roles.ReadRole, roles.WriteRole, roles.AdminRole }.Where(r => !string.IsNullOrEmpty(r)))
                    list.Add(new CompletionCandidate(group, "group role in the profile's model"));
                list.AddRange(roles.Services.Select(s => new CompletionCandidate(s.Key, $"service login ({s.Value}) in the profile's model")));
            }
            try
            {
                // The server's own view first: it says whether a role exists and what kind it is.
                list.InsertRange(0, base.Candidates(request, cancellationToken));
            }
            catch (System.Exception) when (list.Count > 0)
            {
                // The server did not answer in time: the profile's names still help.
            }
            return list;
        }
    }
}

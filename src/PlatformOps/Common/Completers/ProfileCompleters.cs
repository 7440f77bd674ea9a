using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace PlatformOps.Common.Completers
{
    /// <summary>Container names from the platform profile: PostgreSQL's, Redis's, every service's and monitor's.</summary>
    public sealed class ContainerNameCompleter : PlatformCompleter
    {
        protected override IReadOnlyList<CompletionCandidate> Candidates(CompletionRequest request, CancellationToken cancellationToken)
        {
            var p = request.Profile;
            if (p == null) return new List<CompletionCandidate>();
            var list = new List<CompletionCandidate>();
            if (!string.IsNullOrEmpty(p.Postgres?.Container)) list.Add(new CompletionCandidate(p.Postgres!.Container!, "PostgreSQL container"));
            if (!string.IsNullOrEmpty(p.Redis?.Container)) list.Add(new CompletionCandidate(p.Redis!.Container!, "Redis container"));
            list.AddRange(p.Services.Concat(p.Monitoring).Where(e => !string.IsNullOrEmpty(e.Container))
                .Select(e => new CompletionCandidate(e.Container!, $"{e.Name}: {e.Url}")));
            return list;
        }
    }

    /// <summary>Service and monitoring endpoint names from the platform profile.</summary>
    public sealed class ServiceNameCompleter : PlatformCompleter
    {
        protected override IReadOnlyList<CompletionCandidate> Candidates(CompletionRequest request, CancellationToken cancellationToken)
        {
            var p = request.Profile;
            if (p == null) return new List<CompletionCandidate>();
            return p.Services.Concat(p.Monitoring).Where(e => !string.IsNullOrEmpty(e.Name))
                .Select(e => new CompletionCandidate(e.Name, e.Url)).ToList();
        }
    }
}

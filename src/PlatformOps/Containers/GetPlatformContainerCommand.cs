using System;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Containers
{
    /// <summary>Lists the platform's containers with their health, failing streak, last probe output, restarts and OOM flag.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformContainer")]
    [OutputType(typeof(PlatformContainer))]
    public sealed class GetPlatformContainerCommand : DockerCmdlet
    {
        /// <summary>Container names; wildcards allowed.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PlatformOps.Common.Completers.ContainerNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Seconds to wait for the Docker engine before giving up.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 10;

        protected override void EndProcessing()
        {
            var target = ResolveDocker();
            var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            Func<string, bool>? filter = patterns == null ? null : n => patterns.Any(p => p.IsMatch(n));
            WriteVerbose($"Reading containers from {target.Endpoint}" + (target.ComposeProject == null ? "." : $", Compose project '{target.ComposeProject}'."));
            try
            {
                using var inspector = new ContainerInspector(target, TimeSpan.FromSeconds(TimeoutSec));
                var containers = Await(ct => inspector.GetContainersAsync(target.ComposeProject, filter, ct));
                foreach (var container in containers) WriteObject(container);
                if (Name != null)
                {
                    foreach (var literal in Name.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
                    {
                        if (!containers.Any(c => string.Equals(c.Name, literal, StringComparison.OrdinalIgnoreCase)))
                            Report("PlatformContainerNotFound", ErrorCategory.ObjectNotFound, literal,
                                $"No container named '{literal}'" + (target.ComposeProject == null ? "." : $" in Compose project '{target.ComposeProject}'. Use -ComposeProject * to search every container."));
                    }
                }
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

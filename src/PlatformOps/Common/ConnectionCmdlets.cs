using System.Management.Automation;

namespace PlatformOps.Common
{
    /// <summary>A cmdlet that talks to a Docker engine: -DockerEndpoint and -ComposeProject, then profile, then DOCKER_HOST.</summary>
    public abstract class DockerCmdlet : PlatformCmdlet
    {
        /// <summary>The engine endpoint as DOCKER_HOST spells it. Default: profile, then DOCKER_HOST, then the local socket.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DockerEndpoint { get; set; }

        /// <summary>The Compose project. Default: the profile's. '*' means every container of the engine.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ComposeProject { get; set; }

        protected DockerTarget ResolveDocker()
        {
            var target = DockerTarget.Resolve(DockerEndpoint, ComposeProject, EffectiveProfile);
            return target.ComposeProject == "*" ? new DockerTarget(target.Endpoint, null) : target;
        }
    }
}

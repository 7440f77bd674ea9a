using System;
using System.Linq;
using System.Runtime.InteropServices;
using Docker.DotNet;

namespace PlatformOps.Common
{
    /// <summary>A Docker engine endpoint and the Compose project of the platform. Resolved from parameters, profile, DOCKER_HOST.</summary>
    public sealed class DockerTarget
    {
        public DockerTarget(string endpoint, string? composeProject)
        {
            Endpoint = endpoint;
            ComposeProject = composeProject;
        }

        public string Endpoint { get; }
        public string? ComposeProject { get; }

        public static string DefaultEndpoint =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "npipe://./pipe/docker_engine" : "unix:///var/run/docker.sock";

        public static DockerTarget Resolve(string? endpoint, string? composeProject, PlatformProfile? profile, Func<string, string?>? environment = null)
        {
            environment ??= Environment.GetEnvironmentVariable;
            var resolved = ConnectionSettings.FirstOf(endpoint, profile?.Docker?.Endpoint, environment("DOCKER_HOST"), DefaultEndpoint)!;
            var project = ConnectionSettings.FirstOf(composeProject, profile?.Docker?.ComposeProject, environment("COMPOSE_PROJECT_NAME"));
            return new DockerTarget(resolved, project);
        }

        public DockerClient CreateClient(TimeSpan timeout)
        {
            Uri uri;
            try
            {
                uri = new Uri(Endpoint);
            }
            catch (UriFormatException ex)
            {
                throw new PlatformOpsException("DockerEndpointInvalid", System.Management.Automation.ErrorCategory.InvalidArgument, Endpoint,
                    $"'{Endpoint}' is not a Docker endpoint. Use unix:///path/docker.sock, tcp://host:port or npipe://./pipe/name.", ex);
            }
            return new DockerClientConfiguration(uri, null, timeout).CreateClient();
        }

        /// <summary>
        /// An engine failure in our words: Docker.DotNet's wrappers ("The requested failed, see inner exception for
        /// details") never reach the user; the cause does (no such socket, permission denied, refused, no answer).
        /// </summary>
        public PlatformOpsException Explain(Exception ex)
        {
            string? cause = null;
            if (Endpoint.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
            {
                var socket = Endpoint.Substring("unix://".Length);
                if (!System.IO.File.Exists(socket)) cause = $"the socket {socket} does not exist (is dockerd running?)";
                else if (ErrorCauses.Chain(ex).OfType<System.Net.Sockets.SocketException>().Any(s => s.SocketErrorCode == System.Net.Sockets.SocketError.AccessDenied))
                    cause = $"permission denied on {socket} (run as root or as a member of the docker group)";
            }
            cause ??= ErrorCauses.Describe(ex) ?? "no connection could be made";
            return new PlatformOpsException("DockerEngineUnreachable", System.Management.Automation.ErrorCategory.ConnectionError, Endpoint,
                $"Cannot reach the Docker engine at {Endpoint}: {cause}. Check that dockerd is running, or set -DockerEndpoint / DOCKER_HOST.", ex);
        }

        public override string ToString() => Endpoint;
    }
}

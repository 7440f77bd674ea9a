using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Redis
{
    /// <summary>A cmdlet that talks to Redis: -Server, -Port, -Credential, -PasswordFile, then profile, then REDISCLI_AUTH.</summary>
    public abstract class RedisCmdlet : PlatformCmdlet
    {
        /// <summary>Host name or address, optionally host:port. Default: profile, then 127.0.0.1. -Host is an alias (the profile's word).</summary>
        [Parameter]
        [Alias("Host")]
        [ValidateNotNullOrEmpty]
        public string? Server { get; set; }

        [Parameter]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        /// <summary>The Redis password as the credential's password (the user name is ignored unless ACLs are used).</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>A file that holds only the Redis password.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PasswordFile { get; set; }

        protected RedisTarget ResolveRedis()
        {
            try
            {
                return RedisTarget.Resolve(Server, Port, Credential,
                    PasswordFile == null ? null : GetUnresolvedProviderPathFromPSPath(PasswordFile), EffectiveProfile);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
                throw;
            }
        }
    }
}

using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Redis
{
    /// <summary>Measures a Redis server: version, role, latency, memory, persistence, and the known traps.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformRedisStatus")]
    [OutputType(typeof(RedisStatus))]
    public sealed class GetPlatformRedisStatusCommand : RedisCmdlet
    {
        /// <summary>Seconds to wait for the connection.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 3;

        protected override void EndProcessing()
        {
            var target = ResolveRedis();
            WriteVerbose($"Connecting to {target}.");
            try
            {
                var status = Await(ct => RedisProbe.GetStatusAsync(target, ct, TimeoutSec * 1000));
                foreach (var warning in status.Warnings) WriteWarning(warning);
                WriteObject(status);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

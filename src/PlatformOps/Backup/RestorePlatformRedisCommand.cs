using System.Management.Automation;
using PlatformOps.Common;
using PlatformOps.Redis;

namespace PlatformOps.Backup
{
    /// <summary>Puts a backup set's Redis snapshot back into the Redis container.</summary>
    [Cmdlet(VerbsData.Restore, "PlatformRedis", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RedisRestoreResult))]
    public sealed class RestorePlatformRedisCommand : RedisCmdlet
    {
        /// <summary>The set's folder. Binds from a PlatformBackupSet's Path.</summary>
        [Parameter(Position = 0, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>The Redis container. Default: the profile's Redis.Container.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PlatformOps.Common.Completers.ContainerNameCompleter))]
        public string? Container { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DockerEndpoint { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var set = BackupStore.Open(GetUnresolvedProviderPathFromPSPath(Path), ManifestSeal.ResolveKey(EffectiveProfile));
                var target = ResolveRedis();
                var docker = DockerTarget.Resolve(DockerEndpoint, null, EffectiveProfile);
                var progress = new BackupProgress($"Restore-PlatformRedis {set.Id}");
                var plan = BackupCmdletSupport.Run(this, progress, ct => RedisRestore.PlanAsync(set, target, docker, Container, progress, ct), CancellationToken);
                if (MyInvocation.BoundParameters.ContainsKey("WhatIf"))
                {
                    foreach (var step in plan.Steps) ShouldProcess(plan.Container, step);
                    return;
                }
                if (!ShouldProcess(plan.Container, $"Replace every key of Redis {target.Endpoint} with the {plan.KeysExpected} keys of backup {set.Id} (the container is restarted)")) return;
                var result = BackupCmdletSupport.Run(this, progress, ct => RedisRestore.ExecuteAsync(plan, progress, ct), CancellationToken);
                if (!result.Passed)
                    WriteWarning($"Redis holds {result.KeysLoaded} keys after the restore; the set has {result.KeysExpected}.");
                WriteObject(result);
            }
            catch (PlatformOpsException ex)
            {
                Report(ex);
            }
        }
    }
}

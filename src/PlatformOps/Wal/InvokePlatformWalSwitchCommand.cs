using System;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Wal
{
    /// <summary>Switches to a new WAL segment and waits until the closed one is archived or the timeout passes.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "PlatformWalSwitch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(WalSwitchResult))]
    public sealed class InvokePlatformWalSwitchCommand : WalCmdlet
    {
        /// <summary>Seconds to wait for the segment to be archived.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 60;

        protected override void EndProcessing()
        {
            var target = ResolvePostgres();
            if (!ShouldProcess($"PostgreSQL at {target.Endpoint}", "Switch WAL segment (pg_switch_wal) and wait for it to be archived")) return;
            try
            {
                WriteObject(Await(ct => WalSwitch.SwitchAsync(target, TimeSpan.FromSeconds(TimeoutSec), DockerFor(target), ct)));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

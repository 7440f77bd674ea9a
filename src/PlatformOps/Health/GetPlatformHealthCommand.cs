using System.Management.Automation;

namespace PlatformOps.Health
{
    /// <summary>Probes every part of the platform in parallel and writes one object per checked item.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformHealth")]
    [OutputType(typeof(HealthItem))]
    [OutputType(typeof(HealthSummary))]
    public sealed class GetPlatformHealthCommand : HealthCmdlet
    {
        /// <summary>One roll-up line per component instead of one line per item.</summary>
        [Parameter]
        public SwitchParameter Summary { get; set; }

        protected override void EndProcessing()
        {
            var plan = BuildPlan();
            var items = Await(ct => HealthChecker.CheckAsync(plan, ct));
            if (Summary) WriteObject(HealthSummary.From(items), enumerateCollection: true);
            else WriteObject(items, enumerateCollection: true);
        }
    }
}

using System;
using System.IO;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>Removes exactly what Install-PlatformMaintenance installed for a platform, as its install record names it.</summary>
    [Cmdlet(VerbsLifecycle.Uninstall, "PlatformMaintenance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MaintenanceRemoval))]
    public sealed class UninstallPlatformMaintenanceCommand : MaintenanceCmdlet
    {
        /// <summary>Also remove files that were changed since they were installed.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var plan = RequirePlan();
            InstallRecord? record = null;
            try { record = InstallRecord.Load(plan.RecordPath); }
            catch (MaintenanceException ex) { Fail(ex); }
            if (record == null)
            {
                WriteWarning($"Nothing to remove: '{plan.Platform}' has no install record at {plan.RecordPath} (Install-PlatformMaintenance was not run with this profile, or its jobs were removed already).");
                return;
            }
            var apply = ShouldProcess($"{plan.Platform}: {record.Scheduler}, {record.Jobs.Count} job(s), {record.Files.Count} file(s)", "Remove the scheduled maintenance jobs");
            try
            {
                foreach (var removal in MaintenanceInstaller.Remove(record, plan.RecordPath, apply, Force, WriteWarning, CancellationToken))
                {
                    if (removal.Action == "Kept") WriteWarning($"Kept {removal.Item}: {removal.Note}.");
                    WriteObject(removal);
                }
            }
            catch (MaintenanceException ex)
            {
                Fail(ex);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Fail("PlatformMaintenanceNotUninstalled", ErrorCategory.WriteError, plan.RecordPath,
                    $"Cannot remove the jobs: {ex.Message}. The install record {plan.RecordPath} still names what is left; run Uninstall-PlatformMaintenance again.", ex);
            }
        }
    }
}

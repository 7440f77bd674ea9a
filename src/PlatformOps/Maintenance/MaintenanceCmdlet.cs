using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>The base of the maintenance cmdlets: the plan of the profile in force, and maintenance errors as error records.</summary>
    public abstract class MaintenanceCmdlet : PlatformCmdlet
    {
        /// <summary>The plan of the profile in force; a terminating error when there is no profile or it is not valid.</summary>
        protected MaintenancePlan RequirePlan()
        {
            var profile = RequireProfile("PlatformMaintenanceProfileMissing", ErrorCategory.InvalidArgument,
                "No platform profile: pass -Profile <path>, run Import-PlatformProfile, or set $env:PLATFORMOPS_PROFILE. Scheduled maintenance is defined by a profile's Maintenance section.");
            try
            {
                return MaintenancePlan.From(profile);
            }
            catch (MaintenanceException ex)
            {
                Fail(ex);
                throw;
            }
        }

        internal static ErrorCategory CategoryOf(MaintenanceErrorKind kind) => kind switch
        {
            MaintenanceErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
            MaintenanceErrorKind.NotFound => ErrorCategory.ObjectNotFound,
            MaintenanceErrorKind.NotSupported => ErrorCategory.NotImplemented,
            MaintenanceErrorKind.WriteFailed => ErrorCategory.WriteError,
            MaintenanceErrorKind.Conflict => ErrorCategory.ResourceBusy,
            _ => ErrorCategory.NotSpecified,
        };

        protected void Fail(MaintenanceException ex) => Fail(ex.ErrorId, CategoryOf(ex.Kind), ex.Target, ex.Message, ex.InnerException);

        protected void Report(MaintenanceException ex) => Report(ex.ErrorId, CategoryOf(ex.Kind), ex.Target, ex.Message, ex.InnerException);
    }
}

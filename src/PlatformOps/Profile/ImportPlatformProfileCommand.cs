using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Profile
{
    /// <summary>Loads a platform profile for the rest of the session.</summary>
    [Cmdlet(VerbsData.Import, "PlatformProfile")]
    [OutputType(typeof(PlatformProfile))]
    public sealed class ImportPlatformProfileCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>Writes the loaded profile to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            PlatformProfile profile;
            try
            {
                profile = PlatformProfile.Load(GetUnresolvedProviderPathFromPSPath(Path));
            }
            catch (PlatformOpsException ex)
            {
                ThrowTerminatingError(PlatformErrors.Record(ex.ErrorId, ex.Category, Path, ex.Message, ex));
                return;
            }
            SessionProfile.Current = profile;
            WriteVerbose($"Platform profile '{profile.Name}' from '{profile.Path}' is now the session's profile.");
            if (PassThru) WriteObject(profile);
        }
    }

    /// <summary>Shows the profile in force, or reads one from a file.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformProfile")]
    [OutputType(typeof(PlatformProfile))]
    public sealed class GetPlatformProfileCommand : PSCmdlet
    {
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        protected override void EndProcessing()
        {
            try
            {
                var profile = Path != null
                    ? PlatformProfile.Load(GetUnresolvedProviderPathFromPSPath(Path))
                    : SessionProfile.Current ?? SessionProfile.FromEnvironment();
                if (profile == null)
                {
                    WriteError(PlatformErrors.Record("PlatformProfileNotLoaded", ErrorCategory.ObjectNotFound, null,
                        "No platform profile is loaded. Run Import-PlatformProfile -Path <file>, or set $env:PLATFORMOPS_PROFILE."));
                    return;
                }
                WriteObject(profile);
            }
            catch (PlatformOpsException ex)
            {
                ThrowTerminatingError(PlatformErrors.Record(ex.ErrorId, ex.Category, ex.Target, ex.Message, ex));
            }
        }
    }
}

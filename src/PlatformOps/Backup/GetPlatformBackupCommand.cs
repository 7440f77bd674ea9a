using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>Lists the backup sets in a backup folder, newest first.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformBackup", DefaultParameterSetName = "All")]
    [OutputType(typeof(PlatformBackupSet))]
    public sealed class GetPlatformBackupCommand : PlatformCmdlet
    {
        /// <summary>The backup folder (or one set's folder). Default: the profile's Backup.Path.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(ParameterSetName = "Id", Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BackupIdCompleter))]
        public string[]? Id { get; set; }

        [Parameter(ParameterSetName = "Latest", Mandatory = true)]
        public SwitchParameter Latest { get; set; }

        protected override void EndProcessing()
        {
            try
            {
                var root = BackupStore.ResolveRoot(Path == null ? null : GetUnresolvedProviderPathFromPSPath(Path), EffectiveProfile);
                if (BackupStore.IsSet(root))
                {
                    WriteObject(BackupStore.Open(root));
                    return;
                }
                var problems = new List<PlatformOpsException>();
                var sets = BackupStore.List(root, problems);
                foreach (var problem in problems) Report(problem);
                if (Latest.IsPresent)
                {
                    if (sets.Count == 0)
                        Report("PlatformBackupNotFound", ErrorCategory.ObjectNotFound, root, $"The backup folder '{root}' holds no backup set.");
                    else WriteObject(sets[0]);
                    return;
                }
                if (Id != null)
                {
                    foreach (var id in Id)
                    {
                        var pattern = WildcardPattern.Get(id, WildcardOptions.IgnoreCase);
                        var found = sets.Where(s => pattern.IsMatch(s.Id)).ToList();
                        if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(id))
                            Report("PlatformBackupNotFound", ErrorCategory.ObjectNotFound, id, $"No backup set '{id}' in '{root}'.");
                        WriteObject(found, enumerateCollection: true);
                    }
                    return;
                }
                WriteObject(sets, enumerateCollection: true);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

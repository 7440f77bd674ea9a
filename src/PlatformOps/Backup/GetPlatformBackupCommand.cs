using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PlatformOps.Common;
using PlatformOps.Postgres;

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
                var key = ManifestSeal.ResolveKey(EffectiveProfile);
                if (BackupStore.IsSet(root))
                {
                    var one = BackupStore.Read(root, key);
                    WarnIfUntrusted(one);
                    WriteObject(one);
                    return;
                }
                var problems = new List<PlatformOpsException>();
                var sets = BackupStore.List(root, key, problems);
                foreach (var problem in problems) Report(problem);
                foreach (var set in sets) WarnIfUntrusted(set);
                WarnAboutLeftovers(root);
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

        private void WarnIfUntrusted(PlatformBackupSet set)
        {
            if (set.ManifestTrusted) return;
            WriteWarning(set.ManifestSeal == BackupManifestSeal.Mismatch
                ? $"Backup set {set.Id}: its manifest failed its integrity check ({set.ManifestSealDetail}). Do not use it; Test-PlatformBackup and the restores refuse it."
                : $"Backup set {set.Id}: {set.ManifestSealDetail}. Restores refuse it until 'Test-PlatformBackup -Path {set.Path} -Seal' verifies and seals it.");
        }

        /// <summary>Warns about what killed runs left: partial set folders here, and marked staging databases on the profile's server.</summary>
        private void WarnAboutLeftovers(string root)
        {
            var leftovers = BackupLeftovers.FindPartialSets(root);
            if (EffectiveProfile?.Postgres != null)
            {
                try
                {
                    var server = PostgresTarget.Resolve(null, null, null, null, null, EffectiveProfile);
                    leftovers.AddRange(Await(async ct =>
                    {
                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        timeout.CancelAfter(TimeSpan.FromSeconds(5));
                        using var admin = await PgRestore.OpenAdminAsync(server, timeout.Token).ConfigureAwait(false);
                        return await BackupLeftovers.FindDatabasesAsync(admin, server.Endpoint, timeout.Token).ConfigureAwait(false);
                    }));
                }
                catch (Exception ex) when (ex is PlatformOpsException || ex is Npgsql.NpgsqlException || ex is OperationCanceledException)
                {
                    WriteVerbose($"Leftover staging databases were not looked for: {ex.Message}");
                }
            }
            foreach (var leftover in leftovers.Where(l => l.OwnerRunning != true))
                WriteWarning($"{leftover.Kind} '{leftover.Name}' ({BackupProgress.Size(leftover.SizeBytes ?? 0)}, {leftover.Location}) was left by process {leftover.Owner}, which "
                             + (leftover.OwnerRunning == false ? "has ended" : "runs on another host") + ". Remove it with Remove-PlatformBackupLeftover.");
        }
    }
}

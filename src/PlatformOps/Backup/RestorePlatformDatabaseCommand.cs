using System.Management.Automation;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Backup
{
    /// <summary>Restores one database from a backup set, in place or under a new name.</summary>
    [Cmdlet(VerbsData.Restore, "PlatformDatabase", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(DatabaseRestoreResult))]
    public sealed class RestorePlatformDatabaseCommand : PostgresCmdlet
    {
        /// <summary>The set's folder. Binds from a PlatformBackupSet's Path.</summary>
        [Parameter(Position = 0, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>The name to restore under. Default: the database's own name (replacing it).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ValidateLength(1, 63)]
        [ArgumentCompleter(typeof(PlatformOps.Postgres.DatabaseCompleter))]
        public string? TargetDatabase { get; set; }

        [Parameter]
        public SwitchParameter IncludeGlobals { get; set; }

        /// <summary>With -IncludeGlobals: also set roles that exist back to the backup's attributes, passwords and memberships.</summary>
        [Parameter]
        public SwitchParameter OverwriteRoles { get; set; }

        [Parameter]
        public SwitchParameter TerminateConnections { get; set; }

        [Parameter]
        [ValidateRange(1, 64)]
        public int Jobs { get; set; } = System.Math.Max(1, System.Environment.ProcessorCount);

        [Parameter]
        public PgToolMode ToolMode { get; set; } = PgToolMode.Auto;

        protected override void ProcessRecord()
        {
            try
            {
                var set = BackupStore.Open(GetUnresolvedProviderPathFromPSPath(Path), ManifestSeal.ResolveKey(EffectiveProfile));
                var request = new DatabaseRestoreRequest
                {
                    Set = set,
                    Database = Database,
                    TargetDatabase = TargetDatabase,
                    IncludeGlobals = IncludeGlobals.IsPresent,
                    OverwriteRoles = OverwriteRoles.IsPresent,
                    TerminateConnections = TerminateConnections.IsPresent,
                    Server = ResolvePostgres(),
                    Docker = DockerTarget.Resolve(null, null, EffectiveProfile),
                    ToolMode = ToolMode,
                    Jobs = Jobs,
                };
                var progress = new BackupProgress($"Restore-PlatformDatabase {set.Id}");
                var plan = BackupCmdletSupport.Run(this, progress, ct => DatabaseRestore.PlanAsync(request, progress, ct), CancellationToken);
                var server = request.Server.Endpoint;
                if (MyInvocation.BoundParameters.ContainsKey("WhatIf"))
                {
                    foreach (var step in plan.Steps) ShouldProcess(server, step);
                    return;
                }
                var action = plan.TargetExists
                    ? $"Replace database '{plan.TargetDatabase}' with '{plan.SourceDatabase}' from backup {set.Id}{(plan.Sessions > 0 ? $", ending {plan.Sessions} session(s)" : string.Empty)}"
                    : $"Restore '{plan.SourceDatabase}' from backup {set.Id} as new database '{plan.TargetDatabase}'";
                if (!ShouldProcess(server, action)) return;
                if (plan.RolesToOverwrite.Count > 0
                    && !ShouldProcess(server, $"Reset the existing role(s) {string.Join(", ", plan.RolesToOverwrite)} to the attributes, passwords and memberships of backup {set.Id}"))
                    return;
                foreach (var step in plan.Steps) WriteVerbose(step);
                WriteObject(BackupCmdletSupport.Run(this, progress, ct => DatabaseRestore.ExecuteAsync(plan, progress, ct), CancellationToken));
            }
            catch (PlatformOpsException ex)
            {
                Report(ex);
            }
        }
    }
}

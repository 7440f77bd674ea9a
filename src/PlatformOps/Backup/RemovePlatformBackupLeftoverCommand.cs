using System.Collections.Generic;
using System.Management.Automation;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Backup
{
    /// <summary>
    /// Finds and removes what a killed backup, restore or restore test left behind: hidden ".ID.partial" folders in the
    /// backup folder and the staging, replaced and scratch databases PlatformOps marked as its own, once the process that
    /// made them has ended. With -WhatIf it only lists them.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "PlatformBackupLeftover", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(PlatformBackupLeftover))]
    public sealed class RemovePlatformBackupLeftoverCommand : PostgresServerCmdlet
    {
        /// <summary>The backup folder. Default: the profile's Backup.Path.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Also remove databases made on another host, whose process cannot be checked from here (never one with sessions).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var leftovers = new List<PlatformBackupLeftover>();
            string? root = null;
            try
            {
                root = BackupStore.ResolveRoot(Path == null ? null : GetUnresolvedProviderPathFromPSPath(Path), EffectiveProfile);
            }
            catch (PlatformOpsException ex)
            {
                WriteVerbose($"No backup folder to look in: {ex.Message}");
            }
            if (root != null) leftovers.AddRange(BackupLeftovers.FindPartialSets(root));

            PostgresTarget? server = null;
            var serverAsked = Server != null || Port != null || Credential != null || PasswordFile != null || UserName != null;
            if (serverAsked || EffectiveProfile?.Postgres != null)
            {
                try
                {
                    server = ResolvePostgresTarget();
                }
                catch (PlatformOpsException ex)
                {
                    if (serverAsked) Fail(ex);
                    WriteVerbose($"No PostgreSQL server to look on: {ex.Message}");
                }
            }
            if (server == null && root == null)
                Fail("PlatformBackupPathMissing", ErrorCategory.InvalidArgument, null,
                    "Nothing to look in: pass -Path (the backup folder) and/or -Server, or import a platform profile.");

            Npgsql.NpgsqlConnection? admin = null;
            try
            {
                if (server != null)
                {
                    admin = Await(ct => PgRestore.OpenAdminAsync(server, ct));
                    var connection = admin;
                    leftovers.AddRange(Await(ct => BackupLeftovers.FindDatabasesAsync(connection, server.Endpoint, ct)));
                }
                foreach (var leftover in leftovers)
                {
                    if (leftover.OwnerRunning == true)
                    {
                        Decide(leftover, "Kept", leftover.Reason ?? $"its process {leftover.Owner} is still running");
                        continue;
                    }
                    if (leftover.OwnerRunning == null && !Force.IsPresent)
                    {
                        Decide(leftover, "Kept", $"made by {leftover.Owner} on another host, which cannot be checked from here: -Force removes it");
                        continue;
                    }
                    var size = BackupProgress.Size(leftover.SizeBytes ?? 0);
                    var target = leftover.Kind == BackupLeftovers.PartialSet ? System.IO.Path.Combine(leftover.Location, leftover.Name) : $"{leftover.Location} database '{leftover.Name}'";
                    if (!ShouldProcess(target, $"Remove the {leftover.Kind} ({size}) left by process {leftover.Owner}"))
                    {
                        Decide(leftover, "Skipped", "-WhatIf, or not confirmed");
                        continue;
                    }
                    try
                    {
                        if (leftover.Kind == BackupLeftovers.PartialSet)
                        {
                            if (!UnixFile.DeleteQuietly(System.IO.Path.Combine(leftover.Location, leftover.Name)))
                                throw new PlatformOpsException("PlatformBackupLeftoverNotRemoved", ErrorCategory.WriteError, leftover.Name,
                                    $"The partial backup folder '{System.IO.Path.Combine(leftover.Location, leftover.Name)}' could not be deleted: check its permissions.");
                        }
                        else
                        {
                            var connection = admin!;
                            Await(ct => BackupLeftovers.DropDatabaseAsync(connection, leftover, ct));
                        }
                        Decide(leftover, "Removed", $"its process {leftover.Owner} {(leftover.OwnerRunning == false ? "has ended" : "could not be checked (-Force)")}");
                    }
                    catch (PlatformOpsException ex)
                    {
                        leftover.Action = "Failed";
                        leftover.Reason = ex.Message;
                        Report(ex);
                    }
                    catch (Npgsql.PostgresException ex)
                    {
                        leftover.Action = "Failed";
                        leftover.Reason = ex.MessageText;
                        Report("PlatformBackupLeftoverNotRemoved", ErrorCategory.InvalidOperation, leftover.Name,
                            $"Database '{leftover.Name}' could not be dropped: {ex.SqlState} {ex.MessageText}");
                    }
                }
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
            finally
            {
                if (admin != null) Pg.Release(admin);
            }
            WriteObject(leftovers, enumerateCollection: true);
        }

        private static void Decide(PlatformBackupLeftover leftover, string action, string reason)
        {
            leftover.Action = action;
            leftover.Reason = reason;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Backup
{
    public sealed class DatabaseRestoreRequest
    {
        public PlatformBackupSet Set { get; set; } = new PlatformBackupSet();
        /// <summary>The database in the set; may be omitted when the set holds one.</summary>
        public string? Database { get; set; }
        /// <summary>The name to restore under; default: the source database's own name (in place).</summary>
        public string? TargetDatabase { get; set; }
        public bool IncludeGlobals { get; set; }
        /// <summary>With IncludeGlobals: also set roles that exist back to the backup's attributes, passwords and memberships.</summary>
        public bool OverwriteRoles { get; set; }
        /// <summary>End the sessions connected to the database being replaced.</summary>
        public bool TerminateConnections { get; set; }
        public PostgresTarget Server { get; set; } = null!;
        public DockerTarget? Docker { get; set; }
        public PgToolMode ToolMode { get; set; } = PgToolMode.Auto;
        public int Jobs { get; set; } = Math.Max(1, Environment.ProcessorCount);
    }

    /// <summary>What Restore-PlatformDatabase will do, worked out (checksums verified, target inspected) before the server is touched.</summary>
    public sealed class DatabaseRestorePlan
    {
        internal DatabaseRestoreRequest Request { get; set; } = new DatabaseRestoreRequest();
        internal BackupFileEntry Entry { get; set; } = new BackupFileEntry();
        internal BackupFileEntry? Globals { get; set; }
        internal GlobalsPlan? GlobalsPlan { get; set; }
        public string SourceDatabase { get; internal set; } = string.Empty;
        public string TargetDatabase { get; internal set; } = string.Empty;
        public string StagingDatabase { get; internal set; } = string.Empty;
        public string ReplacedDatabase { get; internal set; } = string.Empty;
        public bool TargetExists { get; internal set; }
        public int Sessions { get; internal set; }
        public IReadOnlyList<string> Steps { get; internal set; } = new List<string>();
        /// <summary>-IncludeGlobals: the roles that will be created, and those that exist and will be left as they are (or reset, with -OverwriteRoles).</summary>
        public IReadOnlyList<string> RolesToCreate { get; internal set; } = new List<string>();
        public IReadOnlyList<string> RolesToSkip { get; internal set; } = new List<string>();
        public IReadOnlyList<string> RolesToOverwrite { get; internal set; } = new List<string>();
    }

    /// <summary>
    /// Restores one database from a set. The data goes into a staging database first; only when it is complete and its
    /// row counts match the manifest is an existing database swapped out (renamed, then dropped), so a failed restore
    /// never leaves the target half-written.
    /// </summary>
    public static class DatabaseRestore
    {
        public static async Task<DatabaseRestorePlan> PlanAsync(DatabaseRestoreRequest request, BackupProgress progress, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (progress == null) throw new ArgumentNullException(nameof(progress));
            var set = request.Set;
            var databases = set.Manifest.Files.Where(f => f.Kind == BackupKinds.Database).ToList();
            BackupFileEntry entry;
            if (request.Database == null)
            {
                if (databases.Count != 1)
                    throw new PlatformOpsException("PlatformBackupDatabaseAmbiguous", System.Management.Automation.ErrorCategory.InvalidArgument, set.Path,
                        databases.Count == 0 ? $"The backup set {set.Id} holds no database." :
                        $"The backup set {set.Id} holds {databases.Count} databases ({string.Join(", ", databases.Select(d => d.Database))}): name one with -Database.");
                entry = databases[0];
            }
            else
            {
                entry = databases.FirstOrDefault(d => d.Database == request.Database)
                    ?? throw new PlatformOpsException("PlatformBackupDatabaseNotInSet", System.Management.Automation.ErrorCategory.ObjectNotFound, request.Database,
                        $"The backup set {set.Id} has no database '{request.Database}'. It has: {string.Join(", ", databases.Select(d => d.Database))}.");
            }
            var globals = request.IncludeGlobals
                ? set.Manifest.Files.FirstOrDefault(f => f.Kind == BackupKinds.Globals)
                  ?? throw new PlatformOpsException("PlatformBackupHasNoGlobals", System.Management.Automation.ErrorCategory.ObjectNotFound, set.Path,
                      $"The backup set {set.Id} holds no globals (it was made with -SkipGlobals).")
                : null;

            // Checksums first: nothing on the server is touched by a set that fails them.
            var toVerify = new List<BackupFileEntry> { entry };
            if (globals != null) toVerify.Add(globals);
            var checks = await BackupVerifier.VerifyAsync(set, toVerify, progress, cancellationToken).ConfigureAwait(false);
            BackupVerifier.ThrowIfFailed(set, checks);

            var target = request.TargetDatabase ?? entry.Database!;
            if (System.Text.Encoding.UTF8.GetByteCount(target) > 63)
                throw new PlatformOpsException("PlatformBackupTargetNameInvalid", System.Management.Automation.ErrorCategory.InvalidArgument, target,
                    $"The database name '{target}' is {System.Text.Encoding.UTF8.GetByteCount(target)} bytes long; PostgreSQL names are at most 63 bytes. Choose a shorter -TargetDatabase.");
            if (request.OverwriteRoles && !request.IncludeGlobals)
                throw new PlatformOpsException("PlatformBackupOverwriteRolesWithoutGlobals", System.Management.Automation.ErrorCategory.InvalidArgument, set.Path,
                    "-OverwriteRoles only applies with -IncludeGlobals: add -IncludeGlobals, or leave -OverwriteRoles out.");
            // A fresh random token: a staging name never matches a database this run did not create.
            var token = Guid.NewGuid().ToString("N").Substring(0, 8);
            var plan = new DatabaseRestorePlan
            {
                Request = request,
                Entry = entry,
                Globals = globals,
                SourceDatabase = entry.Database!,
                TargetDatabase = target,
                StagingDatabase = PgRestore.Name(target, "_restoring_" + token),
                ReplacedDatabase = PgRestore.Name(target, "_replaced_" + token),
            };
            using (var admin = await PgRestore.OpenAdminAsync(request.Server, cancellationToken).ConfigureAwait(false))
            {
                plan.TargetExists = await PgRestore.ExistsAsync(admin, target, cancellationToken).ConfigureAwait(false);
                if (plan.TargetExists) plan.Sessions = await PgRestore.SessionsAsync(admin, target, cancellationToken).ConfigureAwait(false);
                if (globals != null)
                {
                    plan.GlobalsPlan = await PgRestore.PlanGlobalsAsync(admin, set.Path, globals, request.OverwriteRoles, cancellationToken).ConfigureAwait(false);
                    plan.RolesToCreate = plan.GlobalsPlan.Created;
                    plan.RolesToSkip = plan.GlobalsPlan.Skipped;
                    plan.RolesToOverwrite = plan.GlobalsPlan.Overwritten;
                }
                foreach (var leftover in await BackupLeftovers.FindDatabasesAsync(admin, request.Server.Endpoint, cancellationToken).ConfigureAwait(false))
                    if (leftover.OwnerRunning != true)
                        progress.Warn($"Database '{leftover.Name}' ({BackupProgress.Size(leftover.SizeBytes ?? 0)}) was left by a {leftover.Kind} run of process {leftover.Owner} that {(leftover.OwnerRunning == false ? "has ended" : "may have ended")}: remove it with Remove-PlatformBackupLeftover.");
            }
            if (plan.TargetExists && plan.Sessions > 0 && !request.TerminateConnections)
                throw new PlatformOpsException("PlatformDatabaseInUse", System.Management.Automation.ErrorCategory.ResourceBusy, target,
                    $"Database '{target}' has {plan.Sessions} active session(s); it is not replaced while in use. Stop its clients, or pass -TerminateConnections to end them. " +
                    "Or restore under another name with -TargetDatabase.");

            var steps = new List<string>
            {
                $"Restore from backup set {set.Id}: the SHA-256 of {string.Join(" and ", toVerify.Select(e => e.Name))} was checked just now and matches",
            };
            if (plan.GlobalsPlan != null)
            {
                var g = plan.GlobalsPlan;
                steps.Add($"Restore globals from {globals!.Name}: create {(g.Created.Count == 0 ? "no role" : "role(s) " + string.Join(", ", g.Created))}"
                          + (g.Skipped.Count > 0 ? $"; leave the existing role(s) {string.Join(", ", g.Skipped)} as they are (-OverwriteRoles resets them)" : string.Empty)
                          + (g.Overwritten.Count > 0 ? $"; RESET the existing role(s) {string.Join(", ", g.Overwritten)} to the backup's attributes, passwords and memberships" : string.Empty)
                          + (g.TablespacesSkipped.Count > 0 ? $"; leave the existing tablespace(s) {string.Join(", ", g.TablespacesSkipped)} as they are" : string.Empty));
            }
            steps.Add($"Create database '{plan.StagingDatabase}' ({entry.Encoding}, {entry.Collate}) and restore '{entry.Name}' into it ({entry.Format}{(entry.Format == nameof(BackupFormat.Directory) ? $", {request.Jobs} jobs" : string.Empty)})");
            steps.Add($"Compare the row counts of {entry.Tables?.Count ?? 0} tables with the manifest");
            steps.Add(entry.Properties == null
                ? "The set records no database-level privileges or settings (made before 0.2.0): the database gets the defaults (PUBLIC may connect)"
                : $"Give '{plan.StagingDatabase}' the database's own privileges, settings and comment ({DescribeProperties(entry.Properties)})");
            if (plan.TargetExists)
            {
                if (plan.Sessions > 0) steps.Add($"End {plan.Sessions} session(s) connected to '{target}'");
                steps.Add($"Rename the existing '{target}' to '{plan.ReplacedDatabase}' and '{plan.StagingDatabase}' to '{target}'");
                steps.Add($"Drop '{plan.ReplacedDatabase}' (the database that was replaced)");
            }
            else
            {
                steps.Add($"Rename '{plan.StagingDatabase}' to '{target}'");
            }
            plan.Steps = steps;
            return plan;
        }

        public static async Task<DatabaseRestoreResult> ExecuteAsync(DatabaseRestorePlan plan, BackupProgress progress, CancellationToken cancellationToken)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            if (progress == null) throw new ArgumentNullException(nameof(progress));
            var request = plan.Request;
            var server = request.Server;
            var clock = Stopwatch.StartNew();
            var applicationName = "platformops-restore-" + request.Set.Id;
            var result = new DatabaseRestoreResult
            {
                BackupId = request.Set.Id,
                SourceDatabase = plan.SourceDatabase,
                TargetDatabase = plan.TargetDatabase,
                Server = server.Endpoint,
            };
            var total = (plan.Globals != null ? 1 : 0) + 3;
            var step = 0;
            using var admin = await PgRestore.OpenAdminAsync(server, cancellationToken).ConfigureAwait(false);
            var (tools, serverMajor) = await PgRestore.ResolveToolsAsync(admin, server, request.ToolMode, request.Docker, progress.Say, cancellationToken).ConfigureAwait(false);
            using (tools)
            {
                if (plan.Globals != null)
                {
                    progress.Step(++step, total, "Restoring globals");
                    // Planned again now: a role created or dropped since the plan is seen as it is.
                    var globals = await PgRestore.PlanGlobalsAsync(admin, request.Set.Path, plan.Globals, request.OverwriteRoles, cancellationToken).ConfigureAwait(false);
                    var (errors, detail) = await PgRestore.RestoreGlobalsAsync(tools, globals, admin.Database, applicationName, cancellationToken).ConfigureAwait(false);
                    result.GlobalsRestored = true;
                    result.GlobalsErrors = errors;
                    result.RolesCreated = globals.Created;
                    result.RolesSkipped = globals.Skipped;
                    result.RolesOverwritten = globals.Overwritten;
                    if (globals.Skipped.Count > 0)
                        progress.Say($"Globals: left the existing role(s) {string.Join(", ", globals.Skipped)} as they are (-OverwriteRoles resets them to the backup).");
                    if (errors > 0) progress.Warn($"Globals: {errors} statement(s) failed: {detail}");
                }

                var created = false;
                var swapped = false;
                try
                {
                    progress.Step(++step, total, $"Restoring {plan.SourceDatabase} into {plan.StagingDatabase}");
                    if (await PgRestore.ExistsAsync(admin, plan.StagingDatabase, cancellationToken).ConfigureAwait(false))
                        throw new PlatformOpsException("PlatformBackupStagingExists", System.Management.Automation.ErrorCategory.ResourceExists, plan.StagingDatabase,
                            $"A database named '{plan.StagingDatabase}' exists already; it was not made by this restore and is left alone. Run the restore again (it picks another name).");
                    await PgRestore.CreateAsync(admin, plan.StagingDatabase, plan.Entry, progress.Warn, cancellationToken).ConfigureAwait(false);
                    created = true;
                    await BackupLeftovers.MarkAsync(admin, plan.StagingDatabase, BackupLeftovers.StagingDatabase, request.Set.Id, cancellationToken).ConfigureAwait(false);
                    await PgRestore.RestoreEntryAsync(tools, request.Set.Path, plan.Entry, plan.StagingDatabase, request.Jobs, applicationName, cancellationToken).ConfigureAwait(false);

                    progress.Step(++step, total, "Comparing row counts");
                    var (checks, tables, rows) = await PgRestore.CompareAsync(server, plan.StagingDatabase, plan.Entry, cancellationToken).ConfigureAwait(false);
                    var failed = checks.Where(c => !c.Passed).ToList();
                    if (failed.Count > 0)
                        throw new PlatformOpsException("PlatformBackupRestoreMismatch", System.Management.Automation.ErrorCategory.InvalidResult, plan.TargetDatabase,
                            $"The restored data does not match the manifest, so '{plan.TargetDatabase}' was left as it was: {string.Join("; ", failed.Take(5).Select(c => $"{c.Name} expected {c.Expected}, got {c.Actual ?? "nothing"}"))}");
                    result.TablesVerified = tables;
                    result.RowsVerified = rows;

                    // The database's own privileges and settings, last: a recorded statement_timeout or read-only default would hinder the load.
                    if (plan.Entry.Properties != null)
                        result.PropertiesRestored = await DatabasePropertiesIo.ApplyAsync(admin, plan.StagingDatabase, plan.Entry.Properties, progress.Warn, cancellationToken).ConfigureAwait(false);
                    else
                        progress.Warn($"The backup set {request.Set.Id} was made before 0.2.0 and records no database-level privileges or settings of '{plan.SourceDatabase}': " +
                                      $"'{plan.TargetDatabase}' has the defaults (PUBLIC may connect). Check them (\\l+ in psql) and set them again.");

                    progress.Step(++step, total, $"Putting {plan.TargetDatabase} in place");
                    cancellationToken.ThrowIfCancellationRequested();
                    var exists = await PgRestore.ExistsAsync(admin, plan.TargetDatabase, cancellationToken).ConfigureAwait(false);
                    await SwapAsync(admin, plan, exists, request.TerminateConnections, cancellationToken).ConfigureAwait(false);
                    swapped = true;
                    result.Replaced = exists;
                    if (exists)
                    {
                        try
                        {
                            await PgRestore.DropAsync(admin, plan.ReplacedDatabase, serverMajor, cancellationToken).ConfigureAwait(false);
                        }
                        catch (Npgsql.PostgresException ex)
                        {
                            progress.Warn($"'{plan.TargetDatabase}' was restored, but the database it replaced, now '{plan.ReplacedDatabase}', could not be dropped ({ex.MessageText}): remove it with Remove-PlatformBackupLeftover.");
                        }
                    }
                }
                catch (Npgsql.PostgresException ex)
                {
                    throw new PlatformOpsException("PlatformBackupRestoreFailed", System.Management.Automation.ErrorCategory.InvalidOperation, plan.TargetDatabase,
                        $"Restoring '{plan.TargetDatabase}' failed: {ex.SqlState} {ex.MessageText}", ex);
                }
                finally
                {
                    // Only the database this run created; never one that merely has the staging name.
                    if (created && !swapped) await PgRestore.DropQuietlyAsync(server, plan.StagingDatabase, serverMajor).ConfigureAwait(false);
                }
            }
            result.Duration = clock.Elapsed;
            return result;
        }

        /// <summary>
        /// Closes the old database to new sessions, ends the ones there (when allowed), then in one transaction renames it
        /// away (marked, so a killed run leaves it recognisable), renames the staging one in and gives it its own comment.
        /// </summary>
        private static async Task SwapAsync(Npgsql.NpgsqlConnection admin, DatabaseRestorePlan plan, bool targetExists, bool terminate, CancellationToken cancellationToken)
        {
            var target = PgSql.Ident(plan.TargetDatabase);
            var comment = plan.Entry.Properties?.Comment;
            var finalComment = $"COMMENT ON DATABASE {target} IS {(comment == null ? "NULL" : PgSql.Literal(comment))}";
            if (!targetExists)
            {
                await InTransactionAsync(admin, cancellationToken,
                    $"ALTER DATABASE {PgSql.Ident(plan.StagingDatabase)} RENAME TO {target}", finalComment).ConfigureAwait(false);
                return;
            }
            await Pg.ExecuteAsync(admin, $"ALTER DATABASE {target} ALLOW_CONNECTIONS false", cancellationToken).ConfigureAwait(false);
            try
            {
                var sessions = await PgRestore.SessionsAsync(admin, plan.TargetDatabase, cancellationToken).ConfigureAwait(false);
                if (sessions > 0)
                {
                    if (!terminate)
                        throw new PlatformOpsException("PlatformDatabaseInUse", System.Management.Automation.ErrorCategory.ResourceBusy, plan.TargetDatabase,
                            $"Database '{plan.TargetDatabase}' gained {sessions} session(s) during the restore; it was left as it was. Pass -TerminateConnections to end them.");
                    await PgRestore.TerminateSessionsAsync(admin, plan.TargetDatabase, cancellationToken).ConfigureAwait(false);
                    for (var i = 0; i < 50 && await PgRestore.SessionsAsync(admin, plan.TargetDatabase, cancellationToken).ConfigureAwait(false) > 0; i++)
                        await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                }
                await InTransactionAsync(admin, cancellationToken,
                    $"ALTER DATABASE {target} RENAME TO {PgSql.Ident(plan.ReplacedDatabase)}",
                    $"COMMENT ON DATABASE {PgSql.Ident(plan.ReplacedDatabase)} IS {PgSql.Literal(BackupLeftovers.Marker(BackupLeftovers.ReplacedDatabase, plan.Request.Set.Id))}",
                    $"ALTER DATABASE {PgSql.Ident(plan.StagingDatabase)} RENAME TO {target}",
                    finalComment).ConfigureAwait(false);
            }
            catch
            {
                try { await Pg.ExecuteAsync(admin, $"ALTER DATABASE {target} ALLOW_CONNECTIONS true", CancellationToken.None).ConfigureAwait(false); }
                catch (Npgsql.PostgresException) { }
                throw;
            }
        }

        private static async Task InTransactionAsync(Npgsql.NpgsqlConnection admin, CancellationToken cancellationToken, params string[] statements)
        {
            using var transaction = admin.BeginTransaction();
            foreach (var sql in statements)
            {
                using var command = new Npgsql.NpgsqlCommand(sql, admin, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        internal static string DescribeProperties(DatabaseProperties p)
        {
            var parts = new List<string>();
            parts.Add(p.Acl == null ? "default privileges" : p.Acl.Count == 0 ? "no privileges for anyone but superusers"
                : "privileges: " + string.Join(", ", p.Acl.GroupBy(g => g.Grantee ?? "PUBLIC").Select(g => g.Key + "=" + string.Join("/", g.Select(x => x.Privilege)))));
            if (p.Settings != null && p.Settings.Count > 0)
                parts.Add("settings: " + string.Join(", ", p.Settings.Select(x => (x.Role == null ? string.Empty : x.Role + ": ") + x.Name + "=" + x.Value)));
            if (p.ConnectionLimit.HasValue) parts.Add("connection limit " + p.ConnectionLimit.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (p.Comment != null) parts.Add("a comment");
            return string.Join("; ", parts);
        }
    }
}

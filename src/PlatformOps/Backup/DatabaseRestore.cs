using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

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
        public string SourceDatabase { get; internal set; } = string.Empty;
        public string TargetDatabase { get; internal set; } = string.Empty;
        public string StagingDatabase { get; internal set; } = string.Empty;
        public string ReplacedDatabase { get; internal set; } = string.Empty;
        public bool TargetExists { get; internal set; }
        public int Sessions { get; internal set; }
        public IReadOnlyList<string> Steps { get; internal set; } = new List<string>();
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
            RedisRestore.ThrowIfFailed(set, checks);

            var target = request.TargetDatabase ?? entry.Database!;
            var shortId = set.Id.Substring(set.Id.Length - 4);
            var plan = new DatabaseRestorePlan
            {
                Request = request,
                Entry = entry,
                Globals = globals,
                SourceDatabase = entry.Database!,
                TargetDatabase = target,
                StagingDatabase = PgRestore.Name(target, "_restoring_" + shortId),
                ReplacedDatabase = PgRestore.Name(target, "_replaced_" + shortId),
            };
            using (var admin = await PgRestore.OpenAdminAsync(request.Server, cancellationToken).ConfigureAwait(false))
            {
                plan.TargetExists = await PgRestore.ExistsAsync(admin, target, cancellationToken).ConfigureAwait(false);
                if (plan.TargetExists) plan.Sessions = await PgRestore.SessionsAsync(admin, target, cancellationToken).ConfigureAwait(false);
            }
            if (plan.TargetExists && plan.Sessions > 0 && !request.TerminateConnections)
                throw new PlatformOpsException("PlatformDatabaseInUse", System.Management.Automation.ErrorCategory.ResourceBusy, target,
                    $"Database '{target}' has {plan.Sessions} active session(s); it is not replaced while in use. Stop its clients, or pass -TerminateConnections to end them. " +
                    "Or restore under another name with -TargetDatabase.");

            var steps = new List<string>
            {
                $"Restore from backup set {set.Id}: the SHA-256 of {string.Join(" and ", toVerify.Select(e => e.Name))} was checked just now and matches",
            };
            if (globals != null) steps.Add($"Restore globals (roles, memberships) from {globals.Name}; roles that exist are kept");
            steps.Add($"Create database '{plan.StagingDatabase}' ({entry.Encoding}, {entry.Collate}) and restore '{entry.Name}' into it ({entry.Format}{(entry.Format == nameof(BackupFormat.Directory) ? $", {request.Jobs} jobs" : string.Empty)})");
            steps.Add($"Compare the row counts of {entry.Tables?.Count ?? 0} tables with the manifest");
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
                    var (errors, detail) = await PgRestore.RestoreGlobalsAsync(tools, request.Set.Path, plan.Globals, admin.Database, applicationName, cancellationToken).ConfigureAwait(false);
                    result.GlobalsRestored = true;
                    result.GlobalsErrors = errors;
                    if (errors > 0) progress.Say($"Globals: {errors} statement(s) failed, usually roles that exist already: {detail}");
                }

                var swapped = false;
                try
                {
                    progress.Step(++step, total, $"Restoring {plan.SourceDatabase} into {plan.StagingDatabase}");
                    await PgRestore.DropAsync(admin, plan.StagingDatabase, serverMajor, cancellationToken).ConfigureAwait(false);
                    await PgRestore.CreateAsync(admin, plan.StagingDatabase, plan.Entry, progress.Warn, cancellationToken).ConfigureAwait(false);
                    await PgRestore.RestoreEntryAsync(tools, request.Set.Path, plan.Entry, plan.StagingDatabase, request.Jobs, applicationName, cancellationToken).ConfigureAwait(false);

                    progress.Step(++step, total, "Comparing row counts");
                    var (checks, tables, rows) = await PgRestore.CompareAsync(server, plan.StagingDatabase, plan.Entry, cancellationToken).ConfigureAwait(false);
                    var failed = checks.Where(c => !c.Passed).ToList();
                    if (failed.Count > 0)
                        throw new PlatformOpsException("PlatformBackupRestoreMismatch", System.Management.Automation.ErrorCategory.InvalidResult, plan.TargetDatabase,
                            $"The restored data does not match the manifest, so '{plan.TargetDatabase}' was left as it was: {string.Join("; ", failed.Take(5).Select(c => $"{c.Name} expected {c.Expected}, got {c.Actual ?? "nothing"}"))}");
                    result.TablesVerified = tables;
                    result.RowsVerified = rows;

                    progress.Step(++step, total, $"Putting {plan.TargetDatabase} in place");
                    cancellationToken.ThrowIfCancellationRequested();
                    var exists = await PgRestore.ExistsAsync(admin, plan.TargetDatabase, cancellationToken).ConfigureAwait(false);
                    if (exists)
                    {
                        await SwapAsync(admin, plan, serverMajor, request.TerminateConnections, cancellationToken).ConfigureAwait(false);
                        result.Replaced = true;
                    }
                    else
                    {
                        await Pg.ExecuteAsync(admin, $"ALTER DATABASE {Pg.Ident(plan.StagingDatabase)} RENAME TO {Pg.Ident(plan.TargetDatabase)}", cancellationToken).ConfigureAwait(false);
                    }
                    swapped = true;
                }
                catch (Npgsql.PostgresException ex)
                {
                    throw new PlatformOpsException("PlatformBackupRestoreFailed", System.Management.Automation.ErrorCategory.InvalidOperation, plan.TargetDatabase,
                        $"Restoring '{plan.TargetDatabase}' failed: {ex.SqlState} {ex.MessageText}", ex);
                }
                finally
                {
                    if (!swapped) await PgRestore.DropQuietlyAsync(server, plan.StagingDatabase, serverMajor).ConfigureAwait(false);
                }
            }
            result.Duration = clock.Elapsed;
            return result;
        }

        /// <summary>Closes the old database to new sessions, ends the ones there (when allowed), renames it away, renames the staging one in, drops the old.</summary>
        private static async Task SwapAsync(Npgsql.NpgsqlConnection admin, DatabaseRestorePlan plan, int serverMajor, bool terminate, CancellationToken cancellationToken)
        {
            var target = Pg.Ident(plan.TargetDatabase);
            await Pg.ExecuteAsync(admin, $"ALTER DATABASE {target} ALLOW_CONNECTIONS false", cancellationToken).ConfigureAwait(false);
            var renamed = false;
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
                await Pg.ExecuteAsync(admin, $"ALTER DATABASE {target} RENAME TO {Pg.Ident(plan.ReplacedDatabase)}", cancellationToken).ConfigureAwait(false);
                renamed = true;
                await Pg.ExecuteAsync(admin, $"ALTER DATABASE {Pg.Ident(plan.StagingDatabase)} RENAME TO {target}", cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                if (renamed)
                {
                    try { await Pg.ExecuteAsync(admin, $"ALTER DATABASE {Pg.Ident(plan.ReplacedDatabase)} RENAME TO {target}", CancellationToken.None).ConfigureAwait(false); }
                    catch (Npgsql.PostgresException) { }
                }
                try { await Pg.ExecuteAsync(admin, $"ALTER DATABASE {target} ALLOW_CONNECTIONS true", CancellationToken.None).ConfigureAwait(false); }
                catch (Npgsql.PostgresException) { }
                throw;
            }
            await PgRestore.DropAsync(admin, plan.ReplacedDatabase, serverMajor, cancellationToken).ConfigureAwait(false);
        }
    }
}

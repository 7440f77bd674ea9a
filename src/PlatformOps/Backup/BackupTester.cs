using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Postgres;
using PlatformOps.Redis;

namespace PlatformOps.Backup
{
    /// <summary>Where Test-PlatformBackup -Restore restores the databases.</summary>
    public enum ScratchServer
    {
        /// <summary>A scratch database on the platform's own server: the measured RTO is the platform's.</summary>
        Platform,
        /// <summary>A throwaway cluster on this machine (same major version, tuned for loading, removed after): the platform's server is not loaded.</summary>
        Local,
    }

    public sealed class BackupTestRequest
    {
        public PlatformBackupSet Set { get; set; } = new PlatformBackupSet();
        /// <summary>Also restore into scratch copies and compare counts.</summary>
        public bool Restore { get; set; }
        public PostgresTarget? Postgres { get; set; }
        public DockerTarget? Docker { get; set; }
        public PgToolMode ToolMode { get; set; } = PgToolMode.Auto;
        public int Jobs { get; set; } = Math.Max(1, Environment.ProcessorCount);
        public ScratchServer ScratchServer { get; set; } = ScratchServer.Platform;
        /// <summary>Seal a set whose manifest has no seal (or no HMAC while a key is configured) once its files pass.</summary>
        public bool Seal { get; set; }
        /// <summary>The manifest key (see <see cref="ManifestSeal.ResolveKey"/>).</summary>
        public byte[]? ManifestKey { get; set; }
    }

    /// <summary>
    /// Test-PlatformBackup's engine: verifies the files, then (with Restore) restores every database into a scratch
    /// database and the RDB into a scratch redis-server, compares row and key counts with the manifest, times the
    /// restore (the measured RTO) and removes the scratch copies. The outcome is recorded in the set's verification.json.
    /// </summary>
    public static class BackupTester
    {
        public static async Task<BackupTestResult> TestAsync(BackupTestRequest request, BackupProgress progress, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (progress == null) throw new ArgumentNullException(nameof(progress));
            var set = request.Set;
            var clock = Stopwatch.StartNew();
            // The manifest first: it says what the files should be, so nothing else is checked when it was changed.
            var manifestCheck = new BackupCheck { Kind = "Manifest", Name = BackupManifest.FileName, Passed = set.ManifestTrusted,
                Expected = set.ManifestTrusted ? set.ManifestSha256 : null, Actual = set.ManifestSha256, Detail = set.ManifestSealDetail };
            var checks = new List<BackupCheck> { manifestCheck };
            if (set.ManifestSeal == BackupManifestSeal.Mismatch)
            {
                progress.Warn($"Backup set {set.Id}: its manifest failed its integrity check, so its files were not checked and nothing was restored.");
                var failed = new BackupTestResult { Id = set.Id, Path = set.Path, Checks = checks, Duration = clock.Elapsed };
                Record(set, failed, false, progress);
                return failed;
            }
            checks.AddRange(await BackupVerifier.VerifyAsync(set, set.Manifest.Files, progress, cancellationToken).ConfigureAwait(false));
            var result = new BackupTestResult { Id = set.Id, Path = set.Path, FilesChecked = set.Manifest.Files.Count, BytesChecked = progress.Bytes };
            if (request.Seal && !set.ManifestTrusted && checks.Skip(1).All(c => c.Passed)) SealNow(set, manifestCheck, request.ManifestKey, progress);
            var verified = checks.All(c => c.Passed);
            if (!verified) progress.Warn($"Backup set {set.Id} failed verification: nothing was restored.");

            if (request.Restore && verified)
            {
                var restoreTime = TimeSpan.Zero;
                var databases = set.Manifest.Files.Where(f => f.Kind == BackupKinds.Database).ToList();
                if (databases.Count > 0 && request.ScratchServer == ScratchServer.Local)
                {
                    restoreTime += await RestoreDatabasesLocallyAsync(request, databases, checks, result, progress, cancellationToken).ConfigureAwait(false);
                }
                else if (databases.Count > 0)
                {
                    if (request.Postgres == null)
                        throw new PlatformOpsException("PostgresTargetMissing", System.Management.Automation.ErrorCategory.InvalidArgument, set.Path,
                            "-Restore needs a PostgreSQL server for the scratch databases: import a platform profile or pass -Server.");
                    restoreTime += await RestoreDatabasesAsync(request, databases, checks, result, progress, cancellationToken).ConfigureAwait(false);
                }
                var redis = set.Manifest.Files.FirstOrDefault(f => f.Kind == BackupKinds.Redis);
                if (redis != null) restoreTime += await RestoreRedisAsync(set, redis, checks, result, progress, cancellationToken).ConfigureAwait(false);
                result.Restored = true;
                result.RestoreDuration = restoreTime;
                if (databases.Count > 0) result.RestoredOn = request.ScratchServer.ToString();
            }
            result.Checks = checks;
            result.Duration = clock.Elapsed;
            Record(set, result, request.Restore && verified, progress);
            return result;
        }

        private static async Task<TimeSpan> RestoreDatabasesAsync(BackupTestRequest request, List<BackupFileEntry> databases, List<BackupCheck> checks,
            BackupTestResult result, BackupProgress progress, CancellationToken cancellationToken)
        {
            var server = request.Postgres!;
            var set = request.Set;
            var applicationName = "platformops-verify-" + set.Id;
            var elapsed = TimeSpan.Zero;
            using var admin = await PgRestore.OpenAdminAsync(server, cancellationToken).ConfigureAwait(false);
            var (tools, serverMajor) = await PgRestore.ResolveToolsAsync(admin, server, request.ToolMode, request.Docker, progress.Say, cancellationToken).ConfigureAwait(false);
            using (tools)
            {
                for (var i = 0; i < databases.Count; i++)
                {
                    var entry = databases[i];
                    // A random token: the scratch name never matches a database this run did not create.
                    var scratch = PgRestore.Name("pgops_verify_" + (entry.Database ?? "db"),
                        "_" + Guid.NewGuid().ToString("N").Substring(0, 4) + "_" + set.Id.Replace("-", "_").ToLowerInvariant());
                    progress.Step(i + 1, databases.Count, $"Restoring {entry.Database} into scratch database {scratch}");
                    var clock = Stopwatch.StartNew();
                    var created = false;
                    try
                    {
                        if (await PgRestore.ExistsAsync(admin, scratch, cancellationToken).ConfigureAwait(false))
                            throw new PlatformOpsException("PlatformBackupStagingExists", System.Management.Automation.ErrorCategory.ResourceExists, scratch,
                                $"A database named '{scratch}' exists already; it is left alone. Run the test again.");
                        await PgRestore.CreateAsync(admin, scratch, entry, progress.Warn, cancellationToken).ConfigureAwait(false);
                        created = true;
                        await BackupLeftovers.MarkAsync(admin, scratch, BackupLeftovers.VerifyDatabase, set.Id, cancellationToken).ConfigureAwait(false);
                        await PgRestore.RestoreEntryAsync(tools, set.Path, entry, scratch, request.Jobs, applicationName, cancellationToken).ConfigureAwait(false);
                        clock.Stop();
                        elapsed += clock.Elapsed;
                        checks.Add(new BackupCheck { Kind = "Restore", Name = entry.Database ?? entry.Name, Passed = true,
                            Detail = $"restored into {scratch} in {clock.Elapsed.TotalSeconds:0.0} s ({tools.Mode} tools)" });
                        var (compare, tables, rows) = await PgRestore.CompareAsync(server, scratch, entry, cancellationToken).ConfigureAwait(false);
                        checks.AddRange(compare);
                        result.TablesCompared += tables;
                        result.RowsCompared += rows;
                        await CheckPropertiesAsync(admin, scratch, entry, checks, progress, cancellationToken).ConfigureAwait(false);
                    }
                    catch (PlatformOpsException ex)
                    {
                        checks.Add(new BackupCheck { Kind = "Restore", Name = entry.Database ?? entry.Name, Passed = false, Detail = ex.Message });
                    }
                    catch (Npgsql.PostgresException ex)
                    {
                        checks.Add(new BackupCheck { Kind = "Restore", Name = entry.Database ?? entry.Name, Passed = false, Detail = $"{ex.SqlState} {ex.MessageText}" });
                    }
                    finally
                    {
                        if (created) await PgRestore.DropQuietlyAsync(server, scratch, serverMajor).ConfigureAwait(false);
                    }
                }
            }
            return elapsed;
        }

        /// <summary>Restores into a throwaway cluster on this machine: globals first (so owners exist), then every database under its own name.</summary>
        private static async Task<TimeSpan> RestoreDatabasesLocallyAsync(BackupTestRequest request, List<BackupFileEntry> databases, List<BackupCheck> checks,
            BackupTestResult result, BackupProgress progress, CancellationToken cancellationToken)
        {
            var set = request.Set;
            var major = PgTools.ParseVersion("(PostgreSQL) " + (set.Manifest.Postgres?.Version ?? string.Empty)).Major;
            var host = await PgTools.FindHostFolderAsync(major, cancellationToken).ConfigureAwait(false)
                ?? throw new PlatformOpsException("PostgresScratchUnavailable", System.Management.Automation.ErrorCategory.ObjectNotFound, set.Path,
                    $"-ScratchServer Local needs PostgreSQL {major} (or newer) server programs on this machine; none were found. Install them, or use -ScratchServer Platform.");
            progress.Step(0, databases.Count, $"Starting a scratch PostgreSQL {host.Version} cluster");
            var elapsed = TimeSpan.Zero;
            var clock = Stopwatch.StartNew();
            using var scratch = await ScratchCluster.CreateAsync(host.Dir, cancellationToken).ConfigureAwait(false);
            var scratchTarget = scratch.Target!;
            progress.Say($"Scratch cluster: PostgreSQL {host.Version} from {host.Dir} on {scratchTarget.Endpoint}.");
            using var tools = PgTools.Host(scratchTarget, host.Dir, host.Version, host.Major);
            var applicationName = "platformops-verify-" + set.Id;
            var globals = set.Manifest.Files.FirstOrDefault(f => f.Kind == BackupKinds.Globals);
            if (globals != null)
            {
                GlobalsPlan plan;
                using (var scratchAdmin = await scratchTarget.OpenAsync(cancellationToken).ConfigureAwait(false))
                    plan = await PgRestore.PlanGlobalsAsync(scratchAdmin, set.Path, globals, overwriteRoles: false, cancellationToken).ConfigureAwait(false);
                var (errors, detail) = await PgRestore.RestoreGlobalsAsync(tools, plan, "postgres", applicationName, cancellationToken).ConfigureAwait(false);
                checks.Add(new BackupCheck { Kind = "Restore", Name = globals.Name, Passed = true,
                    Detail = errors == 0 ? "roles restored into the scratch cluster" : $"roles restored into the scratch cluster; {errors} statement(s) failed (existing roles): {detail}" });
            }
            var admin = await scratchTarget.OpenAsync(cancellationToken).ConfigureAwait(false);
            elapsed += clock.Elapsed;
            try
            {
            for (var i = 0; i < databases.Count; i++)
            {
                var entry = databases[i];
                var name = entry.Database ?? "db" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                progress.Step(i + 1, databases.Count, $"Restoring {name} into the scratch cluster");
                clock.Restart();
                try
                {
                    if (name != "postgres") await PgRestore.CreateAsync(admin, name, entry, progress.Warn, cancellationToken).ConfigureAwait(false);
                    await PgRestore.RestoreEntryAsync(tools, set.Path, entry, name, request.Jobs, applicationName, cancellationToken, withoutRoles: globals == null).ConfigureAwait(false);
                    clock.Stop();
                    elapsed += clock.Elapsed;
                    checks.Add(new BackupCheck { Kind = "Restore", Name = name, Passed = true,
                        Detail = $"restored into a scratch cluster in {clock.Elapsed.TotalSeconds:0.0} s (Local, PostgreSQL {host.Version})"
                                 + (globals == null ? "; the set has no globals, so owners and privileges were not restored" : string.Empty) });
                    var (compare, tables, rows) = await PgRestore.CompareAsync(scratchTarget, name, entry, cancellationToken).ConfigureAwait(false);
                    checks.AddRange(compare);
                    result.TablesCompared += tables;
                    result.RowsCompared += rows;
                    await CheckPropertiesAsync(admin, name, entry, checks, progress, cancellationToken).ConfigureAwait(false);
                }
                catch (PlatformOpsException ex)
                {
                    checks.Add(new BackupCheck { Kind = "Restore", Name = name, Passed = false, Detail = ex.Message });
                }
                catch (Npgsql.PostgresException ex)
                {
                    checks.Add(new BackupCheck { Kind = "Restore", Name = name, Passed = false, Detail = $"{ex.SqlState} {ex.MessageText}" });
                }
            }
            }
            finally
            {
                Pg.Release(admin);
            }
            return elapsed;
        }

        /// <summary>Applies the database's own privileges and settings to the scratch copy, as a restore would, and records whether they apply.</summary>
        private static async Task CheckPropertiesAsync(Npgsql.NpgsqlConnection admin, string scratch, BackupFileEntry entry, List<BackupCheck> checks,
            BackupProgress progress, CancellationToken cancellationToken)
        {
            var name = entry.Database ?? entry.Name;
            if (entry.Properties == null)
            {
                checks.Add(new BackupCheck { Kind = "Properties", Name = name, Passed = true,
                    Detail = "the set records no database-level privileges or settings (made before 0.2.0): a restore gives the defaults" });
                return;
            }
            var skipped = new List<string>();
            try
            {
                var applied = await DatabasePropertiesIo.ApplyAsync(admin, scratch, entry.Properties, skipped.Add, cancellationToken).ConfigureAwait(false);
                foreach (var s in skipped) progress.Warn(s);
                checks.Add(new BackupCheck { Kind = "Properties", Name = name, Passed = true,
                    Detail = $"{applied.Count} privilege(s) and setting(s) apply ({DatabaseRestore.DescribeProperties(entry.Properties)})"
                             + (skipped.Count > 0 ? $"; {skipped.Count} skipped for roles this server lacks" : string.Empty) });
            }
            catch (Npgsql.PostgresException ex)
            {
                checks.Add(new BackupCheck { Kind = "Properties", Name = name, Passed = false,
                    Detail = $"the database's own privileges or settings cannot be applied: {ex.SqlState} {ex.MessageText}" });
            }
        }

        private static async Task<TimeSpan> RestoreRedisAsync(PlatformBackupSet set, BackupFileEntry entry, List<BackupCheck> checks, BackupTestResult result,
            BackupProgress progress, CancellationToken cancellationToken)
        {
            var server = ScratchRedis.FindServer();
            if (server == null)
            {
                progress.Warn("No redis-server on this machine: the Redis snapshot was verified (SHA-256, RDB read to its end) but not loaded. Install redis-server to test it too.");
                return TimeSpan.Zero;
            }
            progress.Step(1, 1, "Loading the Redis snapshot into a scratch redis-server");
            var clock = Stopwatch.StartNew();
            try
            {
                using var scratch = await ScratchRedis.StartAsync(server, Path.Combine(set.Path, entry.Name), cancellationToken).ConfigureAwait(false);
                clock.Stop();
                var keys = await scratch.KeysAsync(cancellationToken).ConfigureAwait(false);
                checks.Add(new BackupCheck { Kind = "Restore", Name = entry.Name, Passed = true, Detail = $"loaded by a scratch redis-server in {clock.Elapsed.TotalSeconds:0.0} s" });
                var expected = entry.Keys ?? new Dictionary<string, long>();
                var dbs = expected.Keys.Union(keys.Keys).OrderBy(k => k, StringComparer.Ordinal).ToList();
                var bad = dbs.Where(d => (expected.TryGetValue(d, out var e) ? e : 0) != (keys.TryGetValue(d, out var a) ? a : 0)).ToList();
                if (entry.KeysPartial == true) bad = bad.Where(expected.ContainsKey).ToList();
                result.KeysCompared += keys.Values.Sum();
                checks.Add(new BackupCheck
                {
                    Kind = "KeyCount",
                    Name = "redis",
                    Passed = bad.Count == 0,
                    Expected = string.Join(",", dbs.Select(d => $"db{d}={(expected.TryGetValue(d, out var e) ? e : 0)}")),
                    Actual = string.Join(",", dbs.Select(d => $"db{d}={(keys.TryGetValue(d, out var a) ? a : 0)}")),
                    Detail = bad.Count == 0 ? $"{keys.Values.Sum()} keys match the manifest" : "key counts differ in " + string.Join(", ", bad.Select(d => "db" + d)),
                });
            }
            catch (PlatformOpsException ex)
            {
                checks.Add(new BackupCheck { Kind = "Restore", Name = entry.Name, Passed = false, Detail = ex.Message });
            }
            return clock.Elapsed;
        }

        /// <summary>
        /// Seals (or signs) the manifest of a set whose files just passed, for sets made by 0.1.0: the operator vouches for
        /// the manifest as it is now. The manifest is read again and must be the one that was checked.
        /// </summary>
        private static void SealNow(PlatformBackupSet set, BackupCheck manifestCheck, byte[]? key, BackupProgress progress)
        {
            var bytes = File.ReadAllBytes(Path.Combine(set.Path, BackupManifest.FileName));
            if (!string.Equals(ManifestSeal.Sha256(bytes), set.ManifestSha256, StringComparison.Ordinal))
            {
                manifestCheck.Detail = "the manifest changed while the set was checked; it was not sealed";
                return;
            }
            ManifestSeal.Reseal(set.Path, bytes, key);
            set.ManifestSeal = key != null ? BackupManifestSeal.SealedWithKey : BackupManifestSeal.Sealed;
            set.ManifestSealDetail = $"sealed now by Test-PlatformBackup -Seal ({(key != null ? "SHA-256 and HMAC" : "SHA-256")}), after every file passed";
            manifestCheck.Passed = true;
            manifestCheck.Expected = set.ManifestSha256;
            manifestCheck.Detail = set.ManifestSealDetail;
            progress.Say($"Backup set {set.Id}: manifest sealed ({ManifestSeal.FileName}).");
        }

        /// <summary>The result for a set whose manifest cannot even be read because it failed its seal: failed, and recorded so.</summary>
        internal static BackupTestResult ManifestFailed(string setPath, string detail, BackupProgress progress)
        {
            var set = new PlatformBackupSet { Id = Path.GetFileName(setPath.TrimEnd('/')), Path = setPath, ManifestSeal = BackupManifestSeal.Mismatch };
            try { set.ManifestSha256 = ManifestSeal.Sha256(File.ReadAllBytes(Path.Combine(setPath, BackupManifest.FileName))); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
            var result = new BackupTestResult
            {
                Id = set.Id,
                Path = setPath,
                Checks = new List<BackupCheck> { new BackupCheck { Kind = "Manifest", Name = BackupManifest.FileName, Passed = false, Actual = set.ManifestSha256, Detail = detail } },
            };
            Record(set, result, false, progress);
            return result;
        }

        private static void Record(PlatformBackupSet set, BackupTestResult result, bool restored, BackupProgress progress)
        {
            try
            {
                var record = BackupVerificationRecord.Load(set.Path) ?? new BackupVerificationRecord();
                record.LastVerifiedUtc = DateTime.UtcNow;
                record.LastVerifyPassed = result.Checks.Where(c => c.Kind == "File" || c.Kind == "Archive" || c.Kind == "Manifest").All(c => c.Passed);
                record.ManifestSha256 = set.ManifestSha256;
                if (restored)
                {
                    record.LastRestoreTestUtc = DateTime.UtcNow;
                    record.LastRestorePassed = result.Passed;
                    record.RestoreSeconds = result.RestoreDuration.HasValue ? Math.Round(result.RestoreDuration.Value.TotalSeconds, 3) : (double?)null;
                    record.RestoredOn = result.RestoredOn;
                }
                record.Save(set.Path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                progress.Warn($"The result could not be recorded in {set.Path}: {ex.Message}");
            }
        }

        internal static string Format(long n) => n.ToString(CultureInfo.InvariantCulture);
    }
}

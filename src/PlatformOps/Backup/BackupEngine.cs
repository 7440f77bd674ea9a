using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.IO.Pipes;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Redis;

namespace PlatformOps.Backup
{
    /// <summary>Directory: pg_dump -Fd (restores in parallel with pg_restore -j). Plain: SQL, what the usual scripts make (.sql.gz).</summary>
    public enum BackupFormat
    {
        Directory,
        Plain,
    }

    public enum BackupCompression
    {
        Gzip,
        Zstd,
        Lz4,
        None,
    }

    /// <summary>What to back up and how. Null targets are skipped.</summary>
    public sealed class BackupRequest
    {
        public string Root { get; set; } = string.Empty;
        public string? Platform { get; set; }
        public PostgresTarget? Postgres { get; set; }
        /// <summary>Databases to back up; null or empty for every database that accepts connections.</summary>
        public IReadOnlyList<string>? Databases { get; set; }
        public bool IncludeGlobals { get; set; } = true;
        public RedisTarget? Redis { get; set; }
        public DockerTarget? Docker { get; set; }
        public PgToolMode ToolMode { get; set; } = PgToolMode.Auto;
        public BackupFormat Format { get; set; } = BackupFormat.Directory;
        public BackupCompression Compression { get; set; } = BackupCompression.Gzip;
        public int? CompressionLevel { get; set; }
        public int Jobs { get; set; } = Math.Max(1, Environment.ProcessorCount);
        /// <summary>The manifest key (see <see cref="ManifestSeal.ResolveKey"/>); null to seal with SHA-256 only.</summary>
        public byte[]? ManifestKey { get; set; }
    }

    /// <summary>
    /// Makes a backup set: every file is written into a hidden ".ID.partial" folder (each file under a temporary name,
    /// then renamed), the manifest last, and the folder is renamed to its ID only then. A failed or cancelled backup
    /// deletes its partial folder and never touches an earlier set.
    /// </summary>
    public static class BackupEngine
    {
        internal const string PartialSuffix = ".partial";
        internal const string OwnerFile = ".owner";

        public static async Task<PlatformBackupSet> RunAsync(BackupRequest request, BackupProgress progress, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (progress == null) throw new ArgumentNullException(nameof(progress));
            if (request.Postgres == null && request.Redis == null)
                throw new PlatformOpsException("PlatformBackupNothingToDo", System.Management.Automation.ErrorCategory.InvalidArgument, null,
                    "Nothing to back up: neither PostgreSQL nor Redis is configured. Import a platform profile or pass connection parameters.");

            var started = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            var id = NewId(started);
            var root = System.IO.Path.GetFullPath(request.Root);
            var partial = System.IO.Path.Combine(root, "." + id + PartialSuffix);
            CreateSetFolder(root, partial);
            var committed = false;
            var applicationName = "platformops-backup-" + id;
            var manifest = new BackupManifest { Id = id, Platform = request.Platform, StartedUtc = started };
            try
            {
                CleanStalePartials(root, partial, progress);
                if (request.Postgres != null)
                    await BackupPostgresAsync(request, request.Postgres, manifest, partial, applicationName, progress, cancellationToken).ConfigureAwait(false);
                if (request.Redis != null)
                    await RdbSnapshotStep.RunAsync(request.Redis, manifest, partial, progress, cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();

                manifest.CompletedUtc = DateTime.UtcNow;
                manifest.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
                File.Delete(System.IO.Path.Combine(partial, OwnerFile));
                // The seal, then the manifest, into the unfinished folder; the rename below is what makes it a set, so a
                // crash at any point leaves either no set or a set whose manifest is sealed.
                var manifestSha = ManifestSeal.Write(partial, manifest.ToJson(), request.ManifestKey);
                var final = System.IO.Path.Combine(root, id);
                Directory.Move(partial, final);
                committed = true;
                progress.Say($"Backup set {id} written to {final} ({BackupProgress.Size(manifest.Files.Sum(f => f.Size))} in {clock.Elapsed.TotalSeconds:0.0} s).");
                return PlatformBackupSet.From(final, manifest, null, request.ManifestKey != null ? BackupManifestSeal.SealedWithKey : BackupManifestSeal.Sealed, manifestSha);
            }
            catch (IOException ex) when (ErrorCauses.IsDiskFull(ex))
            {
                throw DiskFull(root, ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw Unwritable(root, ex);
            }
            finally
            {
                if (!committed)
                {
                    if (request.Postgres != null) await TerminateBackendsAsync(request.Postgres, applicationName).ConfigureAwait(false);
                    UnixFile.DeleteQuietly(partial);
                }
            }
        }

        internal static string NewId(DateTime utc)
            => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 4);

        private static void CreateSetFolder(string root, string partial)
        {
            try
            {
                Directory.CreateDirectory(root);
                Directory.CreateDirectory(partial);
                AtomicFile.SetMode(partial, 0x1C0); // 0700: the set holds data and role password hashes
                File.WriteAllText(System.IO.Path.Combine(partial, OwnerFile),
                    Process.GetCurrentProcess().Id.ToString(CultureInfo.InvariantCulture));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                UnixFile.DeleteQuietly(partial);
                if (ex is IOException io && ErrorCauses.IsDiskFull(io)) throw DiskFull(root, io);
                throw Unwritable(root, ex);
            }
        }

        internal static PlatformOpsException Unwritable(string root, Exception ex)
            => PathChecks.FileInTheWay(root) is string file
                ? new PlatformOpsException("PlatformBackupPathNotDirectory", System.Management.Automation.ErrorCategory.InvalidArgument, root,
                    $"The backup folder '{root}' cannot be used: '{file}' is a file, not a folder. Give -Path a folder (it is created if missing).", ex)
                : new PlatformOpsException("PlatformBackupFolderUnwritable", System.Management.Automation.ErrorCategory.PermissionDenied, root,
                    $"Cannot write to the backup folder '{root}': {PlatformErrors.Reason(ex)}. Choose a writable -Path or fix its permissions and mount options.", ex);

        internal static PlatformOpsException DiskFull(string root, Exception? ex)
            => new PlatformOpsException("PlatformBackupDiskFull", System.Management.Automation.ErrorCategory.WriteError, root,
                $"The disk of the backup folder '{root}' is full. The partial backup was removed; free space (Remove-PlatformBackup) or choose another -Path.", ex);

        /// <summary>Removes ".ID.partial" folders left by a backup process that no longer runs (killed, machine lost).</summary>
        internal static int CleanStalePartials(string root, string? except, BackupProgress? progress)
        {
            var removed = 0;
            string[] candidates;
            try
            {
                candidates = Directory.GetDirectories(root, ".*" + PartialSuffix);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return 0;
            }
            foreach (var dir in candidates)
            {
                if (except != null && string.Equals(dir, except, StringComparison.Ordinal)) continue;
                if (OwnerAlive(dir)) continue;
                progress?.Say($"Removing the partial backup '{dir}' left by a backup that did not finish.");
                if (UnixFile.DeleteQuietly(dir)) removed++;
            }
            return removed;
        }

        internal static bool OwnerAlive(string dir)
        {
            try
            {
                var text = File.ReadAllText(System.IO.Path.Combine(dir, OwnerFile)).Trim();
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
                using var process = Process.GetProcessById(pid);
                if (process.HasExited || IsZombie(pid)) return false;
                return Directory.GetLastWriteTimeUtc(dir) > DateTime.UtcNow.AddDays(-2);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is InvalidOperationException)
            {
                return false;
            }
        }

        /// <summary>A killed process whose parent has not reaped it still has a pid; on Linux its state is Z.</summary>
        internal static bool IsZombie(int pid)
        {
            var stat = "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat";
            if (!File.Exists(stat)) return false;
            var text = File.ReadAllText(stat);
            var close = text.LastIndexOf(')');
            return close > 0 && close + 2 < text.Length && (text[close + 2] == 'Z' || text[close + 2] == 'X');
        }

        /// <summary>Ends the server sessions of a cancelled or failed dump (pg_dump in a container outlives a closed attach otherwise).</summary>
        internal static async Task TerminateBackendsAsync(PostgresTarget target, string applicationName)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var connection = await target.OpenAsync(timeout.Token, 3).ConfigureAwait(false);
                using var command = new NpgsqlCommand(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @app AND pid <> pg_backend_pid()", connection);
                command.Parameters.AddWithValue("app", applicationName);
                await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Best effort: the server may be the thing that failed.
            }
        }

        // ---------------------------------------------------------------------------------------------------------
        // PostgreSQL
        // ---------------------------------------------------------------------------------------------------------

        private sealed class DatabaseInfo
        {
            public string Name = string.Empty;
            public string Encoding = string.Empty;
            public string Collate = string.Empty;
            public string Ctype = string.Empty;
            public string Owner = string.Empty;
        }

        private static async Task BackupPostgresAsync(BackupRequest request, PostgresTarget target, BackupManifest manifest, string partial,
            string applicationName, BackupProgress progress, CancellationToken cancellationToken)
        {
            progress.Step(0, 0, "Connecting to PostgreSQL");
            List<DatabaseInfo> all;
            PgTools tools;
            bool superuser;
            using (var admin = await target.OpenAsync(cancellationToken).ConfigureAwait(false))
            {
                var versionNum = Convert.ToInt32(await Pg.ScalarAsync(admin, "SHOW server_version_num", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                var version = (string)(await Pg.ScalarAsync(admin, "SHOW server_version", cancellationToken).ConfigureAwait(false))!;
                var socketDirs = (string)(await Pg.ScalarAsync(admin, "SHOW unix_socket_directories", cancellationToken).ConfigureAwait(false))!;
                var port = Convert.ToInt32(await Pg.ScalarAsync(admin, "SHOW port", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                superuser = (bool)(await Pg.ScalarAsync(admin, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", cancellationToken).ConfigureAwait(false))!;
                manifest.Postgres = new BackupServerInfo { Endpoint = target.Endpoint, Version = version.Split(' ')[0], Container = target.Container };
                all = new List<DatabaseInfo>();
                using (var command = new NpgsqlCommand(
                           "SELECT datname, pg_encoding_to_char(encoding), datcollate, datctype, pg_get_userbyid(datdba) FROM pg_database " +
                           "WHERE datallowconn AND NOT datistemplate ORDER BY datname", admin))
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        all.Add(new DatabaseInfo { Name = reader.GetString(0), Encoding = reader.GetString(1), Collate = reader.GetString(2), Ctype = reader.GetString(3), Owner = reader.GetString(4) });
                }
                var socketDir = socketDirs.Split(',').Select(s => s.Trim()).FirstOrDefault(s => s.Length > 0 && !s.StartsWith("@", StringComparison.Ordinal));
                tools = await PgTools.ResolveAsync(target, request.ToolMode, versionNum / 10000, request.Docker, socketDir, port, progress.Say, cancellationToken).ConfigureAwait(false);
            }
            using (tools)
            {
                manifest.ToolMode = tools.Mode;
                manifest.ToolVersion = tools.Version;
                if (request.Format == BackupFormat.Directory && tools.Major < 16
                    && (request.Compression == BackupCompression.Zstd || request.Compression == BackupCompression.Lz4))
                    throw new PlatformOpsException("PlatformBackupCompressionUnsupported", System.Management.Automation.ErrorCategory.InvalidArgument, request.Compression,
                        $"pg_dump {tools.Version} compresses the Directory format with gzip only ({request.Compression} needs pg_dump 16 or later). Use -Compression Gzip, or -Format Plain -Compression {request.Compression}.");

                var chosen = new List<DatabaseInfo>();
                if (request.Databases == null || request.Databases.Count == 0) chosen.AddRange(all);
                else
                {
                    foreach (var name in request.Databases)
                    {
                        var match = all.FirstOrDefault(d => d.Name == name);
                        if (match == null)
                            throw new PlatformOpsException("PostgresDatabaseNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, name,
                                $"PostgreSQL at {target.Endpoint} has no database '{name}' that accepts connections. It has: {string.Join(", ", all.Select(d => d.Name))}.");
                        if (!chosen.Contains(match)) chosen.Add(match);
                    }
                }

                var total = chosen.Count + (request.IncludeGlobals ? 1 : 0) + (request.Redis != null ? 1 : 0);
                var usedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { BackupManifest.FileName, "globals.sql.gz", "redis.rdb" };
                for (var i = 0; i < chosen.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress.Step(i + 1, total, $"Database {chosen[i].Name}");
                    var entry = await DumpDatabaseAsync(request, target, tools, chosen[i], partial, usedNames, applicationName, progress, cancellationToken).ConfigureAwait(false);
                    manifest.Files.Add(entry);
                }
                if (request.IncludeGlobals)
                {
                    progress.Step(chosen.Count + 1, total, "Globals (roles, memberships, tablespaces)");
                    manifest.Files.Add(await DumpGlobalsAsync(target, tools, superuser, partial, applicationName, progress, cancellationToken).ConfigureAwait(false));
                }
            }
        }

        internal static string SafeName(string name, HashSet<string> used, string suffix)
        {
            var chars = name.Select(c => char.IsLetterOrDigit(c) && c < 128 || c == '_' || c == '-' ? c : '_').ToArray();
            var baseName = new string(chars);
            if (baseName.Length == 0 || baseName[0] == '.') baseName = "_" + baseName;
            var candidate = baseName + suffix;
            for (var n = 2; used.Contains(candidate); n++) candidate = baseName + "-" + n.ToString(CultureInfo.InvariantCulture) + suffix;
            used.Add(candidate);
            return candidate;
        }

        private static string CompressionArgument(BackupRequest request, int toolMajor)
        {
            var level = request.CompressionLevel;
            if (toolMajor < 16)
                return request.Compression == BackupCompression.None ? "0" : (level ?? 1).ToString(CultureInfo.InvariantCulture);
            switch (request.Compression)
            {
                case BackupCompression.None: return "none";
                case BackupCompression.Zstd: return "zstd:" + (level ?? 3).ToString(CultureInfo.InvariantCulture);
                case BackupCompression.Lz4: return "lz4:" + (level ?? 1).ToString(CultureInfo.InvariantCulture);
                default: return "gzip:" + (level ?? 1).ToString(CultureInfo.InvariantCulture);
            }
        }

        private static async Task<BackupFileEntry> DumpDatabaseAsync(BackupRequest request, PostgresTarget server, PgTools tools, DatabaseInfo db,
            string partial, HashSet<string> usedNames, string applicationName, BackupProgress progress, CancellationToken cancellationToken)
        {
            var connection = await server.WithDatabase(db.Name).OpenAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await DumpDatabaseOnAsync(request, connection, tools, db, partial, usedNames, applicationName, progress, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Pg.Release(connection);
            }
        }

        private static async Task<BackupFileEntry> DumpDatabaseOnAsync(BackupRequest request, NpgsqlConnection connection, PgTools tools, DatabaseInfo db,
            string partial, HashSet<string> usedNames, string applicationName, BackupProgress progress, CancellationToken cancellationToken)
        {
            await Pg.ExecuteAsync(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", cancellationToken).ConfigureAwait(false);
            var snapshot = (string)(await Pg.ScalarAsync(connection, "SELECT pg_export_snapshot()", cancellationToken).ConfigureAwait(false))!;
            var tables = await Pg.ListTablesAsync(connection, cancellationToken).ConfigureAwait(false);

            var entry = new BackupFileEntry
            {
                Kind = BackupKinds.Database,
                Database = db.Name,
                Format = request.Format.ToString(),
                Owner = db.Owner,
                Encoding = db.Encoding,
                Collate = db.Collate,
                Ctype = db.Ctype,
            };
            entry.Properties = await DatabasePropertiesIo.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            var bytesBefore = progress.Bytes;
            var args = new List<string> { "--snapshot=" + snapshot, "-d", LibpqConnInfo.Database(db.Name) };
            Task<ProcessResult> dump;
            Func<Task>? finish;
            if (request.Format == BackupFormat.Directory)
            {
                entry.Name = SafeName(db.Name, usedNames, ".dir");
                entry.Compression = request.Compression.ToString().ToLowerInvariant();
                entry.CompressionLevel = request.Compression == BackupCompression.None ? (int?)null : request.CompressionLevel ?? (request.Compression == BackupCompression.Zstd ? 3 : 1);
                var temp = System.IO.Path.Combine(partial, entry.Name + PartialSuffix);
                args.AddRange(new[] { "-Fd", "-j", Math.Max(1, request.Jobs).ToString(CultureInfo.InvariantCulture), "-Z", CompressionArgument(request, tools.Major),
                    "-f", tools.RequirePathFor(temp, "the backup set") });
                dump = tools.RunAsync(tools.Spec("pg_dump", applicationName, args), cancellationToken);
                finish = async () =>
                {
                    var parts = new List<BackupFilePart>();
                    foreach (var file in Directory.GetFiles(temp).OrderBy(f => f, StringComparer.Ordinal))
                    {
                        var (sha, size) = await HashingStream.HashFileAsync(file, cancellationToken).ConfigureAwait(false);
                        parts.Add(new BackupFilePart { Name = System.IO.Path.GetFileName(file), Size = size, Sha256 = sha });
                    }
                    entry.Parts = parts;
                    entry.Size = parts.Sum(p => p.Size);
                    entry.Sha256 = HashingStream.HashListing(parts);
                    // pg_dump creates its files with its own umask (0644); the set folder around them is 0700 from its
                    // first moment, so nobody else could open them meanwhile, and they are 0600 before the set exists.
                    foreach (var file in Directory.GetFiles(temp)) AtomicFile.SetMode(file, 0x180);
                    AtomicFile.SetMode(temp, 0x1C0);
                    Directory.Move(temp, System.IO.Path.Combine(partial, entry.Name));
                    progress.SetBytes(bytesBefore + entry.Size);
                };
                var watcher = WatchFolderAsync(temp, bytesBefore, progress, dump);
                dump = dump.ContinueWith(t => { watcher.Wait(); return t; }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
            }
            else
            {
                entry.Compression = request.Compression.ToString().ToLowerInvariant();
                entry.Name = SafeName(db.Name, usedNames, ".sql" + Extension(request.Compression));
                args.Add("-Fp");
                var writer = new CompressedFileWriter(System.IO.Path.Combine(partial, entry.Name), request.Compression, request.CompressionLevel, progress);
                entry.CompressionLevel = writer.Level;
                dump = RunIntoAsync(tools, tools.Spec("pg_dump", applicationName, args), writer, cancellationToken);
                finish = () =>
                {
                    var (sha, size) = writer.Commit();
                    entry.Sha256 = sha;
                    entry.Size = size;
                    return Task.CompletedTask;
                };
            }

            // Row counts in the dump's own snapshot, while pg_dump runs.
            var counts = new List<TableRowCount>();
            foreach (var (schema, name) in tables)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rows = Convert.ToInt64(await Pg.ScalarAsync(connection, $"SELECT count(*) FROM ONLY {Pg.Ident(schema)}.{Pg.Ident(name)}", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                counts.Add(new TableRowCount { Schema = schema, Name = name, Rows = rows });
            }
            entry.Tables = counts;
            entry.LargeObjects = Convert.ToInt64(await Pg.ScalarAsync(connection, "SELECT count(*) FROM pg_largeobject_metadata", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);

            var result = await dump.ConfigureAwait(false);
            await Pg.ExecuteAsync(connection, "COMMIT", cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded) throw ToolFailed("pg_dump", $"database '{db.Name}'", result, partial);
            await finish().ConfigureAwait(false);
            progress.Say($"Database {db.Name}: {counts.Count} tables, {counts.Sum(c => c.Rows)} rows, {BackupProgress.Size(entry.Size)} ({entry.Format}, {entry.Compression}) in {result.Duration.TotalSeconds:0.0} s.");
            return entry;
        }

        private static async Task WatchFolderAsync(string folder, long bytesBefore, BackupProgress progress, Task until)
        {
            while (!until.IsCompleted)
            {
                await Task.WhenAny(until, Task.Delay(500)).ConfigureAwait(false);
                try
                {
                    if (Directory.Exists(folder))
                        progress.SetBytes(bytesBefore + new DirectoryInfo(folder).GetFiles().Sum(f => f.Length));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
            }
        }

        internal static string Extension(BackupCompression compression)
        {
            switch (compression)
            {
                case BackupCompression.Gzip: return ".gz";
                case BackupCompression.Zstd: return ".zst";
                case BackupCompression.Lz4: return ".lz4";
                default: return string.Empty;
            }
        }

        /// <summary>Runs a tool whose stdout goes through the writer (compression, SHA-256, temp file).</summary>
        private static async Task<ProcessResult> RunIntoAsync(PgTools tools, ProcessSpec spec, CompressedFileWriter writer, CancellationToken cancellationToken)
        {
            try
            {
                ProcessResult result;
                try
                {
                    result = await tools.RunAsync(spec, cancellationToken, output: writer.Input).ConfigureAwait(false);
                }
                finally
                {
                    writer.CloseInput();
                }
                await writer.CompletionAsync().ConfigureAwait(false);
                return result;
            }
            catch
            {
                writer.Dispose();
                throw;
            }
        }

        private static async Task<BackupFileEntry> DumpGlobalsAsync(PostgresTarget target, PgTools tools, bool superuser, string partial,
            string applicationName, BackupProgress progress, CancellationToken cancellationToken)
        {
            var args = new List<string> { "--globals-only", "-l", LibpqConnInfo.Database(target.Database) };
            if (!superuser)
            {
                args.Add("--no-role-passwords");
                progress.Warn($"User '{target.Username}' is not a superuser: the globals are dumped without role passwords.");
            }
            var entry = new BackupFileEntry { Kind = BackupKinds.Globals, Name = "globals.sql.gz", Format = "Plain", Compression = "gzip" };
            var writer = new CompressedFileWriter(System.IO.Path.Combine(partial, entry.Name), BackupCompression.Gzip, 6, progress);
            entry.CompressionLevel = writer.Level;
            var result = await RunIntoAsync(tools, tools.Spec("pg_dumpall", applicationName, args), writer, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                writer.Dispose();
                throw ToolFailed("pg_dumpall", "the globals", result, partial);
            }
            var (sha, size) = writer.Commit();
            entry.Sha256 = sha;
            entry.Size = size;
            return entry;
        }

        internal static PlatformOpsException ToolFailed(string tool, string what, ProcessResult result, string folder)
        {
            var err = result.StandardError;
            bool Has(string s) => err.IndexOf(s, StringComparison.OrdinalIgnoreCase) >= 0;
            var detail = PgTools.FirstLine(err);
            if (Has("No space left on device")) return DiskFull(folder, null);
            if (Has("Permission denied") && (Has("could not open") || Has("could not create") || Has("could not write")))
                return new PlatformOpsException("PlatformBackupFolderUnwritable", System.Management.Automation.ErrorCategory.PermissionDenied, folder,
                    $"{tool} cannot write {what} into '{folder}': {detail}");
            if (Has("password authentication failed") || Has("no password supplied"))
                return new PlatformOpsException("PostgresAuthenticationFailed", System.Management.Automation.ErrorCategory.AuthenticationError, folder,
                    $"{tool} was refused by the server: {detail}. Check the credential or pass file.");
            if (Has("database") && Has("does not exist"))
                return new PlatformOpsException("PostgresDatabaseNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound, what, $"{tool}: {detail}");
            if (Has("terminating connection") || Has("server closed the connection") || Has("connection to server") || Has("could not receive data"))
                return new PlatformOpsException("PlatformBackupServerLost", System.Management.Automation.ErrorCategory.ConnectionError, what,
                    $"The PostgreSQL server went away while {tool} was working on {what}: {detail}. Nothing was kept; run the backup again once the server is back.");
            return new PlatformOpsException("PlatformBackupToolFailed", System.Management.Automation.ErrorCategory.InvalidOperation, what,
                $"{tool} failed (exit code {result.ExitCode}) on {what}: {detail}");
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PlatformOps.Common;

namespace PlatformOps.Wal
{
    /// <summary>
    /// The manifest of a base backup set (manifest.json in the set folder, written last). It follows the backup sets'
    /// schema "platformops.backup/1" (id, startedUtc, completedUtc, files...) so Get-PlatformBackup lists it, and adds
    /// kind "base" and a baseBackup section with the WAL positions PITR needs.
    /// </summary>
    public sealed class BaseBackupManifest
    {
        public const string FileName = "manifest.json";
        public const string KindBase = "base";
        public const string DataFolder = "data";

        public string Schema { get; set; } = "platformops.backup/1";
        public string Id { get; set; } = string.Empty;
        public string Kind { get; set; } = KindBase;
        public string? Platform { get; set; }
        public DateTime StartedUtc { get; set; }
        public DateTime CompletedUtc { get; set; }
        public double DurationSeconds { get; set; }
        public string? ToolMode { get; set; } = "Host";
        public string? ToolVersion { get; set; }
        public BaseBackupServer? Postgres { get; set; }
        public List<BaseBackupFile> Files { get; set; } = new List<BaseBackupFile>();
        public BaseBackupInfo? BaseBackup { get; set; }

        internal static readonly JsonSerializerOptions JsonOptions = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = true,
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };

        public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

        /// <summary>
        /// Reads a base backup set's manifest; throws when the folder is not a base backup set, or when the manifest does
        /// not pass its seal (manifest.json.sha256, and its HMAC when <paramref name="manifestKey"/> is given) or names
        /// files outside the set: the WAL positions in it decide what a restore replays.
        /// </summary>
        public static BaseBackupManifest Load(string setPath, byte[]? manifestKey)
        {
            var path = System.IO.Path.Combine(setPath, FileName);
            BaseBackupManifest? manifest;
            try
            {
                if (PlatformOps.Backup.ManifestSeal.IsLink(path))
                    throw new PlatformOpsException("PlatformBackupManifestInvalid", ErrorCategory.InvalidData, setPath, $"The manifest of '{setPath}' is a symbolic link; a set's files must be inside it.");
                var bytes = File.ReadAllBytes(path);
                var (seal, detail) = PlatformOps.Backup.ManifestSeal.Check(setPath, bytes, manifestKey);
                if (!PlatformOps.Backup.ManifestSeal.Trusted(seal)) throw PlatformOps.Backup.ManifestSeal.Untrusted(setPath, seal, detail);
                manifest = JsonSerializer.Deserialize<BaseBackupManifest>(bytes, JsonOptions);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PlatformOpsException("PlatformBackupNotFound", ErrorCategory.ObjectNotFound, setPath, $"'{setPath}' is not a backup set (no readable {FileName}): {ex.Message}", ex);
            }
            catch (JsonException ex)
            {
                throw new PlatformOpsException("PlatformBackupManifestInvalid", ErrorCategory.InvalidData, setPath, $"The manifest of '{setPath}' is not valid JSON: {ex.Message}", ex);
            }
            if (manifest == null || manifest.BaseBackup == null || !string.Equals(manifest.Kind, KindBase, StringComparison.OrdinalIgnoreCase))
                throw new PlatformOpsException("PlatformBackupNotBase", ErrorCategory.InvalidArgument, setPath,
                    $"'{setPath}' is not a base backup (kind '{manifest?.Kind}'). Point-in-time recovery needs a set made by Invoke-PlatformBaseBackup.");
            if (!PlatformOps.Backup.BackupManifest.IsPlainName(manifest.Id) || manifest.Files.Any(f => f == null || !PlatformOps.Backup.BackupManifest.IsPlainName(f.Name)))
                throw new PlatformOpsException("PlatformBackupManifestInvalid", ErrorCategory.InvalidData, setPath,
                    $"The manifest of '{setPath}' names an id or a file that is not a plain name inside the set. The set cannot be trusted.");
            return manifest;
        }
    }

    public sealed class BaseBackupServer
    {
        public string Endpoint { get; set; } = string.Empty;
        public string Version { get; set; } = string.Empty;
        public string? Container { get; set; }
    }

    /// <summary>One entry of the set: the data folder pg_basebackup wrote.</summary>
    public sealed class BaseBackupFile
    {
        public string Name { get; set; } = BaseBackupManifest.DataFolder;
        /// <summary>"Base": a physical copy of the cluster with PostgreSQL's own backup_manifest.</summary>
        public string Kind { get; set; } = "Base";
        public string Format { get; set; } = "Physical";
        public string Compression { get; set; } = "none";
        public long Size { get; set; }
        /// <summary>SHA-256 of data/backup_manifest, which holds a checksum of every file (pg_verifybackup checks them).</summary>
        public string Sha256 { get; set; } = string.Empty;
    }

    /// <summary>Where the base backup sits in the WAL stream, and how it was checked.</summary>
    public sealed class BaseBackupInfo
    {
        public string Label { get; set; } = string.Empty;
        public string StartLsn { get; set; } = string.Empty;
        public string EndLsn { get; set; } = string.Empty;
        /// <summary>The first segment recovery needs: Test-PlatformWalArchive checks the archive from here.</summary>
        public string StartWal { get; set; } = string.Empty;
        public string EndWal { get; set; } = string.Empty;
        public uint Timeline { get; set; }
        public string SystemIdentifier { get; set; } = string.Empty;
        public long WalSegmentSize { get; set; }
        public int ServerMajor { get; set; }
        /// <summary>stream: the WAL for a consistent copy is inside the backup.</summary>
        public string WalMethod { get; set; } = "stream";
        public bool Verified { get; set; }
        public string? VerifiedWith { get; set; }
        /// <summary>The server's archive_mode and archive folder when the backup was taken.</summary>
        public string? ArchiveMode { get; set; }
        public string? WalArchive { get; set; }
    }

    /// <summary>A base backup set, as Invoke-PlatformBaseBackup reports it.</summary>
    public sealed class PlatformBaseBackup
    {
        public string Id { get; internal set; } = string.Empty;
        public string Path { get; internal set; } = string.Empty;
        public string Kind { get; internal set; } = BaseBackupManifest.KindBase;
        public DateTime StartedUtc { get; internal set; }
        public DateTime CompletedUtc { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        public long SizeBytes { get; internal set; }
        public string StartWal { get; internal set; } = string.Empty;
        public string EndWal { get; internal set; } = string.Empty;
        public string StartLsn { get; internal set; } = string.Empty;
        public string EndLsn { get; internal set; } = string.Empty;
        public uint Timeline { get; internal set; }
        public bool Verified { get; internal set; }
        public string PostgresVersion { get; internal set; } = string.Empty;
        public string Label { get; internal set; } = string.Empty;
        /// <summary>The server archives WAL: this backup can be rolled forward to a point in time.</summary>
        public bool ArchivingEnabled { get; internal set; }
        public string? WalArchive { get; internal set; }
        public BaseBackupManifest Manifest { get; internal set; } = new BaseBackupManifest();

        public override string ToString() => Path;

        internal static PlatformBaseBackup From(string path, BaseBackupManifest m) => new PlatformBaseBackup
        {
            Id = m.Id,
            Path = path,
            StartedUtc = DateTime.SpecifyKind(m.StartedUtc, DateTimeKind.Utc),
            CompletedUtc = DateTime.SpecifyKind(m.CompletedUtc, DateTimeKind.Utc),
            Duration = TimeSpan.FromSeconds(m.DurationSeconds),
            SizeBytes = m.Files.Sum(f => f.Size),
            StartWal = m.BaseBackup?.StartWal ?? string.Empty,
            EndWal = m.BaseBackup?.EndWal ?? string.Empty,
            StartLsn = m.BaseBackup?.StartLsn ?? string.Empty,
            EndLsn = m.BaseBackup?.EndLsn ?? string.Empty,
            Timeline = m.BaseBackup?.Timeline ?? 0,
            Verified = m.BaseBackup?.Verified ?? false,
            PostgresVersion = m.Postgres?.Version ?? string.Empty,
            Label = m.BaseBackup?.Label ?? string.Empty,
            ArchivingEnabled = m.BaseBackup?.ArchiveMode != null && m.BaseBackup.ArchiveMode != "off",
            WalArchive = m.BaseBackup?.WalArchive,
            Manifest = m,
        };
    }

    /// <summary>How far a long operation is, read by the cmdlet on its own thread for Write-Progress.</summary>
    public sealed class OperationProgress
    {
        private long _done;
        private long _total;
        private string _phase = string.Empty;

        public string Phase { get => Volatile.Read(ref _phase); internal set => Volatile.Write(ref _phase, value); }
        public long BytesDone { get => Interlocked.Read(ref _done); internal set => Interlocked.Exchange(ref _done, value); }
        /// <summary>0 when unknown.</summary>
        public long BytesTotal { get => Interlocked.Read(ref _total); internal set => Interlocked.Exchange(ref _total, value); }
        internal void Add(long bytes) => Interlocked.Add(ref _done, bytes);
    }

    /// <summary>Runs pg_basebackup into a new set folder, verifies it with pg_verifybackup, writes the manifest last.</summary>
    public static class BaseBackupEngine
    {
        private static readonly Regex StartWalPattern = new Regex(@"^START WAL LOCATION: ([0-9A-F]+/[0-9A-F]+) \(file ([0-9A-F]{24})\)", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        private static readonly Regex TimelinePattern = new Regex(@"^START TIMELINE: (\d+)", RegexOptions.Multiline | RegexOptions.CultureInvariant);

        internal static string NewId(DateTime utc)
            => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 4);

        public static async Task<PlatformBaseBackup> RunAsync(PostgresTarget target, string root, string? label, string? platform, bool verify, bool spreadCheckpoint,
            OperationProgress progress, CancellationToken cancellationToken, byte[]? manifestKey = null)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (progress == null) throw new ArgumentNullException(nameof(progress));
            var started = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            progress.Phase = "Reading the server";
            string version, systemId, archiveMode, archiveCommand;
            int major;
            long segmentSize, expected;
            using (var connection = await target.OpenCheckedAsync(cancellationToken).ConfigureAwait(false))
            using (var command = new NpgsqlCommand(@"
select current_setting('server_version'), current_setting('server_version_num')::int / 10000, (select system_identifier::text from pg_control_system()),
       current_setting('archive_mode'), current_setting('archive_command'), (select setting::bigint from pg_settings where name = 'wal_segment_size'),
       (select sum(pg_database_size(oid))::bigint from pg_database)", connection))
            using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                version = reader.GetString(0).Split(' ')[0];
                major = reader.GetInt32(1);
                systemId = reader.GetString(2);
                archiveMode = reader.GetString(3);
                archiveCommand = reader.GetString(4);
                segmentSize = reader.GetInt64(5);
                expected = reader.GetInt64(6);
            }
            progress.BytesTotal = expected;
            var (bin, toolVersion) = await PgBinaries.FindAsync(major, newerAllowed: true, cancellationToken, "pg_basebackup", "pg_verifybackup").ConfigureAwait(false);

            var id = NewId(started);
            var fullRoot = System.IO.Path.GetFullPath(root);
            var partial = System.IO.Path.Combine(fullRoot, "." + id + ".partial");
            var final = System.IO.Path.Combine(fullRoot, id);
            var data = System.IO.Path.Combine(partial, BaseBackupManifest.DataFolder);
            try
            {
                Directory.CreateDirectory(partial);
                AtomicFile.SetMode(partial, 0x1C0); // 0700 from the start: the set is a copy of the whole cluster
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PlatformOpsException("PlatformBackupPathNotWritable", ErrorCategory.WriteError, fullRoot, $"Cannot create a backup set in '{fullRoot}': {ex.Message}", ex);
            }
            var committed = false;
            try
            {
                label ??= "platformops-" + id;
                var spec = new ProcessSpec(System.IO.Path.Combine(bin, PgBinaries.Exe("pg_basebackup")),
                    "-h", target.Host, "-p", target.Port.ToString(CultureInfo.InvariantCulture), "-U", target.Username, "-w",
                    "-D", data, "-F", "p", "-X", "stream", "-c", spreadCheckpoint ? "spread" : "fast", "-l", label, "--manifest-checksums=CRC32C");
                SetPasswordEnvironment(spec, target);
                progress.Phase = "Copying the cluster (pg_basebackup)";
                using (var watch = new CancellationTokenSource())
                {
                    var watcher = WatchSizeAsync(data, progress, watch.Token);
                    ProcessResult result;
                    try
                    {
                        result = await ProcessRunner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        watch.Cancel();
                        await watcher.ConfigureAwait(false);
                    }
                    if (!result.Succeeded)
                        throw new PlatformOpsException("PlatformBaseBackupFailed", ErrorCategory.InvalidOperation, target,
                            $"pg_basebackup from {target.Endpoint} failed (exit {result.ExitCode}): {Tail(result.StandardError)}. A base backup needs a user with REPLICATION and a pg_hba.conf 'replication' line for it.");
                }
                cancellationToken.ThrowIfCancellationRequested();

                var verified = false;
                string? verifiedWith = null;
                if (verify)
                {
                    progress.Phase = "Verifying (pg_verifybackup)";
                    var check = await ProcessRunner.RunAsync(new ProcessSpec(System.IO.Path.Combine(bin, PgBinaries.Exe("pg_verifybackup")), data), cancellationToken).ConfigureAwait(false);
                    if (!check.Succeeded)
                        throw new PlatformOpsException("PlatformBaseBackupVerifyFailed", ErrorCategory.InvalidData, data,
                            $"pg_verifybackup rejected the new base backup: {Tail(check.StandardError + " " + check.StandardOutput)}. The set was not kept.");
                    verified = true;
                    verifiedWith = "pg_verifybackup " + toolVersion;
                }

                var backupLabel = File.ReadAllText(System.IO.Path.Combine(data, "backup_label"));
                var startMatch = StartWalPattern.Match(backupLabel);
                var timelineMatch = TimelinePattern.Match(backupLabel);
                if (!startMatch.Success)
                    throw new PlatformOpsException("PlatformBaseBackupFailed", ErrorCategory.InvalidData, data, "The backup_label pg_basebackup wrote has no START WAL LOCATION.");
                var timeline = timelineMatch.Success ? uint.Parse(timelineMatch.Groups[1].Value, CultureInfo.InvariantCulture) : 1u;
                var endLsn = EndLsnOf(System.IO.Path.Combine(data, "backup_manifest")) ?? startMatch.Groups[1].Value;
                var end = WalSegment.Containing(timeline, WalSegment.ParseLsn(endLsn), segmentSize);
                var size = DirectorySize(data);
                var manifestSha = Sha256Of(System.IO.Path.Combine(data, "backup_manifest"));

                var manifest = new BaseBackupManifest
                {
                    Id = id,
                    Platform = platform,
                    StartedUtc = started,
                    CompletedUtc = DateTime.UtcNow,
                    DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
                    ToolVersion = toolVersion,
                    Postgres = new BaseBackupServer { Endpoint = target.Endpoint, Version = version, Container = target.Container },
                    Files = { new BaseBackupFile { Size = size, Sha256 = manifestSha } },
                    BaseBackup = new BaseBackupInfo
                    {
                        Label = label,
                        StartLsn = startMatch.Groups[1].Value,
                        EndLsn = endLsn,
                        StartWal = startMatch.Groups[2].Value,
                        EndWal = end.Name,
                        Timeline = timeline,
                        SystemIdentifier = systemId,
                        WalSegmentSize = segmentSize,
                        ServerMajor = major,
                        Verified = verified,
                        VerifiedWith = verifiedWith,
                        ArchiveMode = archiveMode,
                        WalArchive = WalArchiver.DirectoryOf(archiveCommand),
                    },
                };
                cancellationToken.ThrowIfCancellationRequested();
                progress.Phase = "Writing the manifest";
                // The seal, then the manifest (both 0600); the rename below is what makes the folder a set.
                PlatformOps.Backup.ManifestSeal.Write(partial, manifest.ToJson(), manifestKey);
                Directory.Move(partial, final);
                committed = true;
                return PlatformBaseBackup.From(final, manifest);
            }
            finally
            {
                if (!committed) TryDelete(partial);
            }
        }

        internal static void SetPasswordEnvironment(ProcessSpec spec, PostgresTarget target)
        {
            // The password travels in the environment only: the pass file it came from, else PGPASSWORD.
            if (target.PassFile != null) spec.Environment["PGPASSFILE"] = target.PassFile;
            else if (target.Password != null) spec.Environment["PGPASSWORD"] = target.Password;
            spec.Environment["PGSSLMODE"] = target.SslMode.ToLowerInvariant();
            spec.Environment["PGAPPNAME"] = "platformops-basebackup";
        }

        private static string? EndLsnOf(string backupManifest)
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(backupManifest));
                if (doc.RootElement.TryGetProperty("WAL-Ranges", out var ranges) && ranges.GetArrayLength() > 0)
                    return ranges[ranges.GetArrayLength() - 1].GetProperty("End-LSN").GetString();
            }
            catch (Exception ex) when (ex is IOException || ex is JsonException || ex is KeyNotFoundException)
            {
            }
            return null;
        }

        private static async Task WatchSizeAsync(string folder, OperationProgress progress, CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(500, stop).ConfigureAwait(false);
                    if (Directory.Exists(folder)) progress.BytesDone = DirectorySize(folder);
                }
            }
            catch (OperationCanceledException) { }
            catch (IOException) { }
        }

        internal static long DirectorySize(string folder)
        {
            long total = 0;
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                try { total += file.Length; } catch (FileNotFoundException) { }
            }
            return total;
        }

        private static string Sha256Of(string path)
        {
            using var sha = SHA256.Create();
            using var stream = File.OpenRead(path);
            return BitConverter.ToString(sha.ComputeHash(stream)).Replace("-", string.Empty).ToLowerInvariant();
        }

        internal static string Tail(string text)
        {
            var lines = (text ?? string.Empty).Replace("\r", string.Empty).Split('\n').Where(l => l.Trim().Length > 0).ToList();
            return Sensitive.Redact(string.Join(" | ", lines.Skip(Math.Max(0, lines.Count - 4))));
        }

        internal static void TryDelete(string folder)
        {
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
        }

        /// <summary>The base backup sets of a backup folder, newest first (other kinds of sets are skipped).</summary>
        public static IList<PlatformBaseBackup> List(string root, byte[]? manifestKey)
        {
            if (!Directory.Exists(root)) return new List<PlatformBaseBackup>();
            var sets = new List<PlatformBaseBackup>();
            foreach (var dir in Directory.GetDirectories(root))
            {
                if (System.IO.Path.GetFileName(dir).StartsWith(".", StringComparison.Ordinal) || !File.Exists(System.IO.Path.Combine(dir, BaseBackupManifest.FileName))) continue;
                try
                {
                    sets.Add(PlatformBaseBackup.From(dir, BaseBackupManifest.Load(dir, manifestKey)));
                }
                catch (PlatformOpsException) { }
            }
            return sets.OrderByDescending(s => s.CompletedUtc).ToList();
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PlatformOps.Common;
using PlatformOps.Postgres;

namespace PlatformOps.Backup
{
    /// <summary>What expiring a WAL archive removed (or would remove), what it kept and why.</summary>
    public sealed class WalArchiveExpiry
    {
        public string ArchivePath { get; internal set; } = string.Empty;
        /// <summary>The backup folder whose base backups decided what is kept.</summary>
        public string? BackupPath { get; internal set; }
        /// <summary>Removed, WouldRemove (-WhatIf or declined), or NothingToRemove.</summary>
        public string Action { get; internal set; } = string.Empty;
        /// <summary>Every segment from here on is kept: the start of the base backup that point-in-time recovery starts from.</summary>
        public string KeepFrom { get; internal set; } = string.Empty;
        /// <summary>The base backup whose start is <see cref="KeepFrom"/>.</summary>
        public string AnchorBackupId { get; internal set; } = string.Empty;
        /// <summary>The base backups (ids) whose WAL is kept: from the anchor on fully, older ones their own start..end.</summary>
        public IReadOnlyList<string> KeptBackups { get; internal set; } = Array.Empty<string>();
        /// <summary>The point-in-time window asked for; null: every kept base backup keeps full point-in-time recovery.</summary>
        public TimeSpan? PitrWindow { get; internal set; }
        public int FilesRemoved { get; internal set; }
        public long BytesRemoved { get; internal set; }
        public string? OldestRemoved { get; internal set; }
        public string? NewestRemoved { get; internal set; }
        public int FilesKept { get; internal set; }
        public long BytesKept { get; internal set; }
        /// <summary>What the operator should know: a window older than every base backup, backups kept for consistency only.</summary>
        public IReadOnlyList<string> Notes { get; internal set; } = Array.Empty<string>();
        public override string ToString() => $"{ArchivePath}: {Action} {FilesRemoved} file(s), {BytesRemoved / 1048576.0:0.0} MB; kept from {KeepFrom}";
    }

    /// <summary>The files an expiry would remove, decided before anything is touched.</summary>
    public sealed class WalExpiryPlan
    {
        internal WalExpiryPlan(WalArchiveExpiry result, IReadOnlyList<FileInfo> remove)
        {
            Result = result;
            Remove = remove;
        }

        public WalArchiveExpiry Result { get; }
        /// <summary>Oldest first: an interrupted expiry leaves the archive without holes above what it removed.</summary>
        public IReadOnlyList<FileInfo> Remove { get; }
    }

    /// <summary>
    /// Expires archived WAL together with base backups, as pgBackRest does: it keeps everything a kept base backup or
    /// the point-in-time window needs and removes only what is older. Knows nothing of the PowerShell host.
    /// </summary>
    public static class WalRetention
    {
        /// <summary>Plans the expiry of <paramref name="archivePath"/> against the base backups in <paramref name="backupRoot"/>; refuses while any set's manifest cannot be trusted.</summary>
        public static WalExpiryPlan PlanForBackupFolder(string backupRoot, string? archivePath, TimeSpan? pitrWindow, DateTime utcNow, byte[]? manifestKey)
        {
            if (backupRoot == null) throw new ArgumentNullException(nameof(backupRoot));
            var problems = new List<PlatformOpsException>();
            var sets = Directory.Exists(backupRoot) ? BackupStore.List(backupRoot, manifestKey, problems) : new List<PlatformBackupSet>();
            var backups = sets.Where(s => s.Manifest.IsBase && s.Manifest.BaseBackup != null && s.ManifestTrusted).ToList();
            // A base backup whose manifest cannot be trusted still needs its WAL: expiring around it could delete what a
            // restore from it replays. Expire nothing until it is verified (Test-PlatformBackup -Seal) or removed. A set
            // that cannot be read at all (or is a link) might be one too.
            var unreadable = sets.Where(s => !s.ManifestTrusted || (s.Manifest.IsBase && s.Manifest.BaseBackup == null)).Select(s => s.Path)
                .Concat(problems.Select(p => p.Target as string ?? backupRoot))
                .ToList();
            if (unreadable.Count > 0)
                throw new PlatformOpsException("PlatformWalExpiryRefused", ErrorCategory.InvalidData, unreadable[0],
                    $"No WAL was expired: the base backup set '{unreadable[0]}' has a manifest that does not pass its seal, so the WAL it needs cannot be judged. " +
                    "Verify and seal it with Test-PlatformBackup -Seal, or remove it, then expire again.");
            var archive = archivePath;
            if (archive == null)
            {
                var recorded = backups.Select(b => b.Manifest.BaseBackup!.WalArchive).Where(a => a != null).Select(a => Path.GetFullPath(a!).TrimEnd('/')).Distinct(StringComparer.Ordinal).ToList();
                if (recorded.Count != 1)
                    throw new PlatformOpsException("PlatformWalArchivePathMissing", ErrorCategory.InvalidArgument, backupRoot,
                        "No WAL archive folder: pass -ArchivePath or set Postgres.WalArchive in the profile.");
                archive = recorded[0];
            }
            var plan = Plan(archive, backups, pitrWindow, utcNow);
            plan.Result.BackupPath = backupRoot;
            return plan;
        }

        /// <summary>
        /// Decides which files of the archive go. Kept: every segment from the anchor's start on (the anchor is the oldest
        /// base backup, or with a window the newest one that started before the window opened); for older base backups
        /// their own start..end; every .history file; with a window, every file archived within it. Removed: the rest
        /// below the anchor. Base backups of another cluster (another system identifier) or another archive do not count.
        /// </summary>
        public static WalExpiryPlan Plan(string archivePath, IReadOnlyList<PlatformBackupSet> backups, TimeSpan? pitrWindow, DateTime utcNow)
        {
            if (archivePath == null) throw new ArgumentNullException(nameof(archivePath));
            if (backups == null) throw new ArgumentNullException(nameof(backups));
            if (pitrWindow < TimeSpan.Zero)
                throw new PlatformOpsException("PlatformWalPitrWindowInvalid", ErrorCategory.InvalidArgument, pitrWindow, "The point-in-time window cannot be negative.");
            var archive = Path.GetFullPath(archivePath).TrimEnd('/');
            if (!Directory.Exists(archive))
                throw new PlatformOpsException("PlatformWalArchiveNotFound", ErrorCategory.ObjectNotFound, archivePath, $"The WAL archive folder '{archivePath}' does not exist or cannot be read.");
            var files = new DirectoryInfo(archive).GetFiles();
            var systemId = ArchiveSystemIdentifier(files);
            var mine = backups.Where(b => b.Manifest.BaseBackup != null
                                          && (b.Manifest.BaseBackup.WalArchive == null || string.Equals(Path.GetFullPath(b.Manifest.BaseBackup.WalArchive).TrimEnd('/'), archive, StringComparison.Ordinal))
                                          && (systemId == null || b.Manifest.BaseBackup.SystemIdentifier == systemId))
                .ToList();
            if (mine.Count == 0)
                throw new PlatformOpsException("PlatformWalExpiryNoBaseBackup", ErrorCategory.ObjectNotFound, archivePath,
                    $"No base backup of the cluster that archives into '{archivePath}' was found{(systemId != null ? $" (system identifier {systemId})" : string.Empty)}, so nothing proves " +
                    "which WAL is no longer needed. Nothing was removed. Take one with Invoke-PlatformBaseBackup, or name the backup folder with -BackupPath.");
            var size = mine.Select(b => b.Manifest.BaseBackup!.WalSegmentSize).FirstOrDefault(s => s > 0);
            if (size <= 0) size = WalSegment.DefaultSegmentSize;
            WalSegment Start(PlatformBackupSet b) => WalSegment.Parse(b.Manifest.BaseBackup!.StartWal, size);
            WalSegment End(PlatformBackupSet b) => WalSegment.TryParse(b.Manifest.BaseBackup!.EndWal, size, out var e) ? e : Start(b);
            var ordered = mine.OrderBy(b => Start(b)).ThenBy(b => b.StartedUtc).ToList();

            var notes = new List<string>();
            var anchor = ordered[0];
            DateTime? opens = null;
            if (pitrWindow != null)
            {
                opens = utcNow - pitrWindow.Value;
                var before = ordered.Where(b => b.StartedUtc <= opens.Value).ToList();
                if (before.Count > 0) anchor = before[before.Count - 1];
                else
                    notes.Add($"The point-in-time window opens at {opens:u}, before the oldest base backup {anchor.Id} started ({anchor.StartedUtc:u}): " +
                              "moments before that cannot be restored. Keep older base backups to serve the whole window.");
            }
            var keepFrom = Start(anchor);
            var ranges = new List<(ulong From, ulong To)>();
            foreach (var older in ordered.Where(b => Start(b) < keepFrom))
            {
                ranges.Add((Start(older).Number, End(older).Number));
                notes.Add($"Base backup {older.Id} is older than the point-in-time window: only its own WAL ({older.Manifest.BaseBackup!.StartWal}..{older.Manifest.BaseBackup!.EndWal}) is kept, " +
                          "so it restores to its end, not to later moments.");
            }

            var parsed = files.Select(f => (File: f, Ok: WalArchiveFile.TryParse(f.Name, out var n), Name: n)).ToList();
            if (!parsed.Any(p => p.Ok && p.Name.Kind == WalFileKind.Segment && WalSegment.TryParse(p.Name.Segment, size, out var s) && s.Number >= keepFrom.Number))
                throw new PlatformOpsException("PlatformWalExpiryArchiveMismatch", ErrorCategory.InvalidData, archivePath,
                    $"'{archivePath}' holds no segment from {keepFrom.Name} (the start of base backup {anchor.Id}) on: it may not be this cluster's archive, " +
                    "or archiving has been failing since that backup. Nothing was removed; check Test-PlatformWalArchive and Get-PlatformWalStatus.");

            var remove = new List<(WalSegment Segment, FileInfo File)>();
            int keptCount = 0;
            long keptBytes = 0;
            foreach (var (file, ok, name) in parsed)
            {
                var drop = ok && name.Kind != WalFileKind.History && WalSegment.TryParse(name.Segment, size, out var segment)
                           && segment.Number < keepFrom.Number
                           && !ranges.Any(r => segment.Number >= r.From && segment.Number <= r.To)
                           && !(opens != null && file.LastWriteTimeUtc >= opens.Value);
                if (drop)
                {
                    WalSegment.TryParse(name.Segment, size, out var s);
                    remove.Add((s, file));
                }
                else
                {
                    keptCount++;
                    keptBytes += file.Length;
                }
            }
            var ordered2 = remove.OrderBy(r => r.Segment.Number).ThenBy(r => r.File.Name, StringComparer.Ordinal).Select(r => r.File).ToList();
            var result = new WalArchiveExpiry
            {
                ArchivePath = archive,
                Action = ordered2.Count == 0 ? "NothingToRemove" : "WouldRemove",
                KeepFrom = keepFrom.Name,
                AnchorBackupId = anchor.Id,
                KeptBackups = ordered.Select(b => b.Id).ToList(),
                PitrWindow = pitrWindow,
                FilesRemoved = ordered2.Count,
                BytesRemoved = ordered2.Sum(f => f.Length),
                OldestRemoved = ordered2.FirstOrDefault()?.Name,
                NewestRemoved = ordered2.LastOrDefault()?.Name,
                FilesKept = keptCount,
                BytesKept = keptBytes,
                Notes = notes,
            };
            return new WalExpiryPlan(result, ordered2);
        }

        /// <summary>Removes the planned files, oldest first; stops at the first that cannot be removed and says how far it got.</summary>
        public static WalArchiveExpiry Execute(WalExpiryPlan plan, CancellationToken cancellationToken)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            var result = plan.Result;
            var removed = 0;
            long bytes = 0;
            foreach (var file in plan.Remove)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var length = file.Exists ? file.Length : 0;
                    file.Delete();
                    removed++;
                    bytes += length;
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new PlatformOpsException("PlatformWalExpiryFailed", ErrorCategory.WriteError, file.FullName,
                        $"Removed {removed} of {plan.Remove.Count} expired WAL file(s) from '{result.ArchivePath}', then '{file.Name}' could not be removed: {ex.Message}. " +
                        "What is left is still a complete archive from the oldest remaining file; fix the permission and run again.", ex);
                }
            }
            result.FilesRemoved = removed;
            result.BytesRemoved = bytes;
            result.Action = removed == 0 ? "NothingToRemove" : "Removed";
            return result;
        }

        /// <summary>The system identifier in the long page header of the archive's newest plain segment (null when none can be read).</summary>
        internal static string? ArchiveSystemIdentifier(IEnumerable<FileInfo> files)
        {
            var newest = files.Where(f => WalArchiveFile.TryParse(f.Name, out var n) && n.Kind == WalFileKind.Segment && !n.Compressed && f.Length >= 40)
                .OrderByDescending(f => f.Name.Substring(8), StringComparer.Ordinal).ThenByDescending(f => f.Name, StringComparer.Ordinal).FirstOrDefault();
            if (newest == null) return null;
            try
            {
                var header = new byte[40];
                using (var stream = newest.OpenRead())
                {
                    var read = 0;
                    while (read < header.Length)
                    {
                        var n = stream.Read(header, read, header.Length - read);
                        if (n == 0) return null;
                        read += n;
                    }
                }
                // XLogLongPageHeaderData: magic (2), info (2), tli (4), pageaddr (8), rem_len (4) + padding, then sysid (8) at 24.
                const ushort LongHeader = 0x0002;
                if ((BitConverter.ToUInt16(header, 2) & LongHeader) == 0) return null;
                return BitConverter.ToUInt64(header, 24).ToString(CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}

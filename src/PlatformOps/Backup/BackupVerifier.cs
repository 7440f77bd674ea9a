using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace PlatformOps.Backup
{
    /// <summary>
    /// Checks a set's files against its manifest in one read per file: present, size and SHA-256 equal, and each
    /// archive readable to its end (gzip/zstd/lz4 decompressed to the end, an RDB walked to its EOF marker).
    /// </summary>
    internal static class BackupVerifier
    {
        public static async Task<List<BackupCheck>> VerifyAsync(PlatformBackupSet set, IEnumerable<BackupFileEntry> entries, BackupProgress progress,
            CancellationToken cancellationToken)
        {
            var checks = new List<BackupCheck>();
            var list = entries.ToList();
            for (var i = 0; i < list.Count; i++)
            {
                var entry = list[i];
                progress.Step(i + 1, list.Count, $"Checking {entry.Name}");
                if (entry.Parts != null)
                {
                    var folder = Path.Combine(set.Path, entry.Name);
                    if (!Directory.Exists(folder))
                    {
                        checks.Add(Fail("File", entry.Name, "the folder is missing"));
                        continue;
                    }
                    var partsOk = true;
                    // The parts are independent: check them on every core, largest first.
                    var partChecks = new BackupCheck[entry.Parts.Count];
                    var order = new System.Collections.Concurrent.ConcurrentQueue<int>(
                        Enumerable.Range(0, entry.Parts.Count).OrderByDescending(n => entry.Parts[n].Size));
                    var workers = Enumerable.Range(0, Math.Max(1, Math.Min(Environment.ProcessorCount, entry.Parts.Count))).Select(_ => Task.Run(async () =>
                    {
                        while (order.TryDequeue(out var n))
                        {
                            var part = entry.Parts[n];
                            partChecks[n] = await VerifyFileAsync(Path.Combine(folder, part.Name), entry.Name + "/" + part.Name, part.Size, part.Sha256,
                                CompressionOf(part.Name), progress, cancellationToken).ConfigureAwait(false);
                        }
                    }, cancellationToken)).ToList();
                    await Task.WhenAll(workers).ConfigureAwait(false);
                    foreach (var check in partChecks.Where(c => !c.Passed)) { checks.Add(check); partsOk = false; }
                    var extra = Directory.GetFiles(folder).Select(Path.GetFileName).Except(entry.Parts.Select(p => p.Name)).ToList();
                    if (extra.Count > 0) { checks.Add(Fail("File", entry.Name, "files not in the manifest: " + string.Join(", ", extra))); partsOk = false; }
                    if (HashingStream.HashListing(entry.Parts) != entry.Sha256) { checks.Add(Fail("File", entry.Name, "the manifest's part list does not match its checksum")); partsOk = false; }
                    if (partsOk)
                        checks.Add(new BackupCheck { Kind = "File", Name = entry.Name, Passed = true, Expected = entry.Sha256, Actual = entry.Sha256,
                            Detail = $"{entry.Parts.Count} files, {BackupProgress.Size(entry.Size)}, SHA-256 and archives ok" });
                    continue;
                }
                if (string.Equals(entry.Kind, "Base", StringComparison.OrdinalIgnoreCase))
                {
                    // A physical base backup: its entry names the data folder and the SHA-256 of PostgreSQL's own
                    // backup_manifest, which in turn checksums every file (pg_verifybackup, Test-PlatformWalArchive).
                    checks.Add(await VerifyFileAsync(Path.Combine(set.Path, entry.Name, "backup_manifest"), entry.Name + "/backup_manifest",
                        new FileInfo(Path.Combine(set.Path, entry.Name, "backup_manifest")) is { Exists: true } f ? f.Length : -1, entry.Sha256, "none", progress, cancellationToken).ConfigureAwait(false));
                    continue;
                }
                var path = Path.Combine(set.Path, entry.Name);
                var result = await VerifyFileAsync(path, entry.Name, entry.Size, entry.Sha256, entry.Format == "Rdb" ? "rdb" : entry.Compression, progress, cancellationToken).ConfigureAwait(false);
                checks.Add(result);
                if (result.Passed && entry.Kind == BackupKinds.Redis && entry.Keys != null)
                {
                    var (keys, _) = RdbKeyCounter.Count(path);
                    var expected = entry.Keys.Values.Sum();
                    var actual = keys.Values.Sum();
                    if (actual != expected) checks.Add(new BackupCheck { Kind = "Archive", Name = entry.Name, Passed = false,
                        Expected = expected.ToString(CultureInfo.InvariantCulture), Actual = actual.ToString(CultureInfo.InvariantCulture), Detail = "the RDB's key count differs from the manifest" });
                }
            }
            return checks;
        }

        private static string CompressionOf(string name)
            => name.EndsWith(".gz", StringComparison.Ordinal) ? "gzip"
               : name.EndsWith(".zst", StringComparison.Ordinal) ? "zstd"
               : name.EndsWith(".lz4", StringComparison.Ordinal) ? "lz4" : "none";

        private static BackupCheck Fail(string kind, string name, string detail) => new BackupCheck { Kind = kind, Name = name, Passed = false, Detail = detail };

        private static async Task<BackupCheck> VerifyFileAsync(string path, string name, long size, string sha256, string content, BackupProgress progress,
            CancellationToken cancellationToken)
        {
            if (!File.Exists(path)) return Fail("File", name, "the file is missing");
            var actualSize = new FileInfo(path).Length;
            if (actualSize != size)
                return new BackupCheck { Kind = "File", Name = name, Passed = false, Expected = size.ToString(CultureInfo.InvariantCulture),
                    Actual = actualSize.ToString(CultureInfo.InvariantCulture), Detail = "the size differs from the manifest" };
            string actualSha;
            string? archiveProblem = null;
            if (content == "rdb")
            {
                (actualSha, _) = await HashingStream.HashFileAsync(path, cancellationToken, progress.AddBytes).ConfigureAwait(false);
                if (actualSha == sha256)
                {
                    try { RdbKeyCounter.Count(path); }
                    catch (InvalidDataException ex) { archiveProblem = "the RDB cannot be read to its end: " + ex.Message; }
                }
            }
            else
            {
                using var reader = new DecompressedReader(path, content, progress.AddBytes);
                try
                {
                    var buffer = new byte[1 << 20];
                    while (await reader.Stream.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false) > 0) { }
                    await reader.CompletionAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidDataException || ex is IOException)
                {
                    archiveProblem = $"the {content} archive cannot be read to its end: {ex.Message}";
                }
                actualSha = await reader.Raw.DrainAndFinishAsync(cancellationToken).ConfigureAwait(false);
            }
            if (actualSha != sha256)
                return new BackupCheck { Kind = "File", Name = name, Passed = false, Expected = sha256, Actual = actualSha, Detail = "the SHA-256 differs from the manifest: the file was changed or damaged" };
            if (archiveProblem != null) return new BackupCheck { Kind = "Archive", Name = name, Passed = false, Detail = archiveProblem };
            return new BackupCheck { Kind = "File", Name = name, Passed = true, Expected = sha256, Actual = actualSha, Detail = $"{BackupProgress.Size(size)}, SHA-256 and archive ok" };
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Postgres;
using PlatformOps.Common;
using PlatformOps.Redis;

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
                if (!ManifestFile.IsPlainName(entry.Name))
                {
                    checks.Add(Fail("File", entry.Name, "the name is not a plain name inside the set; it was not opened"));
                    continue;
                }
                if (ManifestSeal.IsLink(Path.Combine(set.Path, entry.Name)))
                {
                    checks.Add(Fail("File", entry.Name, "it is a symbolic link; a set's files must be inside the set, so it was not followed"));
                    continue;
                }
                if (entry.Parts != null)
                {
                    var folder = Path.Combine(set.Path, entry.Name);
                    if (!Directory.Exists(folder))
                    {
                        checks.Add(Fail("File", entry.Name, "the folder is missing"));
                        continue;
                    }
                    var links = entry.Parts.Where(p => !ManifestFile.IsPlainName(p.Name) || ManifestSeal.IsLink(Path.Combine(folder, p.Name))).Select(p => p.Name).ToList();
                    if (links.Count > 0)
                    {
                        checks.Add(Fail("File", entry.Name, "parts that are symbolic links or not plain names, not followed: " + string.Join(", ", links)));
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
                    var extra = Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Except(entry.Parts.Select(p => p.Name)).ToList();
                    if (extra.Count > 0) { checks.Add(Fail("File", entry.Name, "files not in the manifest: " + string.Join(", ", extra))); partsOk = false; }
                    if (HashingStream.HashListing(entry.Parts) != entry.Sha256) { checks.Add(Fail("File", entry.Name, "the manifest's part list does not match its checksum")); partsOk = false; }
                    if (partsOk)
                    {
                        checks.Add(new BackupCheck { Kind = "File", Name = entry.Name, Passed = true, Expected = entry.Sha256, Actual = entry.Sha256,
                            Detail = $"{entry.Parts.Count} files, {BackupProgress.Size(entry.Size)}, SHA-256 and archives ok" });
                        if (entry.Kind == BackupKinds.Database) checks.AddRange(CompareWithDump(entry, Path.Combine(folder, "toc.dat")));
                    }
                    continue;
                }
                if (string.Equals(entry.Kind, "Base", StringComparison.OrdinalIgnoreCase))
                {
                    // A physical base backup: its entry names the data folder and the SHA-256 of PostgreSQL's own
                    // backup_manifest, which in turn checksums every file (pg_verifybackup, Test-PlatformWalArchive).
                    if (ManifestSeal.IsLink(Path.Combine(set.Path, entry.Name, "backup_manifest")))
                    {
                        checks.Add(Fail("File", entry.Name + "/backup_manifest", "it is a symbolic link; a set's files must be inside the set, so it was not followed"));
                        continue;
                    }
                    checks.Add(await VerifyFileAsync(Path.Combine(set.Path, entry.Name, "backup_manifest"), entry.Name + "/backup_manifest",
                        new FileInfo(Path.Combine(set.Path, entry.Name, "backup_manifest")) is { Exists: true } f ? f.Length : -1, entry.Sha256, "none", progress, cancellationToken).ConfigureAwait(false));
                    continue;
                }
                var path = Path.Combine(set.Path, entry.Name);
                // A plain dump says what it is in its first line: a database dump, or pg_dumpall's cluster (globals) dump.
                var header = entry.Format != "Plain" ? null : entry.Kind == BackupKinds.Globals ? "--\n-- PostgreSQL database cluster dump" : "--\n-- PostgreSQL database dump";
                var result = await VerifyFileAsync(path, entry.Name, entry.Size, entry.Sha256, entry.Format == "Rdb" ? "rdb" : entry.Compression, progress, cancellationToken, header).ConfigureAwait(false);
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

        /// <summary>
        /// The values of a Directory dump's manifest entry that its toc.dat also records: the database it was dumped from
        /// and the owner a restore gives the new database. A manifest edited to name another owner fails here.
        /// </summary>
        internal static IEnumerable<BackupCheck> CompareWithDump(BackupFileEntry entry, string tocPath)
        {
            PgDumpToc? toc;
            try
            {
                toc = PgDumpToc.Read(tocPath);
            }
            catch (Exception ex) when (ex is IOException || ex is InvalidDataException || ex is UnauthorizedAccessException)
            {
                return new[] { Fail("Manifest", entry.Name, "the dump's toc.dat cannot be read: " + ex.Message) };
            }
            if (toc == null)
                return new[] { new BackupCheck { Kind = "Manifest", Name = entry.Name, Passed = true, Detail = "the dump's archive version is not one this version reads; database and owner not compared" } };
            var checks = new List<BackupCheck>();
            void Compare(string what, string? recorded, string? inDump)
            {
                if (recorded == null || inDump == null) return;
                var same = string.Equals(recorded, inDump, StringComparison.Ordinal);
                checks.Add(new BackupCheck { Kind = "Manifest", Name = entry.Name, Passed = same, Expected = recorded, Actual = inDump,
                    Detail = same ? $"the {what} matches the dump's table of contents" : $"the manifest's {what} is not the dump's: the manifest was changed, or belongs to another dump" });
            }
            Compare("database", entry.Database, toc.DatabaseName);
            Compare("database", entry.Database, toc.DatabaseEntry);
            Compare("owner", entry.Owner, toc.DatabaseOwner);
            if (entry.Owner != null && toc.DatabaseEntry == null)
                checks.Add(Fail("Manifest", entry.Name, $"the manifest names the owner '{entry.Owner}' but the dump has no DATABASE entry to confirm it"));
            return checks;
        }

        private static async Task<BackupCheck> VerifyFileAsync(string path, string name, long size, string sha256, string content, BackupProgress progress,
            CancellationToken cancellationToken, string? expectHeader = null)
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
                    var head = new System.IO.MemoryStream();
                    int read;
                    while ((read = await reader.Stream.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
                        if (head.Length < 256) head.Write(buffer, 0, Math.Min(read, 256 - (int)head.Length));
                    await reader.CompletionAsync().ConfigureAwait(false);
                    if (expectHeader != null && !System.Text.Encoding.UTF8.GetString(head.ToArray()).Replace("\r\n", "\n").StartsWith(expectHeader, StringComparison.Ordinal))
                        archiveProblem = $"its content is not what the manifest says it is (a {(expectHeader.Contains("cluster") ? "pg_dumpall globals" : "pg_dump SQL")} script starts with \"{expectHeader.Replace("\n", " ")}\")";
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

        /// <summary>The gate before a restore (database or Redis): a set whose checks failed is not restored, and the failures are the error.</summary>
        internal static void ThrowIfFailed(PlatformBackupSet set, IEnumerable<BackupCheck> checks)
        {
            var failed = checks.Where(c => !c.Passed).ToList();
            if (failed.Any(c => c.Kind == "Manifest"))
                throw new PlatformOpsException("PlatformBackupManifestMismatch", System.Management.Automation.ErrorCategory.SecurityError, set.Path,
                    $"The manifest of the backup set {set.Id} disagrees with its dump, so nothing was restored: {string.Join("; ", failed.Select(c => c.Name + ": " + c.Detail + (c.Expected != null ? $" (manifest {c.Expected}, dump {c.Actual})" : string.Empty)))}");
            if (failed.Count > 0)
                throw new PlatformOpsException("PlatformBackupChecksumMismatch", System.Management.Automation.ErrorCategory.InvalidData, set.Path,
                    $"The backup set {set.Id} failed verification, so nothing was restored: {string.Join("; ", failed.Select(c => c.Name + ": " + c.Detail))}");
        }
    }
}

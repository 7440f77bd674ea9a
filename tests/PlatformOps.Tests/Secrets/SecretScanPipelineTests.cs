using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Secrets;
using PlatformOps.Secrets.Rules;
using PlatformOps.Tests.Certificates;
using Xunit;

namespace PlatformOps.Tests.Secrets
{
    /// <summary>
    /// The scanner's walker and workers (System.Threading.Channels): findings come back in listing order whatever the
    /// number of workers and whichever finishes first, nothing is lost or doubled, and a cancelled or abandoned scan
    /// stops its workers.
    /// </summary>
    public sealed class SecretScanPipelineTests : IDisposable
    {
        private static readonly Random Rng = new Random();
        private readonly string _dir = Tool.TempFolder("po-secret-pipeline");
        private readonly List<string> _planted = new List<string>();

        public SecretScanPipelineTests()
        {
            // 600 files in 30 folders; every fifth holds a token, and half of those are large, so that the workers finish
            // them out of order (a small one listed later is done long before a large one listed first).
            for (var i = 0; i < 600; i++)
            {
                var folder = Path.Combine(_dir, $"d{i % 30:00}", $"e{i % 7}");
                Directory.CreateDirectory(folder);
                var path = Path.Combine(folder, $"f{i:000}.env");
                var filler = i % 10 == 0 ? string.Concat(Enumerable.Repeat("LOG_LEVEL=info\nAPP_NAME=orders\n", 20000)) : "APP_NAME=orders\n";
                if (i % 5 == 0)
                {
                    File.WriteAllText(path, filler + "GITHUB_TOKEN=gh" + "p_" + R.Rand(Rng, 36) + "\n");
                    _planted.Add(path);
                }
                else File.WriteAllText(path, filler);
            }
        }

        public void Dispose()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private SecretScanner Scanner(int parallelism) => new SecretScanner(new SecretScanOptions { Paths = { _dir }, Parallelism = parallelism, UseRepositoryConfig = false });

        [Theory]
        [InlineData(1)]
        [InlineData(8)]
        public async Task A_tree_scan_hands_findings_back_in_listing_order_with_each_planted_secret_once(int parallelism)
        {
            var listing = await Scanner(1).ListAsync(CancellationToken.None);
            var order = listing.Select((item, i) => (item.FullPath, i)).ToDictionary(x => x.FullPath, x => x.i);

            var scanner = Scanner(parallelism);
            await scanner.PrepareAsync(CancellationToken.None);
            var progress = new List<(int Done, int Listed)>();
            var found = scanner.ScanTree(CancellationToken.None, (done, listed) => progress.Add((done, listed))).ToList();

            Assert.Equal(_planted.OrderBy(p => order[p]), found.Select(f => f.Path));
            Assert.Equal(600, scanner.Statistics.FilesListed);
            Assert.Equal(600, scanner.Statistics.FilesScanned);
            Assert.NotEmpty(progress);
            Assert.All(progress, p => Assert.True(p.Done <= p.Listed, $"{p.Done} done of {p.Listed} listed"));
        }

        [Fact]
        public async Task A_list_scan_hands_findings_back_in_the_lists_order()
        {
            var items = await Scanner(1).ListAsync(CancellationToken.None);
            var shuffled = items.OrderBy(_ => Rng.Next()).ToList();
            var scanner = Scanner(8);
            await scanner.PrepareAsync(CancellationToken.None);
            var found = scanner.Scan(shuffled, CancellationToken.None).Select(f => f.Path).ToList();
            var expected = shuffled.Select(i => i.FullPath).Where(_planted.Contains).ToList();
            Assert.Equal(expected, found);
        }

        [Fact]
        public async Task Cancelling_or_leaving_a_scan_stops_its_workers()
        {
            var scanner = Scanner(4);
            await scanner.PrepareAsync(CancellationToken.None);
            using var cancel = new CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            var seen = 0;
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                foreach (var _ in scanner.ScanTree(cancel.Token))
                {
                    if (++seen == 3) cancel.Cancel();
                }
            });
            Assert.Equal(3, seen);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), clock.Elapsed.ToString());
            Assert.True(scanner.Statistics.Elapsed > TimeSpan.Zero, "the scan's finally (which waits for the workers) did not run");

            // Taking the first finding and leaving (Select-Object -First 1) ends the enumeration; the workers are waited for.
            var first = Scanner(4);
            await first.PrepareAsync(CancellationToken.None);
            Assert.NotNull(first.ScanTree(CancellationToken.None).First());
            Assert.True(first.Statistics.Elapsed > TimeSpan.Zero, "the scan's finally (which waits for the workers) did not run");
        }
    }
}

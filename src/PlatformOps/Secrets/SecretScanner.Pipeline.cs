using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>The scanner's pipeline: a walker lists files, workers on every core scan them, the caller's thread gets the findings in listing order.</summary>
    internal sealed partial class SecretScanner
    {
        /// <summary>
        /// The files to scan, numbered in listing order: the walker (or a list given whole) writes them, every worker reads.
        /// The findings come back through a second channel and are put in this order again (<see cref="ScanQueue"/>).
        /// </summary>
        private sealed class ScanQueue
        {
            private readonly Channel<(int Index, ScanItem Item)> _channel =
                Channel.CreateUnbounded<(int Index, ScanItem Item)>(new UnboundedChannelOptions { SingleWriter = true });
            private int _count;

            public ScanQueue(IEnumerable<ScanItem>? items = null)
            {
                if (items == null) return;
                foreach (var item in items) Add(item);
                Complete();
            }

            /// <summary>Files listed so far.</summary>
            public int Count => Volatile.Read(ref _count);

            public ChannelReader<(int Index, ScanItem Item)> Reader => _channel.Reader;

            public void Add(List<ScanItem> batch)
            {
                foreach (var item in batch) Add(item);
            }

            private void Add(ScanItem item) => _channel.Writer.TryWrite((Interlocked.Increment(ref _count) - 1, item));

            public void Complete() => _channel.Writer.TryComplete();
        }

        /// <summary>What a worker hands back for one file: its findings (null: none), or the failure that stopped it.</summary>
        private sealed class ScanResult
        {
            public ScanResult(int index, ScanItem? item, List<SecretFinding>? found, Exception? failure)
            {
                Index = index;
                Item = item;
                Found = found;
                Failure = failure;
            }

            public int Index { get; }
            /// <summary>Null only for a failure before the worker took a file.</summary>
            public ScanItem? Item { get; }
            public List<SecretFinding>? Found { get; }
            public Exception? Failure { get; }
        }

        /// <summary>
        /// Walks and scans at once: a walker thread lists files while the workers scan those already listed; findings
        /// come back in listing order on the calling thread. <paramref name="progress"/> gets (files done, files listed).
        /// </summary>
        public IEnumerable<SecretFinding> ScanTree(CancellationToken cancellationToken, Action<int, int>? progress = null)
        {
            var feed = new ScanQueue();
            Exception? walkFailure = null;
            var walker = Task.Run(() =>
            {
                try
                {
                    Walk(feed.Add, cancellationToken);
                }
                catch (Exception ex)
                {
                    walkFailure = ex;
                }
                finally
                {
                    feed.Complete();
                }
            }, CancellationToken.None);
            try
            {
                foreach (var f in ScanFeed(feed, done => progress?.Invoke(done, feed.Count), cancellationToken)) yield return f;
            }
            finally
            {
                walker.Wait();
                Statistics.FilesListed = feed.Count;
            }
            if (walkFailure is OperationCanceledException) throw walkFailure;
            if (walkFailure != null)
                throw new PlatformOpsException("PlatformSecretScanFailed", ErrorCategory.ReadError, _options.Paths.FirstOrDefault(),
                    $"Listing the files failed: {PlatformErrors.Reason(walkFailure)}", walkFailure);
        }

        /// <summary>
        /// Scans the items on every core; yields findings in item order on the calling thread, calling
        /// <paramref name="progress"/> (files done) between items.
        /// </summary>
        public IEnumerable<SecretFinding> Scan(IReadOnlyList<ScanItem> items, CancellationToken cancellationToken, Action<int>? progress = null)
            => ScanFeed(new ScanQueue(items), progress, cancellationToken);

        private IEnumerable<SecretFinding> ScanFeed(ScanQueue items, Action<int>? progress, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var results = Channel.CreateUnbounded<ScanResult>(new UnboundedChannelOptions { SingleReader = true });
            long bytes = 0;
            int scanned = 0, binary = 0, large = 0, unreadable = 0;
            var running = Math.Max(1, _options.Parallelism);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var workers = Enumerable.Range(0, running).Select(_ => Task.Run(async () =>
            {
                var buffer = new byte[1 << 16];
                (int Index, ScanItem Item) next = default;
                try
                {
                    while (await items.Reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
                    {
                        while (!stop.IsCancellationRequested && items.Reader.TryRead(out next))
                        {
                            var outcome = ScanFile(next.Item, ref buffer, out var size, out var found);
                            switch (outcome)
                            {
                                case FileOutcome.Binary: Interlocked.Increment(ref binary); break;
                                case FileOutcome.Large: Interlocked.Increment(ref large); break;
                                case FileOutcome.Unreadable: Interlocked.Increment(ref unreadable); break;
                                default:
                                    Interlocked.Increment(ref scanned);
                                    Interlocked.Add(ref bytes, size);
                                    break;
                            }
                            results.Writer.TryWrite(new ScanResult(next.Index, next.Item, found, null));
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // the consumer stopped
                }
                catch (Exception ex)
                {
                    results.Writer.TryWrite(new ScanResult(next.Index, next.Item, null, ex));
                }
                finally
                {
                    if (Interlocked.Decrement(ref running) == 0) results.Writer.TryComplete();
                }
            }, CancellationToken.None)).ToArray();

            try
            {
                // Results arrive in the order the workers finish; they are handed out in listing order.
                var waiting = new Dictionary<int, ScanResult>();
                var findings = 0;
                for (var i = 0; ; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ScanResult? result;
                    while (!waiting.TryGetValue(i, out result))
                    {
                        var more = results.Reader.WaitToReadAsync(cancellationToken);
                        if (!(more.IsCompletedSuccessfully ? more.Result : more.AsTask().GetAwaiter().GetResult())) break;
                        while (results.Reader.TryRead(out var r))
                        {
                            if (r.Failure != null)
                                throw new PlatformOpsException("PlatformSecretScanFailed", ErrorCategory.NotSpecified, r.Item?.FullPath,
                                    $"Scanning failed: {PlatformErrors.Reason(r.Failure)}", r.Failure);
                            waiting[r.Index] = r;
                        }
                    }
                    if (result == null)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        break;   // every listed file is done
                    }
                    waiting.Remove(i);
                    if (result.Found != null)
                    {
                        foreach (var f in result.Found)
                        {
                            if (f.Severity < _options.MinimumSeverity || IsIgnored(f)) continue;
                            findings++;
                            yield return f;
                        }
                    }
                    if ((i & 63) == 0) progress?.Invoke(i + 1);
                }
                Statistics.Findings += findings;
            }
            finally
            {
                stop.Cancel();
                Task.WaitAll(workers, CancellationToken.None);
                Statistics.FilesScanned += scanned;
                Statistics.BytesScanned += bytes;
                Statistics.SkippedBinary += binary;
                Statistics.SkippedLarge += large;
                Statistics.Unreadable += unreadable;
                Statistics.Elapsed += clock.Elapsed;
            }
        }
    }
}

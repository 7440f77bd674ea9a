using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Backup
{
    /// <summary>
    /// Runs a backup engine off the pipeline thread while the pipeline thread shows its progress ("N of M", bytes)
    /// and writes its verbose and warning messages, in order; Ctrl+C cancels the engine's token.
    /// </summary>
    internal static class BackupCmdletSupport
    {
        private static int _nextActivityId = 4100;

        public static T Run<T>(PSCmdlet cmdlet, BackupProgress progress, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
        {
            var activityId = Interlocked.Increment(ref _nextActivityId);
            var task = Task.Run(() => work(cancellationToken), CancellationToken.None);
            var record = new ProgressRecord(activityId, progress.Activity, "Starting");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                while (!task.IsCompleted)
                {
                    Task.WaitAny(new Task[] { task }, 250, CancellationToken.None);
                    Drain(cmdlet, progress);
                    if (clock.ElapsedMilliseconds < 300 && !task.IsCompleted) continue;
                    record.StatusDescription = Status(progress);
                    if (progress.Total > 0)
                        record.PercentComplete = Math.Min(99, (int)(100.0 * Math.Max(0, progress.Current - 1) / progress.Total));
                    record.SecondsRemaining = -1;
                    cmdlet.WriteProgress(record);
                }
                Drain(cmdlet, progress);
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (PipelineStoppedException)
            {
                // Ctrl+C: Write-Progress throws at once, but the engine is still removing what it wrote. Let it finish
                // (it was cancelled with the same token), so that nothing is left behind when the prompt returns.
                try { task.Wait(TimeSpan.FromSeconds(30)); } catch (AggregateException) { }
                throw;
            }
            finally
            {
                record.RecordType = ProgressRecordType.Completed;
                record.PercentComplete = 100;
                try { cmdlet.WriteProgress(record); } catch (PipelineStoppedException) { } catch (InvalidOperationException) { }
            }
        }

        private static string Status(BackupProgress progress)
        {
            var n = progress.Total > 0 ? $"{progress.Current} of {progress.Total}: " : string.Empty;
            var bytes = progress.Bytes > 0 ? $" ({BackupProgress.Size(progress.Bytes)})" : string.Empty;
            return n + progress.Status + bytes;
        }

        private static void Drain(PSCmdlet cmdlet, BackupProgress progress)
        {
            while (progress.Verbose.TryDequeue(out var message)) cmdlet.WriteVerbose(message);
            while (progress.Warnings.TryDequeue(out var warning)) cmdlet.WriteWarning(warning);
        }
    }
}

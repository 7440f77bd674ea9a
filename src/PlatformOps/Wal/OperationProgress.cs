using System.Threading;

namespace PlatformOps.Wal
{
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
}

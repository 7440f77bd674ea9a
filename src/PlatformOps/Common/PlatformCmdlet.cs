using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace PlatformOps.Common
{
    /// <summary>
    /// The one base of every PlatformOps cmdlet. It owns cancellation (Ctrl+C cancels the token handed to engines),
    /// the platform profile in force, and the helpers that turn failures into well-formed error records.
    /// </summary>
    public abstract class PlatformCmdlet : PSCmdlet, IDisposable
    {
        private CancellationTokenSource? _cancellation;
        private PlatformProfile? _resolvedProfile;
        private bool _profileResolved;
        private volatile bool _stopRequested;
        private bool _verdictFailed;
        private bool _errorsReported;
        private bool _stopReported;

        /// <summary>The platform profile to use instead of the session's (an object from Import-PlatformProfile, or a path).</summary>
        [Parameter]
        [ValidateNotNull]
        [ProfileTransformation]
        public PlatformProfile? Profile { get; set; }

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancellationToken => (_cancellation ??= new CancellationTokenSource()).Token;

        /// <summary>The profile in force: -Profile, then the session's, then $env:PLATFORMOPS_PROFILE; null when none.</summary>
        protected PlatformProfile? EffectiveProfile
        {
            get
            {
                if (!_profileResolved)
                {
                    _resolvedProfile = Profile ?? SessionProfile.Current ?? SessionProfile.FromEnvironment();
                    _profileResolved = true;
                }
                return _resolvedProfile;
            }
        }

        /// <summary>The profile in force, or a terminating error (the caller's id, category and advice) when there is none.</summary>
        protected PlatformProfile RequireProfile(string errorId, ErrorCategory category, string message)
        {
            PlatformProfile? profile = null;
            try
            {
                profile = EffectiveProfile;
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
            if (profile == null) Fail(errorId, category, null, message);
            return profile!;
        }

        protected override void BeginProcessing()
        {
            _cancellation ??= new CancellationTokenSource();
        }

        /// <summary>
        /// Ctrl+C or a stopped pipeline: cancels the engines' token. When the cmdlet has unwound, Dispose reports the
        /// cancellation (a &lt;Noun&gt;Cancelled error record, and exit code 130 for a non-interactive pwsh).
        /// </summary>
        protected override void StopProcessing()
        {
            _stopRequested = true;
            _cancellation?.Cancel();
        }

        /// <summary>True once Ctrl+C or a pipeline stop has reached this cmdlet.</summary>
        protected bool StopRequested => _stopRequested;

        /// <summary>What the cancellation record says; a cmdlet overrides it to say what was kept or undone.</summary>
        protected virtual string CancelledMessage
            => $"{MyInvocation?.MyCommand?.Name ?? GetType().Name} was cancelled (Ctrl+C or a stopped pipeline) before it finished, so its work is not complete. Run it again and let it finish.";

        private void ReportStop()
        {
            if (!_stopRequested || _stopReported) return;
            _stopReported = true;
            var attribute = (CmdletAttribute?)Attribute.GetCustomAttribute(GetType(), typeof(CmdletAttribute));
            var name = attribute == null ? GetType().Name : $"{attribute.VerbName}-{attribute.NounName}";
            StopReport.Publish(this, StopReport.Record(name, attribute?.NounName ?? "PlatformOps", CancelledMessage));
        }

        /// <summary>Runs an engine's async work on the pipeline thread, cancelled by Ctrl+C.</summary>
        protected T Await<T>(Func<CancellationToken, Task<T>> work)
        {
            try
            {
                return work(CancellationToken).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Runs an engine's async work on the pipeline thread, cancelled by Ctrl+C.</summary>
        protected void Await(Func<CancellationToken, Task> work)
        {
            Await<bool>(async ct => { await work(ct).ConfigureAwait(false); return true; });
        }

        /// <summary>Stops the cmdlet with a terminating error that has a stable id, a category and a remedy.</summary>
        protected void Fail(string errorId, ErrorCategory category, object? target, string message, Exception? inner = null)
            => ThrowTerminatingError(PlatformErrors.Record(errorId, category, target, message, inner));

        /// <summary>Reports one failed input object and lets the pipeline go on.</summary>
        protected void Report(string errorId, ErrorCategory category, object? target, string message, Exception? inner = null)
        {
            _errorsReported = true;
            WriteError(PlatformErrors.Record(errorId, category, target, message, inner));
        }

        /// <summary>A Test-* cmdlet's result: written as is, or with -Quiet only counted towards the one $true/$false.</summary>
        protected void WriteResult(object result, bool passed, bool quiet)
        {
            if (!passed) _verdictFailed = true;
            if (!quiet) WriteObject(result);
        }

        /// <summary>With -Quiet, the one verdict: $true when every result passed and no input failed.</summary>
        protected void WriteQuietVerdict(bool quiet)
        {
            if (quiet) WriteObject(!_verdictFailed && !_errorsReported);
        }

        /// <summary>Turns a PlatformOpsException from an engine into a terminating error.</summary>
        protected void Fail(PlatformOpsException ex)
            => ThrowTerminatingError(PlatformErrors.Record(ex.ErrorId, ex.Category, ex.Target, ex.Message, ex.InnerException));

        /// <summary>Turns a PlatformOpsException from an engine into a non-terminating error.</summary>
        protected void Report(PlatformOpsException ex)
        {
            _errorsReported = true;
            WriteError(PlatformErrors.Record(ex.ErrorId, ex.Category, ex.Target, ex.Message, ex.InnerException));
        }

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (disposing)
            {
                ReportStop();
                _cancellation?.Dispose();
                _cancellation = null;
            }
        }
    }
}

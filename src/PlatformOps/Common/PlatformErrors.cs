using System;
using System.Management.Automation;

namespace PlatformOps.Common
{
    /// <summary>
    /// An expected failure raised by an engine: it carries the stable error id (&lt;Noun&gt;&lt;Condition&gt;), the
    /// category and the target, so that a cmdlet can report it without a stack trace.
    /// </summary>
    [Serializable]
    public sealed class PlatformOpsException : Exception
    {
        public PlatformOpsException(string errorId, ErrorCategory category, object? target, string message, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
            Target = target;
        }

        public PlatformOpsException() : this("PlatformOpsError", ErrorCategory.NotSpecified, null, "PlatformOps failed.") { }
        public PlatformOpsException(string message) : this("PlatformOpsError", ErrorCategory.NotSpecified, null, message) { }
        public PlatformOpsException(string message, Exception inner) : this("PlatformOpsError", ErrorCategory.NotSpecified, null, message, inner) { }

        public string ErrorId { get; }
        public ErrorCategory Category { get; }
        public object? Target { get; }
    }

    /// <summary>The one place that builds PlatformOps error records.</summary>
    public static class PlatformErrors
    {
        public static ErrorRecord Record(string errorId, ErrorCategory category, object? target, string message, Exception? inner = null)
        {
            var exception = new PlatformOpsException(errorId, category, target, Sensitive.Redact(message), inner);
            return new ErrorRecord(exception, errorId, category, target)
            {
                ErrorDetails = new ErrorDetails(Sensitive.Redact(message)),
            };
        }

        /// <summary>A short, single-line reason from any exception, innermost meaningful message first, secrets masked.</summary>
        public static string Reason(Exception ex)
        {
            if (ex is AggregateException agg && agg.InnerExceptions.Count == 1) ex = agg.InnerExceptions[0];
            var message = ex.Message;
            var inner = ex.InnerException;
            while (inner != null)
            {
                if (!string.IsNullOrWhiteSpace(inner.Message) && !message.Contains(inner.Message))
                    message = message.TrimEnd('.') + ": " + inner.Message;
                inner = inner.InnerException;
            }
            return Sensitive.Redact(message.Replace("\r", " ").Replace("\n", " ").Trim());
        }
    }
}

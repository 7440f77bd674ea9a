using System;

namespace PlatformOps.Maintenance
{
    /// <summary>What kind of failure an engine of the maintenance room raised; the cmdlets map it to an ErrorCategory.</summary>
    public enum MaintenanceErrorKind
    {
        InvalidArgument,
        NotFound,
        NotSupported,
        WriteFailed,
        Conflict,
        Failed,
    }

    /// <summary>An expected failure of the maintenance engines: a stable id (&lt;Noun&gt;&lt;Condition&gt;), a kind and a target, no host types.</summary>
    [Serializable]
    public sealed class MaintenanceException : Exception
    {
        public MaintenanceException(string errorId, MaintenanceErrorKind kind, object? target, string message, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Kind = kind;
            Target = target;
        }

        public MaintenanceException() : this("PlatformMaintenanceFailed", MaintenanceErrorKind.Failed, null, "Maintenance failed.") { }
        public MaintenanceException(string message) : this("PlatformMaintenanceFailed", MaintenanceErrorKind.Failed, null, message) { }
        public MaintenanceException(string message, Exception inner) : this("PlatformMaintenanceFailed", MaintenanceErrorKind.Failed, null, message, inner) { }

        public string ErrorId { get; }
        public MaintenanceErrorKind Kind { get; }
        public object? Target { get; }
    }
}

using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace PlatformOps.Common
{
    /// <summary>The profile loaded for the current runspace by Import-PlatformProfile.</summary>
    public static class SessionProfile
    {
        /// <summary>The environment variable a runbook or scheduled task can set to name its profile file.</summary>
        public const string EnvironmentVariable = "PLATFORMOPS_PROFILE";

        private static readonly ConcurrentDictionary<Guid, PlatformProfile> ByRunspace = new ConcurrentDictionary<Guid, PlatformProfile>();

        private static Guid Key => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

        public static PlatformProfile? Current
        {
            get => ByRunspace.TryGetValue(Key, out var p) ? p : null;
            set
            {
                if (value == null) ByRunspace.TryRemove(Key, out _);
                else ByRunspace[Key] = value;
            }
        }

        /// <summary>The profile named by $env:PLATFORMOPS_PROFILE, if set.</summary>
        public static PlatformProfile? FromEnvironment()
        {
            var path = Environment.GetEnvironmentVariable(EnvironmentVariable);
            return string.IsNullOrWhiteSpace(path) ? null : PlatformProfile.Load(path!);
        }
    }

    /// <summary>Lets -Profile take a path as well as a profile object.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ProfileTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is string path)
            {
                try
                {
                    return PlatformProfile.Load(path);
                }
                catch (PlatformOpsException ex)
                {
                    throw new ArgumentTransformationMetadataException(ex.Message, ex);
                }
            }
            return value;
        }
    }
}

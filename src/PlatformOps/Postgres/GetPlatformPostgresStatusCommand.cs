using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Postgres
{
    /// <summary>Measures a PostgreSQL server: version, uptime, connections, sizes, WAL and archiver state, SSL.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformPostgresStatus")]
    [OutputType(typeof(PostgresStatus))]
    public sealed class GetPlatformPostgresStatusCommand : PostgresCmdlet
    {
        /// <summary>Seconds to wait for the connection.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 5;

        protected override void EndProcessing()
        {
            var target = ResolvePostgres();
            WriteVerbose($"Connecting to {target}.");
            try
            {
                WriteObject(Await(ct => PostgresProbe.GetStatusAsync(target, ct, TimeoutSec)));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Postgres
{
    /// <summary>
    /// A cmdlet that talks to a PostgreSQL server: -Server, -Port, -UserName, -Credential, -PasswordFile, then profile, then
    /// PG* variables. Cmdlets that take one database derive from <see cref="PostgresCmdlet"/>; those that take several
    /// (Invoke-PlatformBackup) declare their own -Database and pass it to <see cref="ResolvePostgres"/>.
    /// </summary>
    public abstract class PostgresServerCmdlet : PlatformCmdlet
    {
        /// <summary>Host name or address, optionally host:port. Default: profile, then PGHOST, then localhost. -Host is an alias (the profile's word).</summary>
        [Parameter]
        [Alias("Host")]
        [ValidateNotNullOrEmpty]
        public string? Server { get; set; }

        [Parameter]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        /// <summary>The user to log in as when the password comes from a pass file or the environment (like psql -U).</summary>
        [Parameter]
        [Alias("User")]
        [ValidateNotNullOrEmpty]
        public string? UserName { get; set; }

        /// <summary>User name and password. Without it, the pass file, PGPASSWORD or ~/.pgpass is used.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>A libpq pass file to read the password from. -PassFile (its 0.1.0 name) is an alias.</summary>
        [Parameter]
        [Alias("PassFile")]
        [ValidateNotNullOrEmpty]
        public string? PasswordFile { get; set; }

        /// <summary>The database a target is for when the caller names none.</summary>
        protected virtual string? DefaultDatabase => null;

        private PSCredential? UserOnly() => UserName == null ? null : new PSCredential(UserName, new System.Security.SecureString());

        /// <summary>Resolves the PostgreSQL target, throwing a PlatformOpsException when it cannot.</summary>
        protected PostgresTarget ResolvePostgresTarget(string? database = null)
            => PostgresTarget.Resolve(Server, Port, database ?? DefaultDatabase, Credential ?? UserOnly(),
                PasswordFile == null ? null : GetUnresolvedProviderPathFromPSPath(PasswordFile), EffectiveProfile);

        /// <summary>Resolves the PostgreSQL target or stops with a clear error.</summary>
        protected PostgresTarget ResolvePostgres(string? database = null)
        {
            try
            {
                return ResolvePostgresTarget(database);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
                throw;
            }
        }
    }

    /// <summary>A cmdlet that talks to one PostgreSQL database: the server parameters plus -Database.</summary>
    public abstract class PostgresCmdlet : PostgresServerCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DatabaseCompleter))]
        public string? Database { get; set; }

        protected override string? DefaultDatabase => Database;
    }
}

namespace PlatformOps.Postgres
{
    /// <summary>
    /// Builds values that libpq tools (pg_dump, pg_restore, pg_dumpall, psql) take as connection settings. A database
    /// name given to them bare is "expanded" as a connection string when it holds '=' or starts with postgres://, so a
    /// database named <c>dbname=postgres host=...</c> would send the tool elsewhere; a quoted <c>dbname='...'</c> setting
    /// is only ever that name.
    /// </summary>
    public static class LibpqConnInfo
    {
        /// <summary>A value quoted for a conninfo string: in single quotes, with backslash and quote escaped by a backslash.</summary>
        public static string Quote(string value)
            => "'" + (value ?? string.Empty).Replace("\\", "\\\\").Replace("'", "\\'") + "'";

        /// <summary>The argument for -d/--dbname (or pg_dumpall -l) that names exactly this database.</summary>
        public static string Database(string name) => "dbname=" + Quote(name);
    }
}

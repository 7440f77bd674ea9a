using System;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using PlatformOps.Common;

namespace PlatformOps.Postgres
{
    /// <summary>
    /// Quoting for SQL text that cannot take bind parameters (GRANT, CREATE ROLE, ALTER SYSTEM...). Every name from a
    /// user goes through <see cref="Ident"/>: doubled double quotes, no NUL, at most 63 bytes (PostgreSQL would
    /// silently truncate a longer name into another one, so it is refused).
    /// </summary>
    public static class PgSql
    {
        /// <summary>NAMEDATALEN - 1: the longest identifier PostgreSQL keeps without truncating it.</summary>
        public const int MaxIdentifierBytes = 63;

        /// <summary>Why <paramref name="name"/> cannot be an identifier, or null when it can.</summary>
        public static string? IdentifierProblem(string? name)
        {
            if (string.IsNullOrEmpty(name)) return "it is empty";
            if (name!.IndexOf('\0') >= 0) return "it contains a NUL character";
            var bytes = Encoding.UTF8.GetByteCount(name);
            if (bytes > MaxIdentifierBytes)
                return string.Format(CultureInfo.InvariantCulture, "it is {0} bytes long and PostgreSQL keeps only {1} (it would be truncated into another name)", bytes, MaxIdentifierBytes);
            return null;
        }

        /// <summary>Checks a name and throws <c>&lt;noun&gt;NameInvalid</c> when it cannot be used as an identifier.</summary>
        public static void CheckIdentifier(string? name, string what = "role", string errorNoun = "DbRole")
        {
            var problem = IdentifierProblem(name);
            if (problem != null)
                throw new PlatformOpsException(errorNoun + "NameInvalid", ErrorCategory.InvalidArgument, name,
                    $"The {what} name '{name}' is refused: {problem}.");
        }

        /// <summary>A quoted identifier: "name" with embedded double quotes doubled. Throws for names that cannot be identifiers.</summary>
        public static string Ident(string name)
        {
            CheckIdentifier(name, "object");
            return "\"" + name.Replace("\"", "\"\"") + "\"";
        }

        /// <summary>A string literal, safe whatever standard_conforming_strings is: E'...' with quotes and backslashes escaped.</summary>
        public static string Literal(string value)
        {
            if (value == null) throw new ArgumentNullException(nameof(value));
            if (value.IndexOf('\0') >= 0)
                throw new PlatformOpsException("PostgresLiteralInvalid", ErrorCategory.InvalidArgument, null, "A text value contains a NUL character.");
            return value.IndexOf('\\') < 0
                ? "'" + value.Replace("'", "''") + "'"
                : "E'" + value.Replace("\\", "\\\\").Replace("'", "''") + "'";
        }
    }
}

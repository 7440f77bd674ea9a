using System;
using System.IO;

namespace PlatformOps.Wal
{
    /// <summary>
    /// The shell commands PostgreSQL runs for the module's archive folder: archive_command (copy a finished segment in)
    /// and restore_command (copy one back out for a restore). %p and %f are PostgreSQL's; a '%' of the folder's name is
    /// doubled and the folder is shell-quoted, so no folder name can change what the command does.
    /// </summary>
    public static class ArchiveCommands
    {
        /// <summary>
        /// The built-in archive command for a folder: copies under a temporary name and renames, and succeeds when the
        /// segment is already there with the same content (a retry after a crash), fails when it differs. No secret in it.
        /// </summary>
        public static string ForDirectory(string directory)
        {
            if (string.IsNullOrEmpty(directory)) throw new ArgumentException("The archive directory is empty.", nameof(directory));
            var dir = ShellQuote(directory.TrimEnd('/').Replace("%", "%%"));
            return $"f={dir}/%f; if [ -f \"$f\" ]; then cmp -s %p \"$f\"; else cp %p \"$f.tmp\" && mv \"$f.tmp\" \"$f\"; fi";
        }

        /// <summary>The folder a command made by <see cref="ForDirectory"/> archives into, or null for any other command.</summary>
        public static string? DirectoryOf(string? command)
        {
            if (command == null || !command.StartsWith("f='", StringComparison.Ordinal)) return null;
            var end = command.IndexOf("/%f; if [ -f \"$f\" ]", StringComparison.Ordinal);
            if (end < 0) return null;
            return command.Substring(3, end - 4).Replace("'\\''", "'").Replace("%%", "%");
        }

        /// <summary>The restore_command that copies segments back out of <paramref name="directory"/>.</summary>
        public static string RestoreFromDirectory(string directory)
            => $"cp {ShellQuote(Path.GetFullPath(directory).TrimEnd('/').Replace("%", "%%"))}/%f %p";

        private static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''") + "'";
    }
}

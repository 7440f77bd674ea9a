using System;
using System.IO;

namespace PlatformOps.Common
{
    /// <summary>Removes what PlatformOps left behind (a partial backup, a scratch server's folder) without failing the work it cleans up after.</summary>
    internal static class FileCleanup
    {
        /// <summary>Deletes a folder (with its contents) or a file; false when it could not be removed.</summary>
        public static bool DeleteQuietly(string path)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else if (File.Exists(path)) File.Delete(path);
                return true;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}

using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PlatformOps.Common
{
    /// <summary>The few POSIX calls .NET Standard 2.0 lacks: create a file with a mode, chmod, stat's mode, atomic rename.</summary>
    // CA2101: these calls are Unix-only, where the runtime marshals LPStr as UTF-8, which is what the kernel expects.
#pragma warning disable CA2101
    internal static class UnixFile
    {
        public static bool IsUnix => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        [DllImport("libc", SetLastError = true, EntryPoint = "open")]
        private static extern int Open([MarshalAs(UnmanagedType.LPStr)] string path, int flags, int mode);

        [DllImport("libc", SetLastError = true, EntryPoint = "chmod")]
        private static extern int Chmod([MarshalAs(UnmanagedType.LPStr)] string path, int mode);

        [DllImport("libc", SetLastError = true, EntryPoint = "rename")]
        private static extern int Rename([MarshalAs(UnmanagedType.LPStr)] string from, [MarshalAs(UnmanagedType.LPStr)] string to);

        private static int CreateFlags => RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
            ? 0x0001 | 0x0200 | 0x0800   // O_WRONLY | O_CREAT | O_EXCL (BSD)
            : 0x0001 | 0x0040 | 0x0080;  // O_WRONLY | O_CREAT | O_EXCL (Linux)

        /// <summary>Creates a new file that has <paramref name="mode"/> from its first moment (no window where others may open it).</summary>
        public static FileStream CreateNew(string path, int mode, int bufferSize = 1 << 16)
        {
            if (!IsUnix) return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);
            var fd = Open(path, CreateFlags, mode);
            if (fd < 0)
            {
                var errno = Marshal.GetLastWin32Error();
                throw new IOException($"Cannot create '{path}': {new Win32Exception(errno).Message}", errno);
            }
            return new FileStream(new SafeFileHandle((IntPtr)fd, ownsHandle: true), FileAccess.Write, bufferSize);
        }

        public static void SetMode(string path, int mode)
        {
            if (!IsUnix) return;
            if (Chmod(path, mode) != 0)
            {
                var errno = Marshal.GetLastWin32Error();
                throw new IOException($"Cannot change the mode of '{path}': {new Win32Exception(errno).Message}", errno);
            }
        }

        /// <summary>The permission bits of a file (e.g. 0x180 = 0600), or null on Windows.</summary>
        public static int? GetMode(string path)
        {
            if (!IsUnix) return null;
            // .NET Standard has no stat(); File.GetUnixFileMode exists on the .NET that runs PowerShell 7, so use it when present.
            var method = typeof(File).GetMethod("GetUnixFileMode", new[] { typeof(string) });
            if (method == null) return null;
            return Convert.ToInt32(method.Invoke(null, new object[] { path }), System.Globalization.CultureInfo.InvariantCulture);
        }

        /// <summary>Renames over an existing file atomically (rename(2) on Unix, File.Replace on Windows).</summary>
        public static void ReplaceOrMove(string source, string destination)
        {
            if (IsUnix)
            {
                if (Rename(source, destination) != 0)
                {
                    var errno = Marshal.GetLastWin32Error();
                    throw new IOException($"Cannot rename '{source}' to '{destination}': {new Win32Exception(errno).Message}", errno);
                }
                return;
            }
            if (File.Exists(destination)) File.Replace(source, destination, null);
            else File.Move(source, destination);
        }
    }
#pragma warning restore CA2101
}

using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PlatformOps.Common
{
    /// <summary>The few POSIX calls .NET Standard 2.0 lacks: create a file or folder with a mode, chmod, stat's owner and mode, atomic rename.</summary>
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

        [DllImport("libc", SetLastError = true, EntryPoint = "mkdir")]
        private static extern int Mkdir([MarshalAs(UnmanagedType.LPStr)] string path, int mode);

        [DllImport("libc", SetLastError = true, EntryPoint = "geteuid")]
        private static extern uint Geteuid();

        // statx(2): one struct layout on every Linux architecture (stat(2)'s differs between them).
        [DllImport("libc", SetLastError = true, EntryPoint = "statx")]
        private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPStr)] string path, int flags, uint mask, byte[] buffer);

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

        /// <summary>Creates a new directory with <paramref name="mode"/> from its first moment; fails (EEXIST) when anything is already there.</summary>
        public static void MakeDirectory(string path, int mode)
        {
            if (!IsUnix)
            {
                if (Directory.Exists(path) || File.Exists(path)) throw new IOException($"Cannot create '{path}': it exists.");
                Directory.CreateDirectory(path);
                return;
            }
            if (Mkdir(path, mode) != 0)
            {
                var errno = Marshal.GetLastWin32Error();
                throw new IOException($"Cannot create '{path}': {new Win32Exception(errno).Message}", errno);
            }
        }

        /// <summary>Deletes a file or a folder with all it holds; false (and no exception) when it cannot.</summary>
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

        /// <summary>The effective user id of this process, or null on Windows.</summary>
        public static uint? EffectiveUserId => IsUnix ? Geteuid() : (uint?)null;

        /// <summary>Owner, group and mode (with the file type bits) of a path itself (a symbolic link is not followed); null where statx is not available.</summary>
        public static (uint Uid, uint Gid, int Mode)? Status(string path)
        {
            if (!IsUnix || !RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
            var buffer = new byte[256];
            const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
            const uint Wanted = 0x1 | 0x2 | 0x8 | 0x10; // STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID
            int rc;
            try
            {
                rc = Statx(AtFdCwd, path, AtSymlinkNoFollow, Wanted, buffer);
            }
            catch (EntryPointNotFoundException)
            {
                return null; // a C library older than glibc 2.28
            }
            if (rc != 0)
            {
                var errno = Marshal.GetLastWin32Error();
                throw new IOException($"Cannot read the owner of '{path}': {new Win32Exception(errno).Message}", errno);
            }
            // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid (20), u32 gid (24), u16 mode (28)
            return (BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt32(buffer, 24), BitConverter.ToUInt16(buffer, 28));
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

        [DllImport("libc", SetLastError = true, EntryPoint = "flock")]
        private static extern int Flock(SafeFileHandle fd, int operation);

        [DllImport("libc", SetLastError = true, EntryPoint = "symlink")]
        private static extern int Symlink([MarshalAs(UnmanagedType.LPStr)] string target, [MarshalAs(UnmanagedType.LPStr)] string path);

        [DllImport("libc", SetLastError = true, EntryPoint = "readlink")]
        private static extern long Readlink([MarshalAs(UnmanagedType.LPStr)] string path, byte[] buffer, long size);

        /// <summary>
        /// Opens (creating with mode 0600) a lock file and takes an exclusive flock(2) on it without waiting; null when
        /// another open file description holds it. The descriptor is close-on-exec, so children never inherit the lock,
        /// and the kernel releases it when this process dies however it dies. On Windows: an exclusive FileStream.
        /// </summary>
        public static IDisposable? TryLockExclusive(string path)
        {
            if (!IsUnix)
            {
                try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
                catch (IOException) { return null; }
            }
            const int ReadWrite = 0x0002;
            var flags = ReadWrite | (RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? 0x0200 | 0x1000000 : 0x0040 | 0x80000); // O_CREAT | O_CLOEXEC
            var fd = Open(path, flags, 0x180);
            if (fd < 0)
            {
                var errno = Marshal.GetLastWin32Error();
                throw new IOException($"Cannot open the lock file '{path}': {new Win32Exception(errno).Message}", errno);
            }
            var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
            const int LockExclusive = 2, LockNonBlocking = 4;
            if (Flock(handle, LockExclusive | LockNonBlocking) == 0) return handle;
            var error = Marshal.GetLastWin32Error();
            handle.Dispose();
            if (error == 11 || error == 35) return null; // EWOULDBLOCK (Linux, BSD)
            throw new IOException($"Cannot lock '{path}': {new Win32Exception(error).Message}", error);
        }

        /// <summary>Creates a symbolic link at <paramref name="path"/> pointing to <paramref name="target"/> (Unix only).</summary>
        public static void CreateSymbolicLink(string path, string target)
        {
            if (!IsUnix) throw new PlatformNotSupportedException("Symbolic links are made on Unix only.");
            if (Symlink(target, path) != 0)
            {
                var errno = Marshal.GetLastWin32Error();
                throw new IOException($"Cannot link '{path}' to '{target}': {new Win32Exception(errno).Message}", errno);
            }
        }

        /// <summary>The target of a symbolic link, or null when the path is not one (or does not exist).</summary>
        public static string? ReadLink(string path)
        {
            if (!IsUnix) return null;
            var buffer = new byte[4096];
            var n = Readlink(path, buffer, buffer.Length);
            return n < 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, (int)n);
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

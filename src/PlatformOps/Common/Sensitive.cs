using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Text.RegularExpressions;

namespace PlatformOps.Common
{
    /// <summary>Helpers that keep secrets out of output: masking connection strings and unwrapping SecureStrings.</summary>
    public static class Sensitive
    {
        private static readonly Regex PasswordPair = new Regex(
            @"(?i)\b(password|pwd|passfile_password|requirepass|pass)\s*=\s*(""[^""]*""|'[^']*'|[^;\s]*)",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        private static readonly Regex UrlCredential = new Regex(
            @"(?i)\b([a-z][a-z0-9+.\-]*://[^:/@\s]+):([^@/\s]+)@", RegexOptions.Compiled | RegexOptions.CultureInvariant);

        /// <summary>Masks passwords in key=value connection strings and in URLs with user:password@.</summary>
        public static string Redact(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
            var masked = PasswordPair.Replace(text, m => m.Groups[1].Value + "=********");
            return UrlCredential.Replace(masked, m => m.Groups[1].Value + ":********@");
        }

        /// <summary>Reads a SecureString's characters. Callers must not log or print the result.</summary>
        public static string Reveal(SecureString secure)
        {
            if (secure == null) throw new ArgumentNullException(nameof(secure));
            var ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
                return Marshal.PtrToStringUni(ptr) ?? string.Empty;
            }
            finally
            {
                if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }

        public static SecureString ToSecureString(string value)
        {
            var s = new SecureString();
            foreach (var c in value) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }
    }
}

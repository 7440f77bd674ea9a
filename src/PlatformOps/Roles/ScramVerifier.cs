using System;
using System.Globalization;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using PlatformOps.Common;

namespace PlatformOps.Roles
{
    /// <summary>
    /// Computes PostgreSQL SCRAM-SHA-256 password verifiers on the client, the way libpq's PQencryptPasswordConn does,
    /// so that ALTER ROLE ... PASSWORD carries a verifier and the clear password never reaches the server or its log.
    /// </summary>
    public static class ScramVerifier
    {
        public const int DefaultIterations = 4096;
        private const int SaltLength = 16;

        /// <summary>SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey for a password, with a random salt.</summary>
        public static string Create(string password, int iterations = DefaultIterations)
        {
            var salt = new byte[SaltLength];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(salt);
            return Create(password, salt, iterations);
        }

        public static string Create(string password, byte[] salt, int iterations)
        {
            if (salt == null) throw new ArgumentNullException(nameof(salt));
            var (storedKey, serverKey) = Keys(password, salt, iterations);
            return string.Format(CultureInfo.InvariantCulture, "SCRAM-SHA-256${0}:{1}${2}:{3}",
                iterations, Convert.ToBase64String(salt), Convert.ToBase64String(storedKey), Convert.ToBase64String(serverKey));
        }

        /// <summary>Whether <paramref name="password"/> is the one a stored verifier was made from. False for non-SCRAM or malformed text.</summary>
        public static bool Matches(string? verifier, string password)
        {
            if (verifier == null || !verifier.StartsWith("SCRAM-SHA-256$", StringComparison.Ordinal)) return false;
            var parts = verifier.Substring("SCRAM-SHA-256$".Length).Split('$');
            if (parts.Length != 2) return false;
            var head = parts[0].Split(':');
            var keys = parts[1].Split(':');
            if (head.Length != 2 || keys.Length != 2) return false;
            if (!int.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1) return false;
            try
            {
                var salt = Convert.FromBase64String(head[1]);
                var expected = Convert.FromBase64String(keys[0]);
                var (storedKey, _) = Keys(password, salt, iterations);
                return FixedTimeEquals(storedKey, expected);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        private static (byte[] StoredKey, byte[] ServerKey) Keys(string password, byte[] salt, int iterations)
        {
            var prepared = Encoding.UTF8.GetBytes(SaslPrep(password));
            var salted = Hi(prepared, salt, iterations);
            byte[] clientKey, serverKey;
            using (var hmac = new HMACSHA256(salted))
            {
                clientKey = hmac.ComputeHash(Encoding.ASCII.GetBytes("Client Key"));
                serverKey = hmac.ComputeHash(Encoding.ASCII.GetBytes("Server Key"));
            }
            using var sha = SHA256.Create();
            return (sha.ComputeHash(clientKey), serverKey);
        }

        /// <summary>PBKDF2-HMAC-SHA-256 for one 32-byte block (RFC 5802 Hi()).</summary>
        private static byte[] Hi(byte[] password, byte[] salt, int iterations)
        {
            using var hmac = new HMACSHA256(password);
            var first = new byte[salt.Length + 4];
            Buffer.BlockCopy(salt, 0, first, 0, salt.Length);
            first[first.Length - 1] = 1;
            var u = hmac.ComputeHash(first);
            var result = (byte[])u.Clone();
            for (var i = 1; i < iterations; i++)
            {
                u = hmac.ComputeHash(u);
                for (var j = 0; j < result.Length; j++) result[j] ^= u[j];
            }
            return result;
        }

        private static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            var diff = 0;
            for (var i = 0; i < a.Length; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }

        /// <summary>
        /// SASLprep (RFC 4013) as PostgreSQL's pg_saslprep applies it: ASCII passes unchanged; otherwise non-ASCII
        /// spaces become spaces, "mapped to nothing" characters go, NFKC; a prohibited result means the password is
        /// used as it is. Right-to-left text is refused, because its bidirectional rules cannot be checked here.
        /// </summary>
        internal static string SaslPrep(string password)
        {
            if (password == null) throw new ArgumentNullException(nameof(password));
            var ascii = true;
            foreach (var c in password) if (c > 0x7F) { ascii = false; break; }
            if (ascii) return password;

            var mapped = new StringBuilder(password.Length);
            for (var i = 0; i < password.Length; i++)
            {
                if (char.IsSurrogate(password[i]) && !(i + 1 < password.Length && char.IsSurrogatePair(password[i], password[i + 1])))
                    return password; // not valid UTF-16: PostgreSQL would see invalid UTF-8 and use the bytes as they are
                var cp = char.ConvertToUtf32(password, i);
                if (cp > 0xFFFF) i++;
                if (IsRightToLeft(cp))
                    throw new PlatformOpsException("DbRolePasswordUnsupported", ErrorCategory.InvalidArgument, null,
                        "The password contains right-to-left characters, whose SASLprep rules cannot be checked on the client. Choose a password without them.");
                if (IsNonAsciiSpace(cp)) { mapped.Append(' '); continue; }
                if (IsMappedToNothing(cp)) continue;
                mapped.Append(char.ConvertFromUtf32(cp));
            }
            string normalized;
            try
            {
                normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);
            }
            catch (ArgumentException)
            {
                return password;
            }
            for (var i = 0; i < normalized.Length; i++)
            {
                var cp = char.ConvertToUtf32(normalized, i);
                if (cp > 0xFFFF) i++;
                if (IsProhibited(cp)) return password;
            }
            return normalized;
        }

        private static bool IsNonAsciiSpace(int c)
            => c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F || c == 0x3000;

        private static bool IsMappedToNothing(int c)
            => c == 0x00AD || c == 0x034F || c == 0x1806 || (c >= 0x180B && c <= 0x180D) || (c >= 0x200B && c <= 0x200D)
               || c == 0x2060 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF;

        private static bool IsRightToLeft(int c)
            => (c >= 0x0590 && c <= 0x08FF) || (c >= 0xFB1D && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFC)
               || (c >= 0x10800 && c <= 0x10FFF) || (c >= 0x1E800 && c <= 0x1EFFF);

        private static bool IsProhibited(int c)
        {
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)) return true;               // C.2.1, C.2.2 controls
            if (c == 0x06DD || c == 0x070F || c == 0x180E || c == 0x200C || c == 0x200D || c == 0x2028 || c == 0x2029
                || (c >= 0x2060 && c <= 0x2063) || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF
                || (c >= 0xFFF9 && c <= 0xFFFD) || (c >= 0x1D173 && c <= 0x1D17A)) return true; // C.2.2, C.6
            if ((c >= 0xE000 && c <= 0xF8FF) || (c >= 0xF0000 && c <= 0xFFFFD) || (c >= 0x100000 && c <= 0x10FFFD)) return true; // C.3
            if ((c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE) return true;           // C.4
            if (c >= 0xD800 && c <= 0xDFFF) return true;                                        // C.5
            if (c >= 0x2FF0 && c <= 0x2FFB) return true;                                        // C.7
            if (c == 0x0340 || c == 0x0341 || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E)) return true; // C.8
            if (c == 0xE0001 || (c >= 0xE0020 && c <= 0xE007F)) return true;                    // C.9
            if (c <= 0xFFFF && CharUnicodeInfo.GetUnicodeCategory((char)c) == UnicodeCategory.OtherNotAssigned) return true; // A.1 (approximately)
            return false;
        }
    }
}

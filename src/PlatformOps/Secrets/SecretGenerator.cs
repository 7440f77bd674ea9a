using System;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>Draws random secrets for New-PlatformSecret: uniform over an alphabet, straight into a SecureString.</summary>
    internal static class SecretGenerator
    {
        public static string Characters(SecretAlphabet alphabet) => alphabet switch
        {
            SecretAlphabet.Hex => "0123456789abcdef",
            SecretAlphabet.Base64Url => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            SecretAlphabet.Symbols => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%+,-.:=?@^_~",
            _ => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        };

        /// <summary>A uniformly random string (rejection sampling: no modulo bias) as a SecureString.</summary>
        public static SecureString Generate(int length, string characters)
        {
            var alphabet = characters.Distinct().ToArray();
            if (alphabet.Length < 2)
                throw new PlatformOpsException("PlatformSecretAlphabetInvalid", System.Management.Automation.ErrorCategory.InvalidArgument, characters,
                    "The alphabet needs at least two different characters.");
            var limit = 256 - 256 % alphabet.Length;
            var secure = new SecureString();
            var buffer = new byte[Math.Max(64, length * 2)];
            using var rng = RandomNumberGenerator.Create();
            while (secure.Length < length)
            {
                rng.GetBytes(buffer);
                foreach (var b in buffer)
                {
                    if (b >= limit) continue;
                    secure.AppendChar(alphabet[b % alphabet.Length]);
                    if (secure.Length == length) break;
                }
            }
            Array.Clear(buffer, 0, buffer.Length);
            secure.MakeReadOnly();
            return secure;
        }

        /// <summary>Bits of entropy of a secret of this length drawn from this many characters.</summary>
        public static double Bits(int length, int alphabetSize) => length * Math.Log(alphabetSize, 2);
    }
}

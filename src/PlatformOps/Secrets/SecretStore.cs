using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>The characters New-PlatformSecret draws from.</summary>
    public enum SecretAlphabet
    {
        /// <summary>A-Z a-z 0-9: safe in env files, URLs, connection strings and shells without quoting.</summary>
        AlphaNumeric,
        /// <summary>0-9 a-f.</summary>
        Hex,
        /// <summary>A-Z a-z 0-9 - _.</summary>
        Base64Url,
        /// <summary>Letters, digits and the symbols !#%+,-.:=?@^_~ (none of them needs quoting in an env file).</summary>
        Symbols,
    }

    /// <summary>Where Get-PlatformSecret found a secret, in order of precedence (Environment before EnvFile, as in Docker Compose).</summary>
    public enum SecretSource
    {
        Vault,
        DockerSecret,
        EnvFile,
        Environment,
    }

    /// <summary>A secret resolved or written by PlatformOps. Its value is a SecureString and is never shown.</summary>
    public sealed class PlatformSecret
    {
        public string Name { get; internal set; } = string.Empty;
        public SecretSource Source { get; internal set; }
        /// <summary>The vault name, the file path or env:NAME.</summary>
        public string Location { get; internal set; } = string.Empty;
        public SecureString Value { get; internal set; } = new SecureString();
        public int Length => Value.Length;
        /// <summary>Every place that sets the secret, the one used first: "Environment (env:NAME)", "EnvFile (/srv/.env)".</summary>
        public IReadOnlyList<string> Sources { get; internal set; } = Array.Empty<string>();
        /// <summary>True when the places that set it disagree (compared, never shown); the first of <see cref="Sources"/> wins.</summary>
        public bool Conflict { get; internal set; }
        /// <summary>The places whose value differs from the one used.</summary>
        public IReadOnlyList<string> Differing { get; internal set; } = Array.Empty<string>();

        /// <summary>A PSCredential for the secret, with the given user name.</summary>
        public System.Management.Automation.PSCredential ToCredential(string userName) => new System.Management.Automation.PSCredential(userName, Value);

        public override string ToString() => $"{Name} ({Source}: {Location})";
    }

    /// <summary>Generates random secrets and writes them where a platform reads them: env file entries and Docker secret files.</summary>
    internal static class SecretStore
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

        /// <summary>Writes a Docker secret file (mode 0600 from its first byte, no trailing newline).</summary>
        public static void WriteSecretFile(string path, SecureString value, bool force)
        {
            if (File.Exists(path) && !force)
                throw new PlatformOpsException("PlatformSecretFileExists", System.Management.Automation.ErrorCategory.ResourceExists, path,
                    $"'{path}' already exists. Nothing was written. Use -Force to replace the secret (and restart what reads it).");
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder != null) Directory.CreateDirectory(folder);
            var plain = Common.Sensitive.Reveal(value);
            AtomicFile.WriteAllText(path, plain, secret: true);
        }

        /// <summary>Sets KEY=value in an env file (created 0600, rewritten atomically and kept 0600), keeping other lines as they were.</summary>
        public static bool WriteEnvEntry(string path, string name, SecureString value, bool force)
        {
            EnvFile env = File.Exists(path) ? EnvFile.Read(path) : new EnvFile(new List<EnvLine>(), "\n");
            var existing = env.Find(name);
            if (existing != null && existing.Value.Length > 0 && !force)
                throw new PlatformOpsException("PlatformSecretEntryExists", System.Management.Automation.ErrorCategory.ResourceExists, name,
                    $"'{path}' already sets {name}. Nothing was written. Use -Force to replace it (and restart what reads it).");
            var plain = Common.Sensitive.Reveal(value);
            if (existing != null)
            {
                existing.Value = plain;
                existing.Modified = true;
            }
            else
            {
                env.Lines.Add(new EnvLine { Key = name, Value = plain, Number = env.Lines.Count + 1, Modified = true });
            }
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder != null) Directory.CreateDirectory(folder);
            AtomicFile.WriteAllText(path, env.ToText(), secret: true);
            return existing != null;
        }

        /// <summary>
        /// Resolves a named secret. Precedence: vault (when a resolver is given), Docker secret file, the process
        /// environment, then the env file: as in Docker Compose, a variable set in the shell overrides the .env file.
        /// Every place that sets it is listed in <see cref="PlatformSecret.Sources"/>, and <see cref="PlatformSecret.Conflict"/>
        /// says whether they disagree (compared here, never shown). Returns null, and the places looked at, when it is nowhere.
        /// </summary>
        public static PlatformSecret? Resolve(string name, Func<string, (SecureString? Value, string? Vault)>? vault, IList<string> secretFolders,
            string? envFile, Func<string, string?> environment, List<string> lookedAt)
        {
            var found = new List<PlatformSecret>();
            if (vault != null)
            {
                lookedAt.Add("SecretManagement vaults");
                var (v, vaultName) = vault(name);
                if (v != null) found.Add(new PlatformSecret { Name = name, Source = SecretSource.Vault, Location = vaultName ?? "vault", Value = v });
            }

            var fileVariable = environment(name + "_FILE");
            var candidates = new List<string>();
            if (!string.IsNullOrEmpty(fileVariable)) candidates.Add(fileVariable!);
            foreach (var folder in secretFolders)
            {
                candidates.Add(Path.Combine(folder, name));
                if (!string.Equals(name.ToLowerInvariant(), name, StringComparison.Ordinal)) candidates.Add(Path.Combine(folder, name.ToLowerInvariant()));
            }
            foreach (var file in candidates)
            {
                lookedAt.Add(file);
                if (!File.Exists(file)) continue;
                string text;
                try { text = File.ReadAllText(file); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { continue; }
                found.Add(new PlatformSecret
                {
                    Name = name,
                    Source = SecretSource.DockerSecret,
                    Location = Path.GetFullPath(file),
                    Value = Common.Sensitive.ToSecureString(text.TrimEnd('\r', '\n')),
                });
                break;
            }

            lookedAt.Add("env:" + name);
            var fromEnvironment = environment(name);
            if (fromEnvironment != null)
                found.Add(new PlatformSecret { Name = name, Source = SecretSource.Environment, Location = "env:" + name, Value = Common.Sensitive.ToSecureString(fromEnvironment) });

            if (envFile != null)
            {
                lookedAt.Add(envFile);
                if (File.Exists(envFile))
                {
                    var entry = EnvFile.Read(envFile).Find(name);
                    if (entry != null)
                        found.Add(new PlatformSecret { Name = name, Source = SecretSource.EnvFile, Location = Path.GetFullPath(envFile), Value = Common.Sensitive.ToSecureString(entry.Value) });
                }
            }

            if (found.Count == 0) return null;
            var winner = found[0];
            winner.Sources = found.Select(f => $"{f.Source} ({f.Location})").ToList();
            winner.Conflict = found.Skip(1).Any(f => !SameValue(winner.Value, f.Value));
            winner.Differing = found.Skip(1).Where(f => !SameValue(winner.Value, f.Value)).Select(f => $"{f.Source} ({f.Location})").ToList();
            return winner;
        }

        /// <summary>Compares two secrets without keeping either in a string longer than the comparison.</summary>
        private static bool SameValue(SecureString a, SecureString b)
        {
            if (a.Length != b.Length) return false;
            var x = Common.Sensitive.Reveal(a);
            var y = Common.Sensitive.Reveal(b);
            var diff = 0;
            for (var i = 0; i < x.Length; i++) diff |= x[i] ^ y[i];
            return diff == 0;
        }
    }
}

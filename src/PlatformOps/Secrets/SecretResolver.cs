using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>Finds a named secret for Get-PlatformSecret: vault, Docker secret file, environment, env file, in that order.</summary>
    internal static class SecretResolver
    {
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

using System.Collections.Generic;
using System.IO;
using System.Security;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>Writes a secret where a platform reads it: an env file entry or a Docker secret file, 0600 and atomically.</summary>
    internal static class SecretWriter
    {
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
    }
}

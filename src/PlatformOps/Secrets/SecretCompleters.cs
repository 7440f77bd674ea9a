using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using PlatformOps.Common.Completers;

namespace PlatformOps.Secrets
{
    /// <summary>
    /// The SecretManagement vaults registered for the current user, read from SecretManagement's vault registry file
    /// (the same list Get-SecretVault shows), without loading SecretManagement or any vault module.
    /// </summary>
    public sealed class VaultCompleter : PlatformCompleter
    {
        protected override IReadOnlyList<CompletionCandidate> Candidates(CompletionRequest request, CancellationToken cancellationToken)
        {
            var list = new List<CompletionCandidate>();
            var file = RegistryFile();
            if (file == null || !File.Exists(file)) return list;
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var defaultVault = doc.RootElement.TryGetProperty("DefaultVaultName", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            if (doc.RootElement.TryGetProperty("Vaults", out var vaults) && vaults.ValueKind == JsonValueKind.Object)
            {
                foreach (var vault in vaults.EnumerateObject())
                {
                    var module = vault.Value.ValueKind == JsonValueKind.Object && vault.Value.TryGetProperty("ModuleName", out var m) ? m.GetString() : null;
                    list.Add(new CompletionCandidate(vault.Name,
                        (module ?? "vault") + (string.Equals(vault.Name, defaultVault, StringComparison.Ordinal) ? " (default vault)" : string.Empty)));
                }
            }
            return list;
        }

        /// <summary>SecretManagement's per-user registry: %LOCALAPPDATA%\Microsoft\PowerShell\secretmanagement on Windows, ~/.secretmanagement elsewhere.</summary>
        internal static string? RegistryFile()
        {
            if (Environment.OSVersion.Platform == PlatformID.Win32NT)
            {
                var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
                return string.IsNullOrEmpty(local) ? null : Path.Combine(local, "Microsoft", "PowerShell", "secretmanagement", "secretvaultregistry", "vaultinfo");
            }
            var home = Environment.GetEnvironmentVariable("HOME");
            return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".secretmanagement", "secretvaultregistry", "vaultinfo");
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>Resolves a named secret from a SecretManagement vault, a Docker secret file, an env file or the environment.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformSecret")]
    [OutputType(typeof(PlatformSecret))]
    [OutputType(typeof(PSCredential))]
    public sealed class GetPlatformSecretCommand : PlatformCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EnvFile { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? SecretsPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultCompleter))]
        public string? Vault { get; set; }

        [Parameter]
        public SwitchParameter NoVault { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AsCredentialFor { get; set; }

        private bool? _vaultAvailable;

        protected override void ProcessRecord()
        {
            var envFile = EnvFile != null ? GetUnresolvedProviderPathFromPSPath(EnvFile)
                : System.IO.Path.Combine(SessionState.Path.CurrentFileSystemLocation.ProviderPath, ".env");
            var folders = SecretsPath?.Select(GetUnresolvedProviderPathFromPSPath).ToList() ?? new List<string> { "/run/secrets" };
            foreach (var name in Name)
            {
                var lookedAt = new List<string>();
                var secret = SecretResolver.Resolve(name, VaultAvailable() ? FromVault : null, folders, envFile, Environment.GetEnvironmentVariable, lookedAt);
                if (secret == null)
                {
                    Report("PlatformSecretNotFound", ErrorCategory.ObjectNotFound, name,
                        $"The secret '{name}' was not found. Looked in: {string.Join(", ", lookedAt)}.");
                    continue;
                }
                WriteVerbose($"{name}: from {secret.Source} ({secret.Location}), {secret.Length} characters; set in {string.Join(", ", secret.Sources)}.");
                if (secret.Conflict)
                    WriteWarning($"{name}: {string.Join(" and ", secret.Differing)} set{(secret.Differing.Count == 1 ? "s" : string.Empty)} a different value than {secret.Source} ({secret.Location}), which is used" +
                        (secret.Source == SecretSource.Environment ? " (as in Docker Compose, the shell environment overrides the .env file)" : string.Empty) +
                        ". Make them agree, or unset the one that is stale.");
                if (AsCredentialFor != null) WriteObject(secret.ToCredential(AsCredentialFor));
                else WriteObject(secret);
            }
        }

        private bool VaultAvailable()
        {
            if (NoVault) return false;
            if (_vaultAvailable == null)
            {
                var found = InvokeCommand.InvokeScript("@(Get-Command -Name Get-Secret -Module Microsoft.PowerShell.SecretManagement -ErrorAction Ignore).Count");
                _vaultAvailable = found.Count > 0 && found[0]?.BaseObject is int n && n > 0;
                if (_vaultAvailable == false && Vault != null)
                    Fail("PlatformSecretVaultUnavailable", ErrorCategory.NotInstalled, Vault,
                        "-Vault was given but Microsoft.PowerShell.SecretManagement is not installed. Install-Module Microsoft.PowerShell.SecretManagement, or drop -Vault.");
            }
            return _vaultAvailable == true;
        }

        private (SecureString?, string?) FromVault(string name)
        {
            var script = Vault == null
                ? "param($n) $info = Get-SecretInfo -Name $n -ErrorAction Ignore | Select-Object -First 1; if ($info) { $info.VaultName; Get-Secret -Name $n -Vault $info.VaultName -ErrorAction Ignore }"
                : "param($n, $v) $v; Get-Secret -Name $n -Vault $v -ErrorAction Ignore";
            var sb = InvokeCommand.NewScriptBlock(script);
            var output = Vault == null ? sb.Invoke(name) : sb.Invoke(name, Vault);
            if (output.Count < 2) return (null, null);
            var vaultName = output[0]?.BaseObject as string;
            var value = output[1]?.BaseObject switch
            {
                SecureString s => s,
                string s => Common.Sensitive.ToSecureString(s),
                PSCredential c => c.Password,
                _ => null,
            };
            return (value, vaultName);
        }
    }
}

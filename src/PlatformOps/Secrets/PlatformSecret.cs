using System;
using System.Collections.Generic;
using System.Security;

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
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using System.Diagnostics;
using PlatformOps.Common;
using PlatformOps.Secrets.Gitleaks;
using PlatformOps.Secrets.Rules;

namespace PlatformOps.Secrets
{
    /// <summary>The repository's gitleaks configuration and .gitleaksignore, as the scan's rules and suppressions.</summary>
    internal sealed partial class SecretScanner
    {
        /// <summary>The explicit configuration, else the repository's (or the first scanned folder's) .gitleaks.toml and .gitleaksignore.</summary>
        private void LoadConfiguration()
        {
            var root = Repository?.Root ?? _roots.Select(r => Directory.Exists(r.Key) ? r.Key : Path.GetDirectoryName(r.Key)).FirstOrDefault();
            var config = _options.ConfigPath;
            if (config == null && _options.UseRepositoryConfig && root != null)
            {
                config = GitleaksConfig.FindIn(root);
            }
            if (config != null)
            {
                Rules = GitleaksConfig.Load(config).ToRuleSet();
                ConfigFile = Path.GetFullPath(config);
            }
            if (_options.UseRepositoryConfig && root != null) Ignored = GitleaksIgnore.Load(Path.Combine(root, ".gitleaksignore"));
        }

        /// <summary>Findings .gitleaksignore names (by fingerprint, with or without the commit) are dropped.</summary>
        private bool IsIgnored(SecretFinding f)
        {
            if (Ignored.Count == 0) return false;
            var commit = f.Commit != null ? f.Commit + ":" : string.Empty;
            if (GitleaksAliases.IdsOf(f.Rule).Any(id => Ignored.Contains(commit + f.RelativePath + ":" + id + ":" + f.Line) || Ignored.Contains(f.RelativePath + ":" + id + ":" + f.Line)))
            {
                Interlocked.Increment(ref _ignoredCount);
                return true;
            }
            return false;
        }
    }
}

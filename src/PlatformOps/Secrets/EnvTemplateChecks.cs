using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PlatformOps.Common;

namespace PlatformOps.Secrets
{
    /// <summary>The env template checks: EnvExampleExists, EnvExampleKeys, EnvExampleValues.</summary>
    internal static partial class SecretHygieneChecker
    {
        private static IEnumerable<SecretHygieneCheck> EnvExample(string envPath, string examplePath)
        {
            var hasEnv = File.Exists(envPath);
            if (!File.Exists(examplePath))
            {
                yield return Result("EnvExampleExists", hasEnv ? Verdict.Fail : Verdict.Warn, examplePath,
                    hasEnv ? "there is an env file but no template listing its keys" : "no env template", null,
                    "Write it with: New-PlatformEnvTemplate -Path " + envPath);
                yield break;
            }
            yield return Result("EnvExampleExists", Verdict.Pass, examplePath, "the env template exists");
            var example = EnvFile.Read(examplePath);
            if (hasEnv)
            {
                var env = EnvFile.Read(envPath);
                var envKeys = new HashSet<string>(env.Keys, StringComparer.Ordinal);
                var exampleKeys = new HashSet<string>(example.Keys, StringComparer.Ordinal);
                var missing = envKeys.Where(k => !exampleKeys.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
                var extra = exampleKeys.Where(k => !envKeys.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
                var evidence = missing.Select(k => $"{k}: in {Path.GetFileName(envPath)}, missing from {Path.GetFileName(examplePath)}")
                    .Concat(extra.Select(k => $"{k}: in {Path.GetFileName(examplePath)}, not in {Path.GetFileName(envPath)}"));
                if (missing.Count > 0)
                    yield return Result("EnvExampleKeys", Verdict.Fail, examplePath, $"{missing.Count} key(s) of the env file are missing from the template", evidence,
                        "Regenerate it: New-PlatformEnvTemplate -Force");
                else if (extra.Count > 0)
                    yield return Result("EnvExampleKeys", Verdict.Warn, examplePath, $"the template has {extra.Count} key(s) the env file lacks", evidence,
                        "Set them in the env file, or drop them from the template.");
                else
                    yield return Result("EnvExampleKeys", Verdict.Pass, examplePath, $"same {envKeys.Count} keys as the env file");

                yield return TemplateValues(example, env, examplePath);
            }
            else
            {
                yield return TemplateValues(example, null, examplePath);
            }
        }

        /// <summary>
        /// EnvExampleValues: the template scanned whole with the secret engine (a private key's body is found even when
        /// it sits on lines that are not entries), lines that are not entries, values equal to the env file's secrets,
        /// and any line of a secret of the env file (a multi-line value) found in the template.
        /// </summary>
        private static SecretHygieneCheck TemplateValues(EnvFile example, EnvFile? env, string examplePath)
        {
            var real = new List<string>();
            string text;
            try { text = File.ReadAllText(examplePath); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { text = string.Empty; }
            foreach (var f in ContentScanner.Scan(text, ContentScanner.KindOf(examplePath)))
                real.Add($"line {f.Line}: {f.Rule}" + (f.Key != null ? $" ({f.Key})" : string.Empty));
            foreach (var p in example.Problems)
                real.Add($"line {p.Number}: {p.Problem} (the body of a multi-line value?)");
            foreach (var line in example.Entries)
            {
                var v = line.Value;
                if (v.Length == 0 || SecretText.IsPlaceholder(v) || SecretText.IsReference(v)) continue;
                var envValue = env?.Find(line.Key!)?.Value;
                var secretName = SecretText.ClassifyName(line.Key!) != SecretNameKind.None;
                if ((secretName && envValue != null && envValue == v && v.Length >= 6)
                    || ContentScanner.Scan(line.Key + "=" + v, FileKind.Config).Count > 0)
                    real.Add($"{line.Key} (line {line.Number})");
            }
            if (env != null)
            {
                foreach (var entry in env.Entries.Where(e => e.Value.IndexOf('\n') >= 0 && SecretText.ClassifyName(e.Key!) != SecretNameKind.None))
                {
                    var pieces = entry.Value.Split('\n').Select(x => x.Trim()).Where(x => x.Length >= 16 && !x.StartsWith("-----", StringComparison.Ordinal)).ToList();
                    if (pieces.Any(x => text.IndexOf(x, StringComparison.Ordinal) >= 0))
                        real.Add($"{entry.Key}: lines of its multi-line value are in the template");
                }
            }
            real = real.Distinct(StringComparer.Ordinal).ToList();
            return real.Count > 0
                ? Result("EnvExampleValues", Verdict.Fail, examplePath, $"{real.Count} value(s) or line(s) in the template look real", real,
                    "Replace them with placeholders (New-PlatformEnvTemplate -Force) and rotate them if the template was ever committed.")
                : Result("EnvExampleValues", Verdict.Pass, examplePath, "no real values: placeholders, empty values or references only");
        }
    }
}

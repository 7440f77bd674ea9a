<#
.SYNOPSIS
    Benchmark (not a test): Find-PlatformSecret over a generated tree of 50,000 files / ~500 MB, against `grep -rE` and
    `git grep --no-index -E` with the same patterns (and gitleaks when installed). Prints files per second and ratios.
.DESCRIPTION
    The tree is made of realistic text files (Python, JS, YAML, JSON, Markdown, shell, env) with a few planted secrets.
    Find-PlatformSecret and grep run -Rounds times, interleaved, on a warm page cache; the fastest run of each counts
    (git grep, much slower here, runs once). grep runs with LC_ALL=C (its fastest mode).
    The ERE patterns are the scanner's rules written for grep; grep cannot apply the scanner's placeholder and entropy
    checks, so it reports more lines (that is work PlatformOps does and grep does not).
.EXAMPLE
    dotnet pwsh tests/benchmarks/Secret-Scan.ps1 -ModulePath out/PlatformOps/PlatformOps.psd1
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PlatformOps/PlatformOps.psd1'),
    [string] $Tree = (Join-Path ([System.IO.Path]::GetTempPath()) 'platformops-secret-bench'),
    [int] $Files = 50000,
    [int] $TotalMB = 500,
    [int] $Rounds = 3,
    [switch] $Keep
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

function New-Tree {
    if ((Test-Path $Tree) -and (Get-ChildItem $Tree -Recurse -File | Measure-Object).Count -eq $Files) { return }
    Remove-Item -Recurse -Force $Tree -ErrorAction Ignore
    Add-Type -TypeDefinition @'
using System;
using System.IO;
using System.Text;
public static class SecretBenchTree
{
    public static void Write(string root, int files, long totalBytes)
    {
        var rng = new Random(42);
        string[] words = { "user", "order", "item", "price", "total", "service", "request", "response", "config", "value", "result",
            "count", "index", "name", "status", "cache", "queue", "worker", "handler", "client", "session", "payload", "message", "event" };
        Func<string, string, int, string>[] kinds =
        {
            (a, b, n) => $"def {a}_{b}(self, {b}, limit={n}):",
            (a, b, n) => $"    return self.{a}.get('{b}', {n})",
            (a, b, n) => $"const {a}{b} = await fetch(`/api/{a}/{n}`);",
            (a, b, n) => $"  {a}_{b}: {n}",
            (a, b, n) => $"  \"{a}\": {{ \"{b}\": {n}, \"enabled\": true }},",
            (a, b, n) => $"The {a} {b} is retried {n} times before the worker gives up.",
            (a, b, n) => $"if [ -n \"${a.ToUpperInvariant()}_{b.ToUpperInvariant()}\" ]; then echo {n}; fi",
            (a, b, n) => $"# {a} -> {b}: see ticket {n}",
        };
        var blocks = new byte[40][];
        for (var i = 0; i < blocks.Length; i++)
        {
            var sb = new StringBuilder();
            while (sb.Length < 1024) sb.Append(kinds[rng.Next(kinds.Length)](words[rng.Next(words.Length)], words[rng.Next(words.Length)], rng.Next(1000))).Append('\n');
            blocks[i] = Encoding.UTF8.GetBytes(sb.ToString());
        }
        string[] exts = { ".py", ".js", ".yaml", ".json", ".md", ".sh", ".ts", ".txt", ".env", ".ps1" };
        const string alnum = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var avgBlocks = (int)Math.Max(1, totalBytes / files / 1024);
        var secretEvery = Math.Max(1, files / 50);
        var buffer = new MemoryStream();
        for (var i = 0; i < files; i++)
        {
            var d = i % 500;
            var dir = Path.Combine(root, $"pkg{d % 100:000}", $"sub{d / 100}");
            Directory.CreateDirectory(dir);
            buffer.SetLength(0);
            var n = Math.Max(1, avgBlocks + rng.Next(-avgBlocks / 2, avgBlocks / 2 + 1));
            for (var j = 0; j < n; j++) { var b = blocks[rng.Next(blocks.Length)]; buffer.Write(b, 0, b.Length); }
            if (i % secretEvery == 7)
            {
                var token = new StringBuilder("gh").Append("p_");
                for (var k = 0; k < 36; k++) token.Append(alnum[rng.Next(alnum.Length)]);
                var line = Encoding.UTF8.GetBytes("GITHUB_TOKEN=" + token + "\n");
                buffer.Write(line, 0, line.Length);
            }
            File.WriteAllBytes(Path.Combine(dir, $"file{i:00000}{exts[i % exts.Length]}"), buffer.ToArray());
        }
    }
}
'@
    [SecretBenchTree]::Write($Tree, $Files, [long]$TotalMB * 1MB)
}

$patterns = @(
    '-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY'
    '(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}'
    'gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}'
    'glpat-[A-Za-z0-9_-]{20,}'
    'xox[abposr]-[A-Za-z0-9-]{10,250}'
    'hooks\.slack\.com/(services|workflows)/[A-Za-z0-9+/_-]{20,}'
    '[sr]k_live_[0-9a-zA-Z]{20,247}'
    'AIza[0-9A-Za-z_-]{35}'
    'sk-(ant-(api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}|(proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}|proj-[A-Za-z0-9_-]{48,})'
    'hf_[A-Za-z0-9]{34,}'
    'npm_[A-Za-z0-9]{36}'
    'SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}'
    '[Aa][Cc][Cc][Oo][Uu][Nn][Tt][Kk][Ee][Yy]=[A-Za-z0-9+/]{86}=='
    'eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}'
    '[Bb][Aa][Ss][Ii][Cc][[:space:]]+[A-Za-z0-9+/]{12,}={0,2}'
    '[Bb][Ee][Aa][Rr][Ee][Rr][[:space:]]+[A-Za-z0-9._~+/-]{20,}'
    '[Cc]onvert[Tt]o-[Ss]ecure[Ss]tring[[:space:]]+(-[Ss]tring[[:space:]]+)?["''][^"'']{4,}["''][[:space:]]+-[Aa]s[Pp]lain[Tt]ext'
    '[A-Za-z][A-Za-z0-9+.-]{0,30}://[^[:space:]:/@''"]{1,128}:[^[:space:]@/''"]{1,256}@'
    '([Pp][Aa][Ss][Ss]|[Pp][Ww][Dd]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Tt][Oo][Kk][Ee][Nn]|[Kk][Ee][Yy]|[Cc][Rr][Ee][Dd][Ee][Nn][Tt][Ii][Aa][Ll])[A-Za-z0-9_.-]*["'']?[[:space:]]*(=|:[[:space:]])[[:space:]]*[^[:space:]]'
)
$patternFile = Join-Path ([System.IO.Path]::GetTempPath()) 'platformops-secret-bench.patterns'
Set-Content -Path $patternFile -Value $patterns

# The same rules grep -P can read: every built-in rule's own pattern (taken from the loaded module), names and
# back-references taken out, joined into one alternation (grep -P takes a single pattern).
$asm = (Get-Module PlatformOps).ImplementingAssembly
$builtIn = $asm.GetType('PlatformOps.Secrets.RuleSet').GetMethod('BuiltIn').Invoke($null, @())
$pcre = foreach ($rule in $builtIn) {
    $p = $rule.Pattern -replace '\(\?<([A-Za-z]\w*)>', '(?:' -replace '\\k<\w+>', ''
    $p = $p -replace '\(\?(i)?\)', '' -replace '\A', '^' -replace '\z', '$'
    if ($rule.Options -band [System.Text.RegularExpressions.RegexOptions]::IgnoreCase) { $p = "(?i:$p)" }
    "(?:$p)"
}
# grep's PCRE refuses one pattern of all rules ("regular expression is too large"): chunks of 20 rules, one grep each,
# and the time is their sum (what a grep-based scanner with these rules would spend).
$pcreChunks = for ($i = 0; $i -lt $pcre.Count; $i += 20) { '(?m)' + ($pcre[$i..([math]::Min($i + 19, $pcre.Count - 1))] -join '|') }
Write-Host ("{0} built-in rules as {1} PCRE patterns for grep -P" -f @($builtIn).Count, @($pcreChunks).Count)

Write-Host "Generating $Files files (~$TotalMB MB) in $Tree ..."
$gen = Measure-Command { New-Tree }
$stats = Get-ChildItem $Tree -Recurse -File | Measure-Object Length -Sum
$mb = $stats.Sum / 1MB
Write-Host ("Tree: {0} files, {1:0} MB (generated in {2:0} s)" -f $stats.Count, $mb, $gen.TotalSeconds)

# The machine may be shared: runs are interleaved (PlatformOps, grep, PlatformOps, grep, ...) and the best of each counts.
$env:LC_ALL = 'C'
$runs = @{ po = @(); grep = @(); grepP = @() }
$poHits = 0; $grepHits = 0
for ($r = 1; $r -le $Rounds; $r++) {
    $sw = [System.Diagnostics.Stopwatch]::StartNew(); $poHits = @(Find-PlatformSecret -Path $Tree).Count; $sw.Stop(); $runs.po += $sw.Elapsed.TotalSeconds
    $sw = [System.Diagnostics.Stopwatch]::StartNew(); $grepHits = (& grep -rIEn -f $patternFile $Tree | Measure-Object -Line).Lines; $sw.Stop(); $runs.grep += $sw.Elapsed.TotalSeconds
    $sw = [System.Diagnostics.Stopwatch]::StartNew(); $grepPHits = 0; foreach ($chunk in $pcreChunks) { $grepPHits += (& grep -rIPn -e $chunk $Tree | Measure-Object -Line).Lines }; $sw.Stop(); $runs.grepP += $sw.Elapsed.TotalSeconds
    Write-Host ("round {0}: Find-PlatformSecret {1:0.00} s, grep -rIE (0.1.0 patterns) {2:0.00} s, grep -rIP (all {3} rules) {4:0.00} s" -f $r, $runs.po[-1], $runs.grep[-1], @($builtIn).Count, $runs.grepP[-1])
}
$results = [System.Collections.Generic.List[object]]::new()
$results.Add([pscustomobject]@{ Tool = 'Find-PlatformSecret'; Seconds = ($runs.po | Measure-Object -Minimum).Minimum; Hits = $poHits })
$results.Add([pscustomobject]@{ Tool = 'grep -rIEn (LC_ALL=C)'; Seconds = ($runs.grep | Measure-Object -Minimum).Minimum; Hits = $grepHits })
$results.Add([pscustomobject]@{ Tool = 'grep -rIPn, every rule (LC_ALL=C)'; Seconds = ($runs.grepP | Measure-Object -Minimum).Minimum; Hits = $grepPHits })
$sw = [System.Diagnostics.Stopwatch]::StartNew()
Push-Location $Tree
try { $gitHits = (& git grep --no-index -I -n -E -f $patternFile -- . | Measure-Object -Line).Lines } finally { Pop-Location }
$sw.Stop()
$results.Add([pscustomobject]@{ Tool = 'git grep --no-index -E (one run)'; Seconds = $sw.Elapsed.TotalSeconds; Hits = $gitHits })
Remove-Item Env:LC_ALL
if (Get-Command gitleaks -ErrorAction Ignore) {
    $sw = [System.Diagnostics.Stopwatch]::StartNew(); & gitleaks dir $Tree --no-banner --report-path /dev/null 2>&1 | Out-Null; $sw.Stop()
    $results.Add([pscustomobject]@{ Tool = 'gitleaks dir (one run)'; Seconds = $sw.Elapsed.TotalSeconds; Hits = 'n/a' })
}
$grep = $results[1]; $po = $results[0]

$baseline = $results[0].Seconds
$results | ForEach-Object {
    [pscustomobject]@{
        Tool          = $_.Tool
        Seconds       = [math]::Round($_.Seconds, 2)
        'Files/s'     = [math]::Round($stats.Count / $_.Seconds)
        'MB/s'        = [math]::Round($mb / $_.Seconds, 1)
        'vs PlatformOps' = '{0:0.00}x' -f ($_.Seconds / $baseline)
        Hits          = $_.Hits
    }
} | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
Write-Host ("Ratio grep -E/PlatformOps time: {0:0.00}; grep -P (same rules)/PlatformOps: {1:0.00} (above 1 means PlatformOps is faster)" -f ($grep.Seconds / $po.Seconds), ($results[2].Seconds / $po.Seconds))
if (-not $Keep) { Remove-Item -Recurse -Force $Tree }

<#
.SYNOPSIS
    Benchmarks for the readiness checklist (not a test): prints the figures and ratios for docs/performance.md.
.DESCRIPTION
    1. Test-PlatformReadiness on the 19-container lab, the whole checklist with every item probed in parallel:
       in a fresh pwsh (the first call pays for JIT and connections) and warm in one session (median).
       Goal: under 5 s.
    2. The same checklist with its items run one after another (the engine with MaxParallelism 1, the same shared
       probes), against every item at once: the ratio shows what probing in parallel buys.
    2b. The same comparison when a service, a monitoring endpoint and a TLS endpoint hang (accept, never answer):
       the checklist then lasts as long as its slowest probe, not as long as their sum.
    3. Export-PlatformReport to HTML, Markdown and Prometheus from the same rows (the cost of rendering alone).
    Needs the Docker lab: dotnet pwsh ./build.ps1 -Task LabUp
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build; dotnet pwsh tests/benchmarks/Readiness.Benchmark.ps1
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PlatformOps/PlatformOps.psd1'),
    [int] $Repeat = 5
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$labRoot = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor(($s.Count - 1) / 2)] }
function Time([scriptblock] $b) { $sw = [Diagnostics.Stopwatch]::StartNew(); & $b | Out-Null; $sw.Elapsed.TotalMilliseconds }

# A copy of the lab profile with the repository's runbooks and a state folder of its own.
$work = Join-Path ([IO.Path]::GetTempPath()) ('platformops-readiness-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $work
$p = Get-Content (Join-Path $labRoot 'lab.profile.json') -Raw | ConvertFrom-Json -AsHashtable
$p.Readiness = @{ RunbooksPath = (Join-Path $repo 'docs/runbooks'); StatePath = (Join-Path $work 'state'); RepositoryPath = $repo }
$profilePath = Join-Path $work 'bench.profile.json'
$p | ConvertTo-Json -Depth 8 | Set-Content $profilePath

try {
    Import-Module $ModulePath
    Import-PlatformProfile $profilePath
    $null = Wait-PlatformHealthy -WaitSec 90 -IntervalSec 1

    # --- 1. The whole checklist: fresh process, then warm ---------------------------------------------------------
    $coldScript = "Import-Module '$ModulePath'; Import-PlatformProfile '$profilePath'; `$sw = [Diagnostics.Stopwatch]::StartNew(); `$null = Test-PlatformReadiness; `$sw.Elapsed.TotalMilliseconds"
    $cold = 1..3 | ForEach-Object { [double](& $pwsh -NoProfile -NonInteractive -c $coldScript | Select-Object -Last 1) }
    $null = Test-PlatformReadiness
    $warm = 1..$Repeat | ForEach-Object { Time { Test-PlatformReadiness } }
    $rows = Test-PlatformReadiness
    $measured = @($rows | Where-Object Status -NE 'Skipped').Count
    $slowest = $rows | Sort-Object DurationMs -Descending | Select-Object -First 3 | ForEach-Object { '{0} {1:0} ms' -f $_.Id, $_.DurationMs }
    "Test-PlatformReadiness, 19-container lab ($($rows.Count) items, $measured measured): first call in a fresh pwsh median {0:0} ms (of 3: {1}); warm median {2:0} ms (goal < 5000 ms). Slowest items warm: {3}" -f `
        (Median $cold), (($cold | ForEach-Object { '{0:0}' -f $_ }) -join ', '), (Median $warm), ($slowest -join ', ')

    # --- 2. The same checklist, one item after another -------------------------------------------------------
    # The engine with MaxParallelism 1: the same items and the same shared probes, but each waits for the one before.
    $profileObject = Get-PlatformProfile -Path $profilePath
    function Invoke-Checklist([int] $Parallelism) {
        $plan = [PlatformOps.Readiness.ReadinessPlan]::Create($profileObject, [TimeSpan]::FromSeconds(5))
        $plan.SaveState = $false
        if ($Parallelism -gt 0) { $plan.MaxParallelism = $Parallelism }
        [PlatformOps.Readiness.ReadinessEngine]::RunAsync($plan, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
    }
    # A scheduled task always meets the first call: the same comparison in fresh processes.
    $coldOne = 'param($n) Import-Module ''{0}''; $p = Get-PlatformProfile -Path ''{1}''; $plan = [PlatformOps.Readiness.ReadinessPlan]::Create($p, [TimeSpan]::FromSeconds(5)); $plan.SaveState = $false; if ($n -gt 0) {{ $plan.MaxParallelism = $n }}; $sw = [Diagnostics.Stopwatch]::StartNew(); $null = [PlatformOps.Readiness.ReadinessEngine]::RunAsync($plan, [Threading.CancellationToken]::None).GetAwaiter().GetResult(); $sw.Elapsed.TotalMilliseconds' -f $ModulePath, $profilePath
    $coldSequential = 1..3 | ForEach-Object { [double](& $pwsh -NoProfile -NonInteractive -c "& {$coldOne} 1" | Select-Object -Last 1) }
    $coldParallel = 1..3 | ForEach-Object { [double](& $pwsh -NoProfile -NonInteractive -c "& {$coldOne} 0" | Select-Object -Last 1) }
    "First call in a fresh pwsh: one item after another median {0:0} ms, every item at once median {1:0} ms; ratio {2:0.0}x" -f `
        (Median $coldSequential), (Median $coldParallel), ((Median $coldSequential) / (Median $coldParallel))
    $null = Invoke-Checklist 1
    $sequential = 1..$Repeat | ForEach-Object { Time { Invoke-Checklist 1 } }
    $parallel = 1..$Repeat | ForEach-Object { Time { Invoke-Checklist 0 } }
    $sum = (Invoke-Checklist 1).Checks | Measure-Object DurationMs -Sum
    "The checklist one item after another: median {0:0} ms; every item at once: median {1:0} ms; ratio {2:0.0}x (the items' own times add up to {3:0} ms)" -f `
        (Median $sequential), (Median $parallel), ((Median $sequential) / (Median $parallel)), $sum.Sum

    # --- 2b. When parts hang: a service, a monitoring endpoint and a TLS endpoint that accept and never answer ----
    # A listener that never accepts: the kernel completes the handshake, the request waits for the 2 s timeout.
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try {
        $hungPort = $listener.LocalEndpoint.Port
        $h = Get-Content $profilePath -Raw | ConvertFrom-Json -AsHashtable
        $h.Services += @{ Name = 'hung-service'; Url = "http://127.0.0.1:$hungPort/health" }
        $h.Monitoring += @{ Name = 'hung-exporter'; Url = "http://127.0.0.1:$hungPort/metrics" }
        $h.Readiness.TlsEndpoints = @("127.0.0.1:$hungPort")
        $hungPath = Join-Path $work 'hung.profile.json'
        $h | ConvertTo-Json -Depth 8 | Set-Content $hungPath
        $hungProfile = Get-PlatformProfile -Path $hungPath
        function Invoke-Hung([int] $Parallelism) {
            $plan = [PlatformOps.Readiness.ReadinessPlan]::Create($hungProfile, [TimeSpan]::FromSeconds(2))
            $plan.SaveState = $false
            if ($Parallelism -gt 0) { $plan.MaxParallelism = $Parallelism }
            [PlatformOps.Readiness.ReadinessEngine]::RunAsync($plan, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
        }
        $hungSequential = 1..3 | ForEach-Object { Time { Invoke-Hung 1 } }
        $hungParallel = 1..3 | ForEach-Object { Time { Invoke-Hung 0 } }
        $failed = @((Invoke-Hung 0).Checks | Where-Object Status -EQ 'Fail' | ForEach-Object Id) -join ', '
        "Three parts that hang (2 s timeout each; Fail: $failed): one item after another median {0:0} ms, every item at once median {1:0} ms; ratio {2:0.0}x" -f `
            (Median $hungSequential), (Median $hungParallel), ((Median $hungSequential) / (Median $hungParallel))
    }
    finally {
        $listener.Stop()
    }

    # --- 3. Rendering the reports -------------------------------------------------------------------------------
    $html = Join-Path $work 'r.html'; $md = Join-Path $work 'r.md'; $prom = Join-Path $work 'r.prom'
    $render = @{
        Html       = 1..$Repeat | ForEach-Object { Time { $rows | Export-PlatformReport -Path $html } }
        Markdown   = 1..$Repeat | ForEach-Object { Time { $rows | Export-PlatformReport -Path $md } }
        Prometheus = 1..$Repeat | ForEach-Object { Time { $rows | Export-PlatformReport -Path $prom } }
    }
    "Export-PlatformReport from the rows (median): HTML {0:0} ms ({1:0} KB), Markdown {2:0} ms ({3:0} KB), Prometheus {4:0} ms ({5} samples)" -f `
        (Median $render.Html), ((Get-Item $html).Length / 1KB), (Median $render.Markdown), ((Get-Item $md).Length / 1KB),
        (Median $render.Prometheus), @(Get-Content $prom | Where-Object { $_ -notmatch '^#' }).Count
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

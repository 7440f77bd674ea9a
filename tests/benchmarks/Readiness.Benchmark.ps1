<#
.SYNOPSIS
    Benchmarks for the readiness checklist (not a test): prints the figures and ratios for docs/performance.md.
.DESCRIPTION
    1. Test-PlatformReadiness on the 19-container lab, the whole checklist with every item probed in parallel:
       in a fresh pwsh (the first call pays for JIT and connections) and warm in one session (median).
       Goal: under 5 s.
    2. The same measurements made one after another with the cmdlets an operator would call for them
       (Get-PlatformContainer, Test-PlatformService for services and monitoring, Get-PlatformPostgresStatus,
       Get-PlatformRedisStatus, and the capability cmdlets this build has), warm in the same session: the ratio
       shows what probing in parallel and asking each server once buys.
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
$p.Readiness = @{ RunbooksPath = (Join-Path $repo 'docs/runbooks'); StatePath = (Join-Path $work 'state') }
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

    # --- 2. The same probes one after another ------------------------------------------------------------------
    $one = {
        $null = Get-PlatformContainer
        $null = Test-PlatformService -IncludeMonitoring
        $null = Get-PlatformPostgresStatus
        $null = Get-PlatformRedisStatus -WarningAction SilentlyContinue
        if (Get-Command Get-PlatformWalStatus -ErrorAction Ignore) { $null = Get-PlatformWalStatus }
        if (Get-Command Get-PlatformBackup -ErrorAction Ignore) { $null = Get-PlatformBackup -ErrorAction SilentlyContinue }
        if (Get-Command Test-DbRole -ErrorAction Ignore) { $null = Test-DbRole -ErrorAction SilentlyContinue }
        if (Get-Command Test-PlatformCertificate -ErrorAction Ignore) { $null = Test-PlatformCertificate -Server 127.0.0.1 -Port 55432 -ErrorAction SilentlyContinue }
    }
    & $one
    $sequential = 1..$Repeat | ForEach-Object { Time $one }
    "The same probes one cmdlet after another (warm): median {0:0} ms; Test-PlatformReadiness {1:0} ms; ratio {2:0.0}x" -f `
        (Median $sequential), (Median $warm), ((Median $sequential) / (Median $warm))

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

<#
.SYNOPSIS
    What Import-Module PlatformOps costs, with its dependencies in their own AssemblyLoadContext (issue 9 item 15).
.DESCRIPTION
    In fresh pwsh processes, interleaved so that every variant sees the same machine load:
      bare      pwsh -NoProfile -c 1
      direct    the same module folder with bin/PlatformOps.dll as its root module (the 0.1.0 way: default context)
      loader    the module as built (PlatformOps.psm1 -> PlatformOps.LoadContext.dll -> private context)
    Prints, per variant, the median process time and the median of Measure-Command { Import-Module } inside the
    process, and what the loader adds over the direct import. No lab needed.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build; dotnet pwsh tests/benchmarks/Import.Benchmark.ps1
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PlatformOps/PlatformOps.psd1'),
    [int] $Repeat = 15
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor(($s.Count - 1) / 2)] }

# The direct variant: a copy of the module whose manifest imports bin/PlatformOps.dll itself.
$direct = Join-Path ([IO.Path]::GetTempPath()) ("platformops-import-bench-{0}/PlatformOps" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $direct
Copy-Item (Join-Path (Split-Path $ModulePath) '*') $direct -Recurse
$manifest = Join-Path $direct 'PlatformOps.psd1'
(Get-Content $manifest -Raw) -replace "RootModule\s*=\s*'PlatformOps.psm1'", "RootModule = 'bin/PlatformOps.dll'" | Set-Content $manifest -NoNewline

$variants = [ordered]@{ bare = $null; direct = $manifest; loader = $ModulePath }
$process = @{}; $inside = @{}
foreach ($k in $variants.Keys) { $process[$k] = [Collections.Generic.List[double]]::new(); $inside[$k] = [Collections.Generic.List[double]]::new() }
try {
    foreach ($i in 1..$Repeat) {
        foreach ($k in $variants.Keys) {
            $command = if ($variants[$k]) { "(Measure-Command { Import-Module '$($variants[$k])' }).TotalMilliseconds" } else { '0' }
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ms = & $pwsh -NoProfile -NonInteractive -c $command
            $process[$k].Add($sw.Elapsed.TotalMilliseconds); $inside[$k].Add([double]$ms)
        }
    }
}
finally { Remove-Item (Split-Path $direct) -Recurse -Force }

foreach ($k in $variants.Keys) {
    "{0,-7} process median {1,6:0} ms   Import-Module median {2,5:0} ms" -f $k, (Median $process[$k]), (Median $inside[$k])
}
"The loader adds {0:0} ms to Import-Module over the direct import (process: {1:0} ms); Import-Module of the built module: {2:0} ms (goal < 150 ms). Load average: {3}" -f `
    ((Median $inside.loader) - (Median $inside.direct)), ((Median $process.loader) - (Median $process.direct)), (Median $inside.loader), ((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ')[0..2]

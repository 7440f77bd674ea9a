#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests and demonstrates PlatformOps, and starts or stops its lab platform.
.DESCRIPTION
    Tasks:
      Build    compile the module and lay it out in out/PlatformOps from an allow-list, with MAML help from docs/
      Test     Build, start the lab (Docker and plain mode), run xUnit and Pester, print "N passed, N failed"
      Demo     Build, start the lab, run the health cmdlets as an operator would, stop the lab
      LabUp    start the lab (-NoDocker: PostgreSQL and Redis as plain processes)
      LabDown  stop the lab
      Bench    run the benchmark scripts in tests/benchmarks
      Clean    remove out/ and the build folders
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'LabUp', 'LabDown', 'Bench', 'Clean')]
    [string[]] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # Lab in plain mode only (no Docker engine).
    [switch] $NoDocker,
    # Leave the lab running after Test or Demo.
    [switch] $KeepLab,
    # Pester tags or xUnit traits to skip, e.g. -ExcludeTag Docker.
    [string[]] $ExcludeTag = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'PlatformOps'
$Lab = Join-Path $Root 'tests/lab/lab.sh'
$LabRoot = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
# The pwsh that runs this script (a dotnet tool: its apphost sits in $PSHOME).
$Pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })

function Write-Step([string] $Text) { Write-Host "==> $Text" -ForegroundColor Cyan }

function Get-Version {
    ([xml](Get-Content (Join-Path $Root 'Directory.Build.props') -Raw)).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
}

function Invoke-Native([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    $version = Get-Version
    Write-Step "Building PlatformOps $version ($Configuration)"
    Invoke-Native dotnet @('build', (Join-Path $Root 'src/PlatformOps/PlatformOps.csproj'), '-c', $Configuration, '-nologo', '-v', 'q', '-clp:NoSummary')
    Invoke-Native dotnet @('build', (Join-Path $Root 'src/PlatformOps.LoadContext/PlatformOps.LoadContext.csproj'), '-c', $Configuration, '-nologo', '-v', 'q', '-clp:NoSummary')
    $bin = Join-Path $Root "src/PlatformOps/bin/$Configuration/netstandard2.0"
    $loader = Join-Path $Root "src/PlatformOps.LoadContext/bin/$Configuration/net8.0/PlatformOps.LoadContext.dll"

    # The module folder is built from an allow-list: the manifest, the root module, the loader, Invoke-PlatformTest's
    # runner script, format files, help;
    # PlatformOps.dll, its dependencies and its MAML help in bin/ (PowerShell 7 loads bin/ into a private
    # AssemblyLoadContext; Windows PowerShell imports bin/PlatformOps.dll directly). Nothing else.
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $moduleBin = Join-Path $ModuleOut 'bin'
    $null = New-Item -ItemType Directory -Path $ModuleOut, (Join-Path $ModuleOut 'en-US'), $moduleBin, (Join-Path $moduleBin 'en-US')
    Get-ChildItem $bin -Filter *.dll | Where-Object Name -NE 'System.Management.Automation.dll' | Copy-Item -Destination $moduleBin
    Copy-Item $loader -Destination $ModuleOut
    Copy-Item (Join-Path $Root 'module/PlatformOps.psm1') -Destination $ModuleOut
    Copy-Item (Join-Path $Root 'module/Invoke-PlatformTestRunner.ps1') -Destination $ModuleOut   # Invoke-PlatformTest's child script
    Get-ChildItem (Join-Path $Root 'module') -Filter *.ps1xml | Copy-Item -Destination $ModuleOut
    Get-ChildItem (Join-Path $Root 'module/en-US') -Filter 'about_*.help.txt' -ErrorAction SilentlyContinue | Copy-Item -Destination (Join-Path $ModuleOut 'en-US')
    if (Test-Path (Join-Path $Root 'module/Acceptance')) { Copy-Item (Join-Path $Root 'module/Acceptance') -Destination $ModuleOut -Recurse }
    if (Test-Path (Join-Path $Root 'docs/runbooks')) { Copy-Item (Join-Path $Root 'docs/runbooks') -Destination $ModuleOut -Recurse }

    # One version number: the manifest is stamped from Directory.Build.props.
    $manifest = Get-Content (Join-Path $Root 'PlatformOps.psd1') -Raw
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$version'"
    Set-Content -Path (Join-Path $ModuleOut 'PlatformOps.psd1') -Value $manifest -NoNewline

    # Check the manifest against the assembly and compile docs/ into MAML, in a child process so that this one
    # never loads the DLL it may rebuild.
    Write-Step 'Compiling help from docs/ and checking the manifest'
    Invoke-Native $Pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'src/build/Build-Help.ps1'),
        '-ModulePath', $ModuleOut, '-DocsPath', (Join-Path $Root 'docs'))
    Write-Host "Module: $ModuleOut"
}

function Invoke-LabUp([switch] $TestTools) {
    if (-not (Test-Path $Lab)) { throw "The lab script $Lab is missing." }
    Invoke-Native bash (@($Lab, 'install') + $(if ($TestTools) { '--test-tools' } else { @() }))
    if (-not $NoDocker) { Invoke-Native bash @($Lab, 'up') }
    Invoke-Native bash @($Lab, 'up', '--no-docker')
}

function Invoke-LabDown {
    if (-not $NoDocker) { & bash $Lab down }
    & bash $Lab down --no-docker
}

function Get-PesterModulePath {
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $path = Join-Path $packages 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $path)) { Invoke-Native dotnet @('restore', (Join-Path $Root 'tests/PlatformOps.Tests/PlatformOps.Tests.csproj'), '-nologo', '-v', 'q') }
    if (-not (Test-Path $path)) { throw "Pester 6.2.0 was not restored to $path." }
    $path
}

function Invoke-Test {
    $results = Join-Path $Out 'TestResults'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $results
    $env:PLATFORMOPS_LAB_ROOT = $LabRoot
    if ($NoDocker) { $env:PLATFORMOPS_NO_DOCKER = '1' }
    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
    $suiteFailures = @()

    Write-Step 'xUnit'
    $trx = Join-Path $results 'xunit.trx'
    $filter = if ($ExcludeTag) { @('--filter', (($ExcludeTag | ForEach-Object { "Category!=$_" }) -join '&')) } else { @() }
    & dotnet test (Join-Path $Root 'tests/PlatformOps.Tests/PlatformOps.Tests.csproj') -c $Configuration -nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal' @filter
    $xunitExit = $LASTEXITCODE
    if (Test-Path $trx) {
        $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $totals.Passed += [int]$counters.passed
        $totals.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $totals.Skipped += [int]$counters.notExecuted
        Write-Host ("xUnit: {0} passed, {1} failed, {2} skipped" -f $counters.passed, $counters.failed, $counters.notExecuted)
    }
    if ($xunitExit -ne 0 -and -not (Test-Path $trx)) { $suiteFailures += "xUnit exited $xunitExit without results" }
    elseif ($xunitExit -ne 0 -and $totals.Failed -eq 0) { $suiteFailures += "xUnit exited $xunitExit" }

    Write-Step 'Pester (the built module in a fresh pwsh)'
    $pester = Get-PesterModulePath
    $summary = Join-Path $results 'pester-summary.json'
    $exclude = if ($ExcludeTag) { @('-ExcludeTag', ($ExcludeTag -join ',')) } else { @() }
    & $Pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1') `
        -PesterPath $pester -ModulePath (Join-Path $ModuleOut 'PlatformOps.psd1') -ResultsPath $results -SummaryPath $summary @exclude
    $pesterExit = $LASTEXITCODE
    if (Test-Path $summary) {
        $p = Get-Content $summary -Raw | ConvertFrom-Json
        if ($null -eq $p.Passed -or $null -eq $p.Failed) { $suiteFailures += 'Pester wrote a summary without counts' }
        $totals.Passed += [int]$p.Passed; $totals.Failed += [int]$p.Failed; $totals.Skipped += [int]$p.Skipped
        Write-Host ("Pester: {0} passed, {1} failed, {2} skipped" -f $p.Passed, $p.Failed, $p.Skipped)
        if ($p.Failed -eq 0 -and $pesterExit -ne 0) { $suiteFailures += "Pester exited $pesterExit" }
    }
    else { $suiteFailures += "Pester exited $pesterExit without a summary" }

    foreach ($f in $suiteFailures) { Write-Host "Suite failure: $f" -ForegroundColor Red }
    # The closing line CI reads: the totals of every suite.
    Write-Host ("{0} passed, {1} failed, {2} skipped" -f $totals.Passed, ($totals.Failed + $suiteFailures.Count), $totals.Skipped)
    if ($totals.Failed -gt 0 -or $suiteFailures) { $script:ExitCode = 1 }
}

function Invoke-Demo {
    & $Pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/lab/Demo.ps1') -ModulePath (Join-Path $ModuleOut 'PlatformOps.psd1') -LabRoot $LabRoot -NoDocker:$NoDocker
    if ($LASTEXITCODE -ne 0) { $script:ExitCode = $LASTEXITCODE }
}

$script:ExitCode = 0
foreach ($t in $Task) {
    switch ($t) {
        'Clean' { Remove-Item $Out -Recurse -Force -ErrorAction SilentlyContinue; Get-ChildItem $Root -Recurse -Directory -Include bin, obj | Remove-Item -Recurse -Force }
        'Build' { Invoke-Build }
        'LabUp' { Invoke-LabUp }
        'LabDown' { Invoke-LabDown }
        'Test' {
            Invoke-Build
            Invoke-LabUp -TestTools
            try { Invoke-Test } finally { if (-not $KeepLab -and $env:CI -ne 'true') { Write-Step 'Stopping the lab (use -KeepLab to keep it)'; Invoke-LabDown } }
        }
        'Demo' {
            Invoke-Build
            $noDockerReason = $null
            try { Invoke-LabUp }
            catch {
                if ($NoDocker) { throw }
                $noDockerReason = $_.Exception.Message
                Write-Warning "The Docker lab could not start ($noDockerReason). The demo goes on in the no-Docker mode: containers and service endpoints are skipped."
                $NoDocker = $true
                Invoke-Native bash @($Lab, 'up', '--no-docker')
            }
            try { Invoke-Demo } finally { if (-not $KeepLab) { Write-Step 'Stopping the lab'; Invoke-LabDown } }
        }
        'Bench' {
            Invoke-Build
            foreach ($b in Get-ChildItem (Join-Path $Root 'tests/benchmarks') -Filter *.ps1) {
                Write-Step "Benchmark $($b.Name)"
                & $Pwsh -NoProfile -File $b.FullName -ModulePath (Join-Path $ModuleOut 'PlatformOps.psd1')
            }
        }
    }
}
exit $script:ExitCode

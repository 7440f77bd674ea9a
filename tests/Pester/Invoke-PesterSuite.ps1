<#
.SYNOPSIS
    Runs the Pester suite against the built module in this fresh pwsh and writes a JSON summary for build.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultsPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    # Comma-separated tags to skip (a -File argument cannot carry an array).
    [string] $ExcludeTag = ''
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:PLATFORMOPS_MODULE = $ModulePath

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultsPath 'pester.xml'
if ($ExcludeTag) { $config.Filter.ExcludeTag = $ExcludeTag -split ',' }

# Whatever else a test leaks to the output stream is passed over: the run object is the one with the counts.
$result = Invoke-Pester -Configuration $config | Where-Object { $null -ne $_ -and $_.PSObject.Properties['PassedCount'] } | Select-Object -Last 1
if (-not $result) { throw 'Invoke-Pester returned no run object; the suite cannot be counted.' }
$summary = [ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
}
$summary | ConvertTo-Json | Set-Content -Path $SummaryPath
exit $summary.Failed

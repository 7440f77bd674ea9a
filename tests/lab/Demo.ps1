<#
.SYNOPSIS
    The README's demo: the health cmdlets run against the lab as an operator would, with a fault shown and healed.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $LabRoot,
    [switch] $NoDocker
)
$ErrorActionPreference = 'Stop'
$lab = Join-Path $PSScriptRoot 'lab.sh'
function Show([string] $Title, [scriptblock] $Block) {
    Write-Host ''
    Write-Host "PS> $($Block.ToString().Trim())" -ForegroundColor Yellow
    # A wide table, as an operator's terminal shows it (a child process would otherwise wrap at 80 columns).
    & $Block | Out-String -Width 180 | Write-Host
}

Import-Module $ModulePath
if ($NoDocker) {
    Write-Host 'No Docker engine: the demo runs against PostgreSQL and Redis as plain processes.' -ForegroundColor Magenta
    Write-Host 'Skipped: containers (Get-PlatformContainer), service health endpoints (Test-PlatformService), the stopped-container fault.' -ForegroundColor Magenta
    Import-PlatformProfile (Join-Path $LabRoot 'plain.profile.json')
}
else {
    Import-PlatformProfile (Join-Path $LabRoot 'lab.profile.json')
}

Show 'profile' { Get-PlatformProfile }
Show 'summary' { Get-PlatformHealth -Summary }
if (-not $NoDocker) {
    Show 'containers' { Get-PlatformContainer }
    Show 'services' { Test-PlatformService -IncludeMonitoring }
}
Show 'postgres' { Get-PlatformPostgresStatus }
Show 'redis' { Get-PlatformRedisStatus }

if (-not $NoDocker) {
    Write-Host ''
    Write-Host '--- A fault on purpose: stopping l05-planning ---' -ForegroundColor Magenta
    & bash $lab break stop-container l05-planning | Out-Null
    try {
        Show 'what is not healthy' { Get-PlatformHealth | Where-Object Status -ne 'Healthy' }
        Show 'wait, then say what is still not healthy' { Wait-PlatformHealthy -WaitSec 3 -IntervalSec 1 -ErrorAction SilentlyContinue }
    }
    finally {
        & bash $lab fix stop-container l05-planning | Out-Null
    }
    Show 'healed' { Wait-PlatformHealthy -WaitSec 60 -IntervalSec 1 }
}
$measured = Measure-Command { $null = Get-PlatformHealth }
Write-Host ''
Write-Host ("Get-PlatformHealth took {0:0} ms for {1} checks, every figure measured now." -f $measured.TotalMilliseconds, @(Get-PlatformHealth).Count) -ForegroundColor Green

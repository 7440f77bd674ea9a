<#
.SYNOPSIS
    Benchmarks for the health cmdlets (not a test): compares with the usual way in the same run and prints ratios.
.DESCRIPTION
    1. Get-PlatformHealth on the 19-container lab against the usual shell loop (docker ps, then docker inspect and
       curl per container and service, plus pg_isready and redis-cli ping).
    2. The cost of Import-Module: pwsh -NoProfile -c 'Import-Module PlatformOps' against pwsh -NoProfile -c 1.
    3. Get-PlatformHealth (containers) on 200 containers of a throwaway Compose project, created and removed here.
    Needs the Docker lab: dotnet pwsh ./build.ps1 -Task LabUp
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build; dotnet pwsh tests/benchmarks/Health.Benchmark.ps1 -ModulePath out/PlatformOps/PlatformOps.psd1
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PlatformOps/PlatformOps.psd1'),
    [int] $Repeat = 5,
    [int] $ManyContainers = 200,
    [switch] $SkipMany
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$labRoot = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
$profilePath = Join-Path $labRoot 'lab.profile.json'
$pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor(($s.Count - 1) / 2)] }
function Time([scriptblock] $b) { $sw = [Diagnostics.Stopwatch]::StartNew(); & $b | Out-Null; $sw.Elapsed.TotalMilliseconds }

Import-Module $ModulePath
Import-PlatformProfile $profilePath
$profile = Get-PlatformProfile
$null = Wait-PlatformHealthy -WaitSec 90 -IntervalSec 1

# --- 1. Get-PlatformHealth against the usual shell loop -------------------------------------------------------
$urls = @($profile.Services.Url) + @($profile.Monitoring.Url)
$shell = @"
set -e
for c in `$(docker ps -a --filter label=com.docker.compose.project=agentic --format '{{.Names}}'); do
  docker inspect --format '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}} {{.State.Health.FailingStreak}}{{end}} {{.RestartCount}} {{.State.OOMKilled}}' "`$c"
done
for u in $($urls -join ' '); do curl -s -o /dev/null -m 5 -w "%{http_code} %{time_total} `$u\n" "`$u"; done
PGPASSFILE='$($profile.Postgres.PassFile)' psql -h 127.0.0.1 -p $($profile.Postgres.Port) -U postgres -d agentic -Atc 'select version(), pg_is_in_recovery(), (select count(*) from pg_stat_activity)'
REDISCLI_AUTH="`$(cat '$($profile.Redis.PasswordFile)')" redis-cli -h 127.0.0.1 -p $($profile.Redis.Port) --no-auth-warning info persistence | grep -E 'rdb_last_bgsave_status|aof_enabled'
"@
$first = Time { Get-PlatformHealth }
$ours = 1..$Repeat | ForEach-Object { Time { Get-PlatformHealth } }
$theirs = 1..3 | ForEach-Object { Time { bash -c $shell } }
$items = @(Get-PlatformHealth).Count
$ratio = (Median $theirs) / (Median $ours)
"Get-PlatformHealth, 19-container lab ($items checks): first call {0:0} ms, warm median {1:0} ms; shell loop median {2:0} ms; ratio {3:0.0}x (goal >= 5x)" -f $first, (Median $ours), (Median $theirs), $ratio

# --- 2. Import-Module cost ------------------------------------------------------------------------------------
$bare = 1..$Repeat | ForEach-Object { Time { & $pwsh -NoProfile -NonInteractive -c 1 } }
$import = 1..$Repeat | ForEach-Object { Time { & $pwsh -NoProfile -NonInteractive -c "Import-Module '$ModulePath'" } }
"Import-Module: pwsh -c 1 median {0:0} ms, with Import-Module median {1:0} ms; added {2:0} ms (goal < 150 ms)" -f (Median $bare), (Median $import), ((Median $import) - (Median $bare))

# --- 3. 200 containers ----------------------------------------------------------------------------------------
if (-not $SkipMany) {
    $project = 'platformops-bench'
    $image = 'platformops-lab/base:1'
    Write-Host "Creating $ManyContainers containers in Compose project '$project' (removed afterwards)..."
    $create = Time {
        1..$ManyContainers | ForEach-Object { "bench-$_" } |
            xargs -P 8 -I NAME docker run -d --name NAME --network none --label "com.docker.compose.project=$project" --label com.docker.compose.service=NAME `
                -v /usr:/usr:ro --health-cmd 'true' --health-interval 300s --stop-signal SIGKILL $image sleep 100000 | Out-Null
    }
    try {
        $null = Get-PlatformContainer -ComposeProject $project   # warm the engine's cache the same way for both
        $many = 1..3 | ForEach-Object { Time { Get-PlatformHealth -ComposeProject $project -Component Container } }
        $count = @(Get-PlatformHealth -ComposeProject $project -Component Container).Count
        $loop = Time { bash -c "for c in `$(docker ps -a --filter label=com.docker.compose.project=$project --format '{{.Names}}'); do docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' `$c; done" }
        "Get-PlatformHealth on $count containers: median {0:0} ms (goal < 2000 ms); shell loop {1:0} ms; ratio {2:0.0}x (creating them took {3:0} s)" -f (Median $many), $loop, ($loop / (Median $many)), ($create / 1000)
    }
    finally {
        docker ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r docker rm -f | Out-Null
    }
}

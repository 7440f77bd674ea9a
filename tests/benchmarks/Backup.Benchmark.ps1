<#
.SYNOPSIS
    Benchmarks for the backup cmdlets (not a test): PlatformOps against the usual script, in the same run, with ratios.
.DESCRIPTION
    Creates a database of at least -MinSizeGB on the Docker lab's PostgreSQL (pgbench tables plus a generated table of
    events with jsonb and text, so not everything is blank filler), then measures, one after another:
      1. the usual backup:  pg_dump DB | gzip > DB.sql.gz
      2. the floor:         pg_dump -Fc -Z0 DB > /dev/null
      3. Invoke-PlatformBackup -Database DB (defaults: directory format, gzip 1, one job per core), in a fresh pwsh
         whose peak resident memory (VmHWM) is read at the end
      4. the usual restore: createdb + gunzip -c DB.sql.gz | psql
      5. Test-PlatformBackup -Restore on the set (checksums, archives read to the end, scratch restore, row counts)
    and prints the ratios. The database and every file are removed at the end (-Keep leaves the database for a rerun).
    Needs the Docker lab: dotnet pwsh ./build.ps1 -Task LabUp
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build; dotnet pwsh tests/benchmarks/Backup.Benchmark.ps1
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PlatformOps/PlatformOps.psd1'),
    [double] $MinSizeGB = 1.0,
    [int] $PgbenchScale = 50,
    [int] $EventRows = 2000000,
    [string] $Database = 'bk_bench',
    [string] $WorkDir = (Join-Path ($env:PLATFORMOPS_LAB_ROOT ?? '/tmp/platformops-lab') 'backups/bk-bench'),
    [switch] $Keep
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$labRoot = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
$profilePath = Join-Path $labRoot 'lab.profile.json'
$pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
$pgBin = (Get-ChildItem /usr/lib/postgresql/*/bin/pg_dump | Sort-Object { [int]$_.Directory.Parent.Name } -Descending | Select-Object -First 1).DirectoryName
$env:PGPASSFILE = Join-Path $labRoot 'secrets/pgpass'
$env:PGHOST = '127.0.0.1'; $env:PGPORT = '55432'; $env:PGUSER = 'postgres'
$bash = { param([string] $Script) & bash -c "set -euo pipefail; $Script"; if ($LASTEXITCODE -ne 0) { throw "bash failed ($LASTEXITCODE): $Script" } }
function Time([scriptblock] $Block) { $sw = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $sw.Elapsed.TotalSeconds }
function Sql([string] $Db, [string] $Text) { & "$pgBin/psql" -X -q -At -d $Db -v ON_ERROR_STOP=1 -c $Text; if ($LASTEXITCODE -ne 0) { throw "psql failed: $Text" } }
function Size([long] $Bytes) { '{0:0.0} MB' -f ($Bytes / 1MB) }

New-Item -ItemType Directory -Force -Path $WorkDir | Out-Null
try {
    # --- The data ----------------------------------------------------------------------------------------------
    $exists = Sql postgres "SELECT count(*) FROM pg_database WHERE datname = '$Database'"
    if ($exists -eq '0') {
        Write-Host "Creating $Database (pgbench scale $PgbenchScale + $EventRows generated events)..."
        $create = Time {
            Sql postgres "CREATE DATABASE $Database"
            & "$pgBin/pgbench" -i -q -s $PgbenchScale $Database 2>&1 | Out-Null
            Sql $Database @"
CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL, payload jsonb, note text);
INSERT INTO events
SELECT g, timestamptz '2024-01-01' + g * interval '1 second', (ARRAY['login','click','order','error'])[1 + g % 4],
       jsonb_build_object('user', g % 100000, 'session', md5(g::text), 'amount', (g % 10000) / 100.0, 'tags', jsonb_build_array('a' || g % 7, 'b' || g % 13)),
       'note ' || md5((g * 7)::text) || ' ' || substr(md5((g * 13)::text), 1, (g % 32))
FROM generate_series(1, $EventRows) g;
"@
            Sql $Database 'VACUUM ANALYZE'
        }
        Write-Host ("Created in {0:0} s" -f $create)
    }
    $dbBytes = [long](Sql postgres "SELECT pg_database_size('$Database')")
    if ($dbBytes -lt $MinSizeGB * 1GB) { throw "$Database is $(Size $dbBytes), under $MinSizeGB GB: raise -PgbenchScale or -EventRows (and drop it first)." }
    $load = (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '
    Write-Host "Database $Database`: $(Size $dbBytes); load average $load; $([Environment]::ProcessorCount) cores"

    # --- 1. The usual backup --------------------------------------------------------------------------------------
    $gz = Join-Path $WorkDir "$Database.sql.gz"
    $usualBackup = Time { & $bash "'$pgBin/pg_dump' -d '$Database' | gzip > '$gz'" }
    $gzBytes = (Get-Item $gz).Length

    # --- 2. The floor ---------------------------------------------------------------------------------------------
    $floor = Time { & $bash "'$pgBin/pg_dump' -Fc -Z0 -d '$Database' > /dev/null" }

    # --- 3. Invoke-PlatformBackup in a fresh pwsh, with its peak memory -------------------------------------------
    $setRoot = Join-Path $WorkDir 'sets'
    $child = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
Import-PlatformProfile '$profilePath' | Out-Null
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$set = Invoke-PlatformBackup -Path '$setRoot' -Database '$Database' -SkipRedis -SkipGlobals
`$sw.Stop()
`$hwm = (Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value
[pscustomobject]@{ Seconds = `$sw.Elapsed.TotalSeconds; Path = `$set.Path; Bytes = `$set.SizeBytes; PeakKB = [long]`$hwm } | ConvertTo-Json -Compress
"@
    $json = & $pwsh -NoProfile -NonInteractive -Command $child
    if ($LASTEXITCODE -ne 0) { throw "Invoke-PlatformBackup failed: $json" }
    $ours = ($json | Select-Object -Last 1) | ConvertFrom-Json
    $baseline = & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; (Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value"

    # --- 4. The usual restore -------------------------------------------------------------------------------------
    Sql postgres "DROP DATABASE IF EXISTS ${Database}_usual"
    Sql postgres "CREATE DATABASE ${Database}_usual"
    $usualRestore = Time { & $bash "gunzip -c '$gz' | '$pgBin/psql' -X -q -v ON_ERROR_STOP=1 -d '${Database}_usual' > /dev/null" }
    Sql postgres "DROP DATABASE ${Database}_usual"

    # --- 5. Test-PlatformBackup -Restore ----------------------------------------------------------------------------
    Import-Module $ModulePath
    Import-PlatformProfile $profilePath | Out-Null
    $test = Test-PlatformBackup -Path $ours.Path -Restore
    if (-not $test.Passed) { throw "Test-PlatformBackup failed: $($test.Failures | Out-String)" }

    # --- Ratios ---------------------------------------------------------------------------------------------------
    $rows = @(
        [pscustomobject]@{ What = 'Backup wall time'; PlatformOps = '{0:0.0} s' -f $ours.Seconds; Usual = '{0:0.0} s (pg_dump | gzip)' -f $usualBackup; Ratio = '{0:0.00}x faster' -f ($usualBackup / $ours.Seconds); Goal = '>= 2x' }
        [pscustomobject]@{ What = 'Backup size'; PlatformOps = Size $ours.Bytes; Usual = Size $gzBytes; Ratio = '{0:0.00}x the gzip file' -f ($ours.Bytes / $gzBytes); Goal = '<= 1.2x' }
        [pscustomobject]@{ What = 'Verified restore (Test-PlatformBackup -Restore)'; PlatformOps = '{0:0.0} s (restore alone {1:0.0} s)' -f $test.Duration.TotalSeconds, $test.RestoreDuration.TotalSeconds; Usual = '{0:0.0} s (gunzip | psql)' -f $usualRestore; Ratio = '{0:0.00}x faster' -f ($usualRestore / $test.Duration.TotalSeconds); Goal = '>= 2x' }
        [pscustomobject]@{ What = 'pwsh peak memory during the backup'; PlatformOps = '{0:0} MB' -f ($ours.PeakKB / 1024); Usual = '{0:0} MB for pwsh with the module imported' -f ([long]$baseline / 1024); Ratio = ''; Goal = '< 250 MB' }
        [pscustomobject]@{ What = 'Floor: pg_dump -Fc -Z0 > /dev/null'; PlatformOps = '{0:0.0} s' -f $ours.Seconds; Usual = '{0:0.0} s' -f $floor; Ratio = '{0:0.00}x the floor' -f ($ours.Seconds / $floor); Goal = '' }
    )
    $rows | Format-Table -AutoSize -Wrap | Out-String -Width 200
    "Database $(Size $dbBytes); $($test.TablesCompared) tables, $($test.RowsCompared) rows compared; load average at start $load"
}
finally {
    Remove-Item $WorkDir -Recurse -Force -ErrorAction SilentlyContinue
    if (-not $Keep) { Sql postgres "DROP DATABASE IF EXISTS $Database WITH (FORCE)" | Out-Null; Sql postgres "DROP DATABASE IF EXISTS ${Database}_usual WITH (FORCE)" | Out-Null }
}

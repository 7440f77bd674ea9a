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
      5. Test-PlatformBackup -Restore on the set (checksums, archives read to the end, scratch restore, row counts),
         once into a scratch database on the platform's server (the default) and once with -ScratchServer Local
    Backups run -Repeat rounds (usual, floor, PlatformOps in turn) and so do restores (usual, PlatformOps in turn), so
    that load from anything else on the machine hits both sides alike; the medians are compared.
    The database and every file are removed at the end (-Keep leaves the database for a rerun).
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
    [int] $Repeat = 3,
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
function Median([double[]] $v) { $s = @($v | Sort-Object); $s[[int][math]::Floor(($s.Count - 1) / 2)] }

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

    $gz = Join-Path $WorkDir "$Database.sql.gz"
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
    $usualBackups = @(); $floors = @(); $oursRuns = @()
    for ($round = 1; $round -le $Repeat; $round++) {
        # 1. The usual backup
        $usualBackups += Time { & $bash "'$pgBin/pg_dump' -d '$Database' | gzip > '$gz'" }
        # 2. The floor
        $floors += Time { & $bash "'$pgBin/pg_dump' -Fc -Z0 -d '$Database' > /dev/null" }
        # 3. Invoke-PlatformBackup in a fresh pwsh, with its peak memory
        Remove-Item $setRoot -Recurse -Force -ErrorAction SilentlyContinue
        $json = & $pwsh -NoProfile -NonInteractive -Command $child
        if ($LASTEXITCODE -ne 0) { throw "Invoke-PlatformBackup failed: $json" }
        $oursRuns += ($json | Select-Object -Last 1) | ConvertFrom-Json
        Write-Host ("Backup round {0}: usual {1:0.0} s, floor {2:0.0} s, PlatformOps {3:0.0} s" -f $round, $usualBackups[-1], $floors[-1], $oursRuns[-1].Seconds)
    }
    $gzBytes = (Get-Item $gz).Length
    $ours = $oursRuns[-1]
    $oursBackup = Median ($oursRuns | ForEach-Object Seconds)
    $usualBackup = Median $usualBackups
    $floor = Median $floors
    $peakKB = ($oursRuns | Measure-Object PeakKB -Maximum).Maximum
    $baseline = & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; (Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value"

    Import-Module $ModulePath
    Import-PlatformProfile $profilePath | Out-Null
    $usualRestores = @(); $tests = @(); $locals = @()
    for ($round = 1; $round -le $Repeat; $round++) {
        # 4. The usual restore
        Sql postgres "DROP DATABASE IF EXISTS ${Database}_usual"
        Sql postgres "CREATE DATABASE ${Database}_usual"
        $usualRestores += Time { & $bash "gunzip -c '$gz' | '$pgBin/psql' -X -q -v ON_ERROR_STOP=1 -d '${Database}_usual' > /dev/null" }
        Sql postgres "DROP DATABASE ${Database}_usual"
        # 5. Test-PlatformBackup -Restore
        $t = Test-PlatformBackup -Path $ours.Path -Restore
        if (-not $t.Passed) { throw "Test-PlatformBackup failed: $($t.Failures | Out-String)" }
        $tests += $t
        $l = Test-PlatformBackup -Path $ours.Path -Restore -ScratchServer Local
        if (-not $l.Passed) { throw "Test-PlatformBackup -ScratchServer Local failed: $($l.Failures | Out-String)" }
        $locals += $l
        Write-Host ("Restore round {0}: usual {1:0.0} s, PlatformOps verified restore {2:0.0} s (restore alone {3:0.0} s), -ScratchServer Local {4:0.0} s" -f $round, $usualRestores[-1], $t.Duration.TotalSeconds, $t.RestoreDuration.TotalSeconds, $l.Duration.TotalSeconds)
    }
    $usualRestore = Median $usualRestores
    $testSeconds = Median ($tests | ForEach-Object { $_.Duration.TotalSeconds })
    $restoreSeconds = Median ($tests | ForEach-Object { $_.RestoreDuration.TotalSeconds })
    $localSeconds = Median ($locals | ForEach-Object { $_.Duration.TotalSeconds })
    $test = $tests[-1]

    # --- Ratios ---------------------------------------------------------------------------------------------------
    $rows = @(
        [pscustomobject]@{ What = 'Backup wall time'; PlatformOps = '{0:0.0} s' -f $oursBackup; Usual = '{0:0.0} s (pg_dump | gzip)' -f $usualBackup; Ratio = '{0:0.00}x faster' -f ($usualBackup / $oursBackup); Goal = '>= 2x' }
        [pscustomobject]@{ What = 'Backup size'; PlatformOps = Size $ours.Bytes; Usual = Size $gzBytes; Ratio = '{0:0.00}x the gzip file' -f ($ours.Bytes / $gzBytes); Goal = '<= 1.2x' }
        [pscustomobject]@{ What = 'Verified restore (Test-PlatformBackup -Restore)'; PlatformOps = '{0:0.0} s (restore alone {1:0.0} s)' -f $testSeconds, $restoreSeconds; Usual = '{0:0.0} s (gunzip | psql)' -f $usualRestore; Ratio = '{0:0.00}x faster' -f ($usualRestore / $testSeconds); Goal = '>= 2x' }
        [pscustomobject]@{ What = 'Verified restore, -ScratchServer Local'; PlatformOps = '{0:0.0} s' -f $localSeconds; Usual = '{0:0.0} s (gunzip | psql)' -f $usualRestore; Ratio = '{0:0.00}x faster' -f ($usualRestore / $localSeconds); Goal = '>= 2x' }
        [pscustomobject]@{ What = 'pwsh peak memory during the backup'; PlatformOps = '{0:0} MB' -f ($peakKB / 1024); Usual = '{0:0} MB for pwsh with the module imported' -f ([long]$baseline / 1024); Ratio = ''; Goal = '< 250 MB' }
        [pscustomobject]@{ What = 'Floor: pg_dump -Fc -Z0 > /dev/null'; PlatformOps = '{0:0.0} s' -f $oursBackup; Usual = '{0:0.0} s' -f $floor; Ratio = '{0:0.00}x the floor' -f ($oursBackup / $floor); Goal = '' }
    )
    $rows | Format-Table -AutoSize -Wrap | Out-String -Width 200
    "Medians of $Repeat rounds. Database $(Size $dbBytes); $($test.TablesCompared) tables, $($test.RowsCompared) rows compared; load average at start $load, at the end $((Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ')"
}
finally {
    Remove-Item $WorkDir -Recurse -Force -ErrorAction SilentlyContinue
    if (-not $Keep) { Sql postgres "DROP DATABASE IF EXISTS $Database WITH (FORCE)" | Out-Null; Sql postgres "DROP DATABASE IF EXISTS ${Database}_usual WITH (FORCE)" | Out-Null }
}

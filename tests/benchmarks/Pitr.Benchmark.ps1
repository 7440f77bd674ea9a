<#
.SYNOPSIS
    Benchmark for point-in-time recovery (not a test): a 1 GB cluster, a base backup, and Restore-PlatformCluster to a
    moment after it, timed against the base backup's size and against a plain copy of the same backup (the floor).
.DESCRIPTION
    On a PostgreSQL cluster of its own (needs root), with WAL archiving on:
    1. pgbench -i at -Scale (68 is about 1 GB) fills the cluster.
    2. Invoke-PlatformBaseBackup (pg_basebackup + pg_verifybackup) into the cluster's backup folder.
    3. More writes: -ExtraRows rows and an update of every -UpdateEvery'th account before a moment, a few rows after
       it; Invoke-PlatformWalSwitch archives them. The WAL written after the backup is what recovery replays.
    4. Restore-PlatformCluster -PointInTime <moment> into a new folder on a new port; the rows are counted there.
    5. The floor: cp -a of the base backup's data folder, the copy a restore cannot avoid.
    Everything is removed at the end.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build; dotnet pwsh tests/benchmarks/Pitr.Benchmark.ps1
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PlatformOps/PlatformOps.psd1'),
    [int] $Scale = 68,
    [int] $ExtraRows = 200000,
    # After the backup, every Nth pgbench account is updated (10: a busy hour's worth of WAL; 1000: a quiet one).
    [int] $UpdateEvery = 10
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
. (Join-Path $PSScriptRoot 'Pitr.Cluster.ps1')
function Time([scriptblock] $b) { $sw = [Diagnostics.Stopwatch]::StartNew(); & $b | Out-Null; $sw.Elapsed }
Import-Module $ModulePath

$cluster = New-BenchCluster -Name pitr -Archiving
try {
    $env:PGPASSFILE = $cluster.PassFile
    function Sql([string] $Query, [int] $Port = $cluster.Port) {
        $out = $Query | & psql -X -q -t -A -h 127.0.0.1 -p $Port -U postgres -d postgres -v ON_ERROR_STOP=1 -f - 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
        $out
    }
    Import-PlatformProfile $cluster.ProfilePath
    $fill = Time { & "$($cluster.Bin)/pgbench" -i -q -s $Scale -h 127.0.0.1 -p $cluster.Port -U postgres postgres 2>&1 | Out-Null; if ($LASTEXITCODE) { throw 'pgbench -i failed' } }
    $dbSize = [long](Sql 'select pg_database_size(current_database())')
    "Cluster: pgbench scale $Scale, database {0:N0} MB, filled in {1:0.0} s" -f ($dbSize / 1MB), $fill.TotalSeconds

    $backup = $null
    $backupTime = Time { $script:backup = Invoke-PlatformBaseBackup }
    "Invoke-PlatformBaseBackup: {0:N0} MB in {1:0.0} s ({2:0} MB/s), verified: {3}" -f ($backup.SizeBytes / 1MB), $backupTime.TotalSeconds, ($backup.SizeBytes / 1MB / $backupTime.TotalSeconds), $backup.Verified

    Sql "CREATE TABLE marks (id serial PRIMARY KEY, batch text, at timestamptz DEFAULT clock_timestamp()); INSERT INTO marks (batch) SELECT 'before' FROM generate_series(1, $ExtraRows)" | Out-Null
    Sql "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % $UpdateEvery = 0" | Out-Null
    Start-Sleep -Milliseconds 500
    $moment = [datetime]::Parse((Sql "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD`"T`"HH24:MI:SS.US`"Z`"')"), [cultureinfo]::InvariantCulture, 'AdjustToUniversal')
    Start-Sleep -Milliseconds 500
    Sql "INSERT INTO marks (batch) SELECT 'after' FROM generate_series(1, 1000)" | Out-Null
    $switch = Invoke-PlatformWalSwitch -TimeoutSec 300
    $archive = $backup | Test-PlatformWalArchive
    "WAL after the backup: {0} segments ({1:N0} MB) archived, complete: {2}" -f $archive.Segments, ($archive.SizeBytes / 1MB), $archive.Complete

    $target = Join-Path $cluster.Root 'restored'
    $restore = $null
    $restoreTime = Time { $script:restore = $backup | Restore-PlatformCluster -PointInTime $moment -DataDirectory $target -Confirm:$false }
    $rows = Sql "SELECT batch || '=' || count(*) FROM marks GROUP BY batch ORDER BY 1" -Port $restore.Port
    & bash -c $restore.StopCommand | Out-Null

    $floorDir = Join-Path $cluster.Root 'floor'
    $floor = Time { & cp -a (Join-Path $backup.Path 'data') $floorDir; if ($LASTEXITCODE) { throw 'cp failed' } }

    ''
    "Restore-PlatformCluster -PointInTime, {0:N0} MB base backup + {1} archived segments: {2:0.0} s total (copy {3:0.0} s, recovery and promotion {4:0.0} s), {5:0} MB/s of backup" -f ($backup.SizeBytes / 1MB), $restore.SegmentsRestored, $restoreTime.TotalSeconds, $restore.CopyDuration.TotalSeconds, $restore.RecoveryDuration.TotalSeconds, ($backup.SizeBytes / 1MB / $restoreTime.TotalSeconds)
    "Recovered to {0:o} (asked {1:o}); rows there: {2}; {3}" -f $restore.RecoveredTo, $moment, ($rows -join ', '), $restore.StopReason
    "The floor, cp -a of the same backup: {0:0.0} s; restore / copy: {1:0.0}x" -f $floor.TotalSeconds, ($restoreTime.TotalSeconds / $floor.TotalSeconds)
}
finally {
    Remove-BenchCluster $cluster
}

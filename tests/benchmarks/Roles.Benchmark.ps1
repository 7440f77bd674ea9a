<#
.SYNOPSIS
    Benchmark for Set-DbRole (not a test): the platform model on a database with 10,000 tables, against the usual
    hand-run SQL file that grants table by table, in the same run; prints times and the ratio.
.DESCRIPTION
    Creates database pops_bench_roles, on a PostgreSQL cluster of its own (-Server Throwaway, the default: initdb with
    default settings, needs root) or on the lab's (-Server Lab: a container capped at one CPU and 32 MB of shared
    buffers, shared with whatever else runs), with -Tables tables (each with a serial column, so as
    many sequences) in schema app, and roles prefixed pops_bench_ (three groups, twelve service logins). Then:
    1. Set-DbRole -Platform, first apply (creates roles, grants on every table and sequence, default privileges).
    2. The same again: no drift (goal under 1 s), and Test-DbRole, Get-DbRole on the same database.
    3. The usual way: roles dropped, then a psql script with one GRANT per table and sequence per group.
    Everything created is dropped at the end. -Server Lab needs the lab: dotnet pwsh ./build.ps1 -Task LabUp
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build; dotnet pwsh tests/benchmarks/Roles.Benchmark.ps1
.EXAMPLE
    dotnet pwsh tests/benchmarks/Roles.Benchmark.ps1 -Server Lab
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PlatformOps/PlatformOps.psd1'),
    [ValidateSet('Throwaway', 'Lab')] [string] $Server = 'Throwaway',
    [int] $Tables = 10000,
    [int] $Repeat = 3
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
. (Join-Path $PSScriptRoot 'Pitr.Cluster.ps1')
$cluster = $null
if ($Server -eq 'Lab') {
    $labRoot = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
    $labProfile = Get-Content (Join-Path $labRoot 'lab.profile.json') -Raw | ConvertFrom-Json -AsHashtable
}
else {
    $cluster = New-BenchCluster -Name roles
    $labProfile = Get-Content $cluster.ProfilePath -Raw | ConvertFrom-Json -AsHashtable
}
$env:PGPASSFILE = $labProfile.Postgres.PassFile
$port = $labProfile.Postgres.Port
$db = 'pops_bench_roles'
$prefix = 'pops_bench_'
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor(($s.Count - 1) / 2)] }
function Time([scriptblock] $b) { $sw = [Diagnostics.Stopwatch]::StartNew(); & $b | Out-Null; $sw.Elapsed.TotalMilliseconds }
function Sql([string] $Database, [string] $Query) {
    $out = $Query | & psql -X -q -t -A -h 127.0.0.1 -p $port -U postgres -d $Database -v ON_ERROR_STOP=1 -f - 2>&1
    if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
    $out
}
function DropRoles {
    $each = { param($stmt) "DO `$`$DECLARE r text; BEGIN FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE '$prefix%' ORDER BY rolname LOOP EXECUTE format('$stmt', r); END LOOP; END`$`$" }
    foreach ($d in @($db, 'postgres') | Where-Object { (Sql postgres "select count(*) from pg_database where datname = '$_'") -eq '1' }) { Sql $d (& $each 'DROP OWNED BY %I') | Out-Null }
    Sql postgres (& $each 'DROP ROLE %I') | Out-Null
}

Import-Module $ModulePath
DropRoles
Sql postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" | Out-Null
Sql postgres "CREATE DATABASE $db" | Out-Null
# In batches of 500 per transaction: one transaction creating 10,000 tables needs more locks than the lab allows.
$setup = Time { Sql $db "CREATE SCHEMA app; DO `$`$BEGIN FOR i IN 1..$Tables LOOP EXECUTE format('CREATE TABLE app.t%s (id serial PRIMARY KEY, v text)', i); IF i % 500 = 0 THEN COMMIT; END IF; END LOOP; END`$`$" }
"Server: $Server (127.0.0.1:$port). Setup: $Tables tables (+ $Tables sequences) in schema app created in {0:0.0} s" -f ($setup / 1000)

$services = [ordered]@{}
foreach ($s in 'l01_data_layer', 'l02_runtime', 'l03_tool_execution', 'l04_model_gateway', 'l05_planning', 'l06_evaluation', 'l07_learning', 'l09_api_gateway', 'l10_human_interface', 'l11_integration', 'l12_service_hub', 'platform_ui') {
    $services["$prefix$s"] = if ($s -eq 'l01_data_layer') { 'admin' } elseif ($s -match 'l0[4,6]|l09|l10|ui') { 'read' } else { 'write' }
}
$labProfile.Postgres.Database = $db
$labProfile.Roles = [ordered]@{ ReadRole = "${prefix}read"; WriteRole = "${prefix}write"; AdminRole = "${prefix}admin"; Schemas = @('app'); Services = $services }
$profilePath = Join-Path ([IO.Path]::GetTempPath()) "$db.profile.json"
$labProfile | ConvertTo-Json -Depth 5 | Set-Content $profilePath
Import-PlatformProfile $profilePath
$creds = @($services.Keys | ForEach-Object { [pscredential]::new($_, (New-PlatformSecret -Length 24)) })

try {
    # 1 + 2: Set-DbRole, first apply then no drift.
    $firstApply = @(); $noDrift = @()
    for ($i = 0; $i -lt $Repeat; $i++) {
        DropRoles
        $firstApply += Time { Set-DbRole -Platform -ServiceCredential $creds -Confirm:$false }
        $noDrift += Time { Set-DbRole -Platform -ServiceCredential $creds -Confirm:$false }
    }
    $changed = @(Set-DbRole -Platform -ServiceCredential $creds -Confirm:$false | Where-Object Changed).Count
    $test = 1..$Repeat | ForEach-Object { Time { Test-DbRole -ServiceCredential $creds } }
    $get = 1..$Repeat | ForEach-Object { Time { Get-DbRole "$prefix*" } }
    $plan = ((& { DropRoles; Set-DbRole -Platform -ServiceCredential $creds -Confirm:$false }) | ForEach-Object { $_.Statements.Count } | Measure-Object -Sum).Sum
    $probe = Sql $db "select count(*) from information_schema.role_table_grants where grantee = '${prefix}read' and table_schema = 'app'"

    # 3: the usual way, a SQL file with one GRANT per object, run by psql.
    DropRoles
    $file = Join-Path ([IO.Path]::GetTempPath()) "$db.grants.sql"
    $sb = [Text.StringBuilder]::new()
    [void]$sb.AppendLine("BEGIN;")
    [void]$sb.AppendLine("CREATE ROLE ${prefix}read NOLOGIN; CREATE ROLE ${prefix}write NOLOGIN IN ROLE ${prefix}read; CREATE ROLE ${prefix}admin NOLOGIN CREATEROLE;")
    foreach ($s in $services.Keys) { [void]$sb.AppendLine("CREATE ROLE $s LOGIN PASSWORD 'bench-$s' IN ROLE $prefix$($services[$s]);") }
    [void]$sb.AppendLine("GRANT CONNECT ON DATABASE $db TO ${prefix}read; GRANT CONNECT, TEMPORARY ON DATABASE $db TO ${prefix}admin; GRANT USAGE ON SCHEMA app TO ${prefix}read; GRANT USAGE, CREATE ON SCHEMA app TO ${prefix}admin;")
    for ($t = 1; $t -le $Tables; $t++) {
        [void]$sb.AppendLine("GRANT SELECT ON app.t$t TO ${prefix}read; GRANT INSERT, UPDATE, DELETE ON app.t$t TO ${prefix}write; GRANT ALL ON app.t$t TO ${prefix}admin;")
        [void]$sb.AppendLine("GRANT USAGE, SELECT ON SEQUENCE app.t${t}_id_seq TO ${prefix}write; GRANT ALL ON SEQUENCE app.t${t}_id_seq TO ${prefix}admin;")
    }
    [void]$sb.AppendLine("COMMIT;")
    Set-Content $file $sb.ToString()
    $usual = @()
    for ($i = 0; $i -lt $Repeat; $i++) {
        DropRoles
        $usual += Time { & psql -X -q -h 127.0.0.1 -p $port -U postgres -d $db -v ON_ERROR_STOP=1 -f $file | Out-Null; if ($LASTEXITCODE) { throw 'psql grant script failed' } }
    }
    $usualProbe = Sql $db "select count(*) from information_schema.role_table_grants where grantee = '${prefix}read' and table_schema = 'app'"
    Remove-Item $file

    ''
    "Set-DbRole -Platform, $Tables tables + $Tables sequences, 15 roles: first apply median {0:0} ms ({1} statements; {2} tables readable by the read group) (goal < 5 s)" -f (Median $firstApply), $plan, $probe
    "Set-DbRole -Platform, second apply, no drift: median {0:0} ms, roles changed: {1} (goal < 1 s)" -f (Median $noDrift), $changed
    "Test-DbRole: median {0:0} ms; Get-DbRole ${prefix}*: median {1:0} ms" -f (Median $test), (Median $get)
    "The usual way, psql running a grant-per-object SQL file ({0:N0} GRANT statements; {1} tables readable): median {2:0} ms" -f ($Tables * 5), $usualProbe, (Median $usual)
    "Ratio, usual way / Set-DbRole first apply: {0:0.0}x" -f ((Median $usual) / (Median $firstApply))
}
finally {
    if ($cluster) { Remove-BenchCluster $cluster }
    else {
        DropRoles
        Sql postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" | Out-Null
    }
    Remove-Item $profilePath -ErrorAction SilentlyContinue
}

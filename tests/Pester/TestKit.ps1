# What every Pester file shares, dot-sourced at the top of its BeforeAll (and BeforeDiscovery where discovery needs it):
#     BeforeAll { . (Join-Path $PSScriptRoot 'TestKit.ps1') }
# $Lab: where the lab is (profiles, ports, password files, lab.sh), read from the lab profiles in one place.
# Invoke-TestProcess / Start-TestProcess: the one way these tests run a program: arguments as a list, secrets only by
# environment or file (an argument holding a lab password or a secret given to Add-TestSecret is refused).
# Invoke-Pwsh (a child pwsh with the built module), Invoke-Psql (SQL on standard input), Invoke-AsPostgres and
# New-TestCluster (a PostgreSQL of the test's own) are built on them.
# Not a test file: Invoke-PesterSuite.ps1 runs only *.Tests.ps1.

$script:Pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })

$script:Lab = & {
    $root = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
    $docker = Join-Path $root 'lab.profile.json'
    $plain = Join-Path $root 'plain.profile.json'
    # A port from a lab profile, or the lab's default before the lab is made (the test then fails on the lab, clearly).
    $port = { param($path, $section, $default)
        if (Test-Path $path) { $p = (Get-Content $path -Raw | ConvertFrom-Json).$section.Port; if ($p) { return [int]$p } }
        $default }
    $ca = Join-Path $root 'tls/ca.crt'
    [pscustomobject]@{
        Root                 = $root
        Profile              = $docker
        PlainProfile         = $plain
        PgPass               = Join-Path $root 'secrets/pgpass'
        PostgresPasswordFile = Join-Path $root 'secrets/postgres.password'
        RedisPasswordFile    = Join-Path $root 'secrets/redis.password'
        Certificate          = Join-Path $root 'tls/server.crt'
        # The CA that issued the lab's certificate; a lab made before it had one serves a self-signed certificate: its own anchor.
        Ca                   = if (Test-Path $ca) { $ca } else { Join-Path $root 'tls/server.crt' }
        Archive              = Join-Path $root 'wal-archive'
        Backups              = Join-Path $root 'backups'
        Script               = Join-Path $PSScriptRoot '../lab/lab.sh'
        Repository           = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
        PostgresPort         = & $port $docker 'Postgres' 55432
        RedisPort            = & $port $docker 'Redis' 56379
        PlainPostgresPort    = & $port $plain 'Postgres' 55433
        PlainRedisPort       = & $port $plain 'Redis' 56380
        # The newest PostgreSQL server binaries on this host, for a cluster of a test's own.
        PgBin                = Get-ChildItem /usr/lib/postgresql/*/bin/postgres -ErrorAction Ignore |
            Sort-Object { [int]($_.FullName -replace '^/usr/lib/postgresql/(\d+)/.*$', '$1') } -Descending |
            Select-Object -First 1 | ForEach-Object { Split-Path $_.FullName }
    }
}

# Secrets a test made (a throwaway password, a planted token): no process argument may hold them.
if (-not (Get-Variable TestKitSecrets -Scope Script -ErrorAction Ignore)) { $script:TestKitSecrets = [Collections.Generic.List[string]]::new() }

function Add-TestSecret([string] $Secret) {
    if ($Secret.Length -ge 6) { $script:TestKitSecrets.Add($Secret) }
    $Secret
}

function Get-NuGetPackageFile([string] $RelativePath) {
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    Join-Path $packages $RelativePath
}

function New-TestProcessStartInfo([string] $FilePath, [string[]] $ArgumentList, [hashtable] $Environment, [string] $WorkingDirectory) {
    $secrets = @($script:TestKitSecrets) + @($Lab.PostgresPasswordFile, $Lab.RedisPasswordFile | Where-Object { Test-Path $_ } |
        ForEach-Object { (Get-Content $_ -Raw).Trim() } | Where-Object Length -GE 6)
    foreach ($s in $secrets) {
        if (@($FilePath) + @($ArgumentList) | Where-Object { "$_".Contains($s) }) {
            throw "A secret was about to be passed to $(Split-Path $FilePath -Leaf) as a process argument; pass it by environment or a file."
        }
    }
    $psi = [Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    foreach ($k in @($Environment.Keys)) {
        if ($null -eq $Environment[$k]) { $null = $psi.Environment.Remove($k) } else { $psi.Environment[$k] = [string]$Environment[$k] }
    }
    if ($WorkingDirectory) { $psi.WorkingDirectory = $WorkingDirectory }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi
}

# Starts a program beside the test and returns its Process (the caller stops it, by that process's id); arguments,
# environment and folder as Invoke-TestProcess takes them. With -OutputPath its standard output goes to that file and
# its standard error to "<OutputPath>.err" as they come; without, both are left for the caller to read. Its standard
# input stays open unless -InputText closes it.
function Start-TestProcess {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{},
        [string] $InputText,
        [string] $OutputPath,
        [string] $WorkingDirectory
    )
    $p = [Diagnostics.Process]::Start((New-TestProcessStartInfo $FilePath $ArgumentList $Environment $WorkingDirectory))
    if ($OutputPath) {
        if (-not ('TestKit.StreamToFile' -as [type])) {
            # A copy loop off the pipeline thread (no PowerShell may run on the thread pool), flushed as it comes.
            Add-Type -TypeDefinition @'
namespace TestKit {
    public static class StreamToFile {
        public static async System.Threading.Tasks.Task Copy(System.IO.Stream from, string path) {
            using (var to = new System.IO.FileStream(path, System.IO.FileMode.Create, System.IO.FileAccess.Write, System.IO.FileShare.ReadWrite, 1)) {
                var buffer = new byte[4096];
                int n;
                while ((n = await from.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0) to.Write(buffer, 0, n);
            }
        }
    }
}
'@
        }
        $null = [TestKit.StreamToFile]::Copy($p.StandardOutput.BaseStream, $OutputPath)
        $null = [TestKit.StreamToFile]::Copy($p.StandardError.BaseStream, "$OutputPath.err")
    }
    if ($InputText) { $p.StandardInput.Write($InputText); $p.StandardInput.Close() }
    $p
}

# Runs a program to its end (killed at the deadline) and returns ExitCode, StdOut, StdErr, Output (both) and Lines (of StdOut).
function Invoke-TestProcess {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        # Variables for the child only; a $null value removes one.
        [hashtable] $Environment = @{},
        # Written to the child's standard input.
        [string] $InputText,
        [string] $WorkingDirectory,
        [int] $TimeoutSec = 300
    )
    $p = Start-TestProcess -FilePath $FilePath -ArgumentList $ArgumentList -Environment $Environment -WorkingDirectory $WorkingDirectory
    try {
        $stdout = $p.StandardOutput.ReadToEndAsync()
        $stderr = $p.StandardError.ReadToEndAsync()
        if ($InputText) { $p.StandardInput.Write($InputText) }
        $p.StandardInput.Close()
        if (-not $p.WaitForExit($TimeoutSec * 1000)) {
            $p.Kill($true)
            throw "$FilePath $($ArgumentList -join ' ') took over $TimeoutSec s"
        }
        $p.WaitForExit()
        $text = $stdout.Result.TrimEnd("`r", "`n")
        [pscustomobject]@{
            ExitCode = $p.ExitCode
            StdOut   = $stdout.Result
            StdErr   = $stderr.Result
            Output   = $stdout.Result + $stderr.Result
            Lines    = if ($text) { @($text -split '\r?\n') } else { @() }
        }
    }
    finally { $p.Dispose() }
}

# Runs a script in a fresh pwsh (-NoProfile -NonInteractive -Command) that first imports the built module (unless
# -NoModule). Returns what Invoke-TestProcess returns; secrets go in by -Environment.
function Invoke-Pwsh {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Command,
        [hashtable] $Environment = @{},
        [switch] $NoModule,
        [int] $TimeoutSec = 300
    )
    $script = if ($NoModule) { $Command } else { "Import-Module '$env:PLATFORMOPS_MODULE'`n$Command" }
    Invoke-TestProcess -FilePath $Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -Environment $Environment -TimeoutSec $TimeoutSec
}

# Runs tests/lab/lab.sh (break and fix faults: Invoke-LabScript break fail-health l09-api-gateway); a failure throws.
function Invoke-LabScript {
    $r = Invoke-TestProcess bash -ArgumentList (@($Lab.Script) + @($args | ForEach-Object { "$_" })) -TimeoutSec 120
    if ($r.ExitCode -ne 0) { throw "lab.sh $($args -join ' ') failed ($($r.ExitCode)): $($r.StdErr)$($r.StdOut)" }
    $r.StdOut
}

# Runs SQL with psql against a lab PostgreSQL (the Docker one unless -Port names another) as postgres. The SQL goes
# in on standard input (quotes in hostile names never meet a command line), the password by pass file. Writes the rows
# (unaligned, tuples only); a failure throws with psql's message.
function Invoke-Psql {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Database,
        [Parameter(Mandatory, Position = 1)] [string] $Sql,
        [int] $Port = $Lab.PostgresPort,
        [string] $PassFile = $Lab.PgPass,
        [string] $UserName = 'postgres'
    )
    $psql = (Get-Command psql -CommandType Application | Select-Object -First 1).Source
    $r = Invoke-TestProcess -FilePath $psql -ArgumentList '-X', '-q', '-t', '-A', '-h', '127.0.0.1', '-p', "$Port", '-U', $UserName, '-d', $Database,
        '-v', 'ON_ERROR_STOP=1', '-f', '-' -InputText $Sql -Environment @{ PGPASSFILE = $PassFile; PGPASSWORD = $null } -TimeoutSec 120
    if ($r.ExitCode -ne 0) { throw "psql: $($r.StdErr)$($r.StdOut)" }
    $r.Lines
}

# Runs a program as the postgres user (setpriv, a clean environment): Invoke-AsPostgres <program> <argument>...
# A failure throws with its output. (A simple function: -D, -w and the like are the program's, not PowerShell's.)
function Invoke-AsPostgres {
    $file, $rest = $args
    $r = Invoke-TestProcess -FilePath setpriv -ArgumentList (@('--reuid=postgres', '--regid=postgres', '--init-groups', '--reset-env', '--', $file) + @($rest | ForEach-Object { "$_" })) -WorkingDirectory /
    if ($r.ExitCode -ne 0) { throw "$file $($rest -join ' ') failed ($($r.ExitCode)): $($r.Output)" }
    $r.StdOut
}

# A PostgreSQL cluster of the test's own (run as root: initdb and pg_ctl as postgres), on 127.0.0.1 and a free port in
# 55500-55599, in a /tmp folder postgres can traverse. With -Password, TCP logins need it (SCRAM) and PassFile holds it
# for any port (a restored copy listens on another); without, logins are trusted. Remove it with Remove-TestCluster.
function New-TestCluster {
    param(
        [Parameter(Mandatory)] [string] $Name,
        [string] $Password,
        # postgresql.conf lines after port, listen_addresses, unix_socket_directories and fsync = off.
        [string[]] $Setting = @(),
        [string[]] $HbaLine = @()
    )
    if ((id -u) -ne '0') { throw 'A cluster of the test''s own starts PostgreSQL as the postgres user: run as root (CI does).' }
    if (-not $Lab.PgBin) { throw 'PostgreSQL server binaries are not installed (apt-get install postgresql-15).' }
    $root = Join-Path '/tmp' ("pops-$Name-" + [guid]::NewGuid().ToString('N').Substring(0, 6))
    $null = New-Item -ItemType Directory -Path $root
    $port = 55500 + (Get-Random -Maximum 100)
    while (Test-Connection -TargetName 127.0.0.1 -TcpPort $port -TimeoutSeconds 1 -ErrorAction SilentlyContinue) { $port = 55500 + (Get-Random -Maximum 100) }
    $data = Join-Path $root 'data'
    $auth = @('--auth=trust')
    if ($Password) {
        $null = Add-TestSecret $Password
        $pw = Join-Path $root 'pw'
        $null = New-Item -ItemType File -Path $pw; chmod 0600 $pw
        [IO.File]::WriteAllText($pw, $Password)
        $auth = @('--auth-local=trust', '--auth-host=scram-sha-256', '--pwfile', $pw)
    }
    chown -R postgres:postgres $root; chmod 0755 $root
    try { $null = Invoke-AsPostgres "$($Lab.PgBin)/initdb" -D $data --no-sync -E UTF8 --locale=C -U postgres @auth }
    finally { if ($Password) { Remove-Item $pw } }
    Add-Content (Join-Path $data 'postgresql.conf') (@("port = $port", "listen_addresses = '127.0.0.1'", "unix_socket_directories = '$root'", 'fsync = off') + $Setting)
    if ($HbaLine) { Add-Content (Join-Path $data 'pg_hba.conf') $HbaLine }
    $null = Invoke-AsPostgres "$($Lab.PgBin)/pg_ctl" start -D $data -w -s -l (Join-Path $data 'startup.log')
    $passFile = $null
    if ($Password) {
        $passFile = Join-Path $root 'pgpass'
        $null = New-Item -ItemType File -Path $passFile; chmod 0600 $passFile
        [IO.File]::WriteAllText($passFile, "127.0.0.1:*:*:postgres:$Password`n")
    }
    [pscustomobject]@{ Root = $root; Data = $data; Port = $port; PassFile = $passFile; Bin = $Lab.PgBin }
}

# Stops every server whose data directory is in the cluster's folder (the cluster and its restored copies) and removes it.
function Remove-TestCluster($Cluster) {
    if (-not $Cluster) { return }
    foreach ($d in Get-ChildItem $Cluster.Root -Directory -ErrorAction SilentlyContinue) {
        if (Test-Path (Join-Path $d.FullName 'postmaster.pid')) {
            try { $null = Invoke-AsPostgres "$($Cluster.Bin)/pg_ctl" stop -D $d.FullName -m immediate -w -s } catch { Write-Warning $_ }
        }
    }
    Remove-Item $Cluster.Root -Recurse -Force -ErrorAction SilentlyContinue
}

<#
.SYNOPSIS
    Dot-sourced by the Roles and PITR benchmarks: a PostgreSQL cluster of the benchmark's own (initdb + pg_ctl as the
    postgres user, 127.0.0.1, a free port in 55500-55599, a folder under /tmp), with a pass file and a profile, so a
    long benchmark does not load the shared lab. Needs root (PostgreSQL refuses to run as root; setpriv switches).
#>
function New-BenchCluster {
    param([string] $Name, [string[]] $Settings = @(), [switch] $Archiving)
    if ((id -u) -ne '0') { throw 'The benchmark starts PostgreSQL as the postgres user: run it as root.' }
    $bin = (Get-ChildItem /usr/lib/postgresql -Directory | Sort-Object { [int]$_.Name } | Select-Object -Last 1).FullName + '/bin'
    $root = Join-Path '/tmp' ("pops-bench-$Name-" + [guid]::NewGuid().ToString('N').Substring(0, 6))
    $c = [pscustomobject]@{ Root = $root; Bin = $bin; Data = "$root/data"; Archive = "$root/wal-archive"; Backups = "$root/backups"; Port = 0; Password = 'pw-' + [guid]::NewGuid().ToString('N'); PassFile = "$root/pgpass"; ProfilePath = "$root/profile.json" }
    New-Item -ItemType Directory $root, $c.Archive, $c.Backups | Out-Null
    do { $c.Port = 55500 + (Get-Random -Maximum 100) } while (Test-Connection -TargetName 127.0.0.1 -TcpPort $c.Port -TimeoutSeconds 1 -ErrorAction SilentlyContinue)
    Set-Content "$root/pw" $c.Password
    & chown -R postgres:postgres $root; & chmod 0755 $root; & chmod 0600 "$root/pw"
    & setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- "$bin/initdb" -D $c.Data -E UTF8 --locale=C -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile "$root/pw" | Out-Null
    if ($LASTEXITCODE) { throw 'initdb failed' }
    Remove-Item "$root/pw"
    $conf = @("port = $($c.Port)", "listen_addresses = '127.0.0.1'", "unix_socket_directories = '$root'", 'wal_level = replica', 'max_wal_size = 4GB') + $Settings
    if ($Archiving) { $conf += @('archive_mode = on', "archive_command = 'test ! -f $($c.Archive)/%f && cp %p $($c.Archive)/%f'") }
    Add-Content "$($c.Data)/postgresql.conf" $conf
    Add-Content "$($c.Data)/pg_hba.conf" 'host replication all 127.0.0.1/32 scram-sha-256'
    & setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- "$bin/pg_ctl" start -D $c.Data -w -s -l "$($c.Data)/startup.log"
    if ($LASTEXITCODE) { throw 'pg_ctl start failed' }
    # Any port: a restored copy of the cluster listens on another one with the same password.
    Set-Content $c.PassFile "127.0.0.1:*:*:postgres:$($c.Password)"; & chmod 0600 $c.PassFile
    @{ Name = "bench-$Name"; Postgres = @{ Host = '127.0.0.1'; Port = $c.Port; Database = 'postgres'; Username = 'postgres'; PassFile = $c.PassFile; DataDirectory = $c.Data; WalArchive = $c.Archive; SslMode = 'disable' }; Backup = @{ Path = $c.Backups } } |
        ConvertTo-Json -Depth 4 | Set-Content $c.ProfilePath
    $c
}

function Remove-BenchCluster {
    param($Cluster)
    if (-not $Cluster) { return }
    foreach ($d in Get-ChildItem $Cluster.Root -Directory -ErrorAction SilentlyContinue) {
        if (Test-Path "$($d.FullName)/postmaster.pid") { & setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- "$($Cluster.Bin)/pg_ctl" stop -D $d.FullName -m immediate -w -s }
    }
    Remove-Item $Cluster.Root -Recurse -Force -ErrorAction SilentlyContinue
}

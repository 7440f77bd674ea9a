# WAL archiving and point-in-time recovery as users meet them: the built module in a fresh pwsh.
BeforeAll {
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $labRoot = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
    $script:LabProfile = Join-Path $labRoot 'lab.profile.json'
    $script:LabArchive = Join-Path $labRoot 'wal-archive'
    $script:Pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
    $script:PgBin = '/usr/lib/postgresql/15/bin'
}

Describe 'WAL archiving on the lab' -Tag 'Docker' {
    BeforeAll {
        # Idempotent: restarts agentic-postgres only the first time archiving is turned on, and leaves it on.
        $script:Enabled = Enable-PlatformWalArchiving -Profile $LabProfile -Restart -Confirm:$false
    }

    It 'archives into the lab archive folder' {
        $Enabled.Active | Should -BeTrue
        $Enabled.ArchiveDirectory | Should -Be $LabArchive
        ($Enabled | Out-String) | Should -Match 'RestartRequired\s+: False'
    }

    It '-WhatIf shows the ALTER SYSTEM it would run and changes nothing' {
        $out = & $Pwsh -NoProfile -NonInteractive -Command "Import-Module '$env:PLATFORMOPS_MODULE'; Enable-PlatformWalArchiving -Profile '$LabProfile' -ArchiveTimeoutSec 61 -WhatIf" 2>&1 | Out-String
        $out | Should -Match ([regex]::Escape("ALTER SYSTEM SET archive_timeout = '61'"))
        (Get-PlatformWalStatus -Profile $LabProfile -SampleSec 0).ArchiveTimeoutSec | Should -Be 60
    }

    It 'archives a switched segment and reports the RPO as kept' {
        $switch = Invoke-PlatformWalSwitch -Profile $LabProfile -TimeoutSec 60
        $switch.Archived | Should -BeTrue
        Join-Path $LabArchive $switch.Segment | Should -Exist
        $status = Get-PlatformWalStatus -Profile $LabProfile -SampleSec 0.5
        $status.RpoOk | Should -BeTrue
        $status.LastArchivedWal | Should -Not -BeNullOrEmpty
        ($status | Out-String -Width 200) | Should -Match 'Rpo\s+: (UpToDate|Current): .* ok\)'
    }
}

Describe 'Base backup and point-in-time recovery on a throwaway cluster' -Tag 'Throwaway' {
    BeforeAll {
        if ((id -u) -ne '0') { throw 'These tests start PostgreSQL as the postgres user: run them as root (CI does).' }
        function script:AsPostgres { & setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- @args; if ($LASTEXITCODE) { throw "failed: $args" } }
        $script:Root = Join-Path '/tmp' ("pops-wal-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $script:Data = Join-Path $Root 'data'
        $script:Archive = Join-Path $Root 'wal-archive'
        $script:Backups = Join-Path $Root 'backups'
        New-Item -ItemType Directory $Root, $Archive, $Backups | Out-Null
        $script:Port = 55500 + (Get-Random -Maximum 100)
        while (Test-Connection -TargetName 127.0.0.1 -TcpPort $Port -TimeoutSeconds 1 -ErrorAction SilentlyContinue) { $script:Port = 55500 + (Get-Random -Maximum 100) }
        $script:Password = 'pw-' + [guid]::NewGuid().ToString('N')
        Set-Content (Join-Path $Root 'pw') $Password
        & chown -R postgres:postgres $Root; & chmod 0755 $Root; & chmod 0600 (Join-Path $Root 'pw')
        AsPostgres "$PgBin/initdb" -D $Data --no-sync -E UTF8 --locale=C -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile (Join-Path $Root 'pw') | Out-Null
        Remove-Item (Join-Path $Root 'pw')
        Add-Content (Join-Path $Data 'postgresql.conf') @("port = $Port", "listen_addresses = '127.0.0.1'", "unix_socket_directories = '$Root'", 'fsync = off', 'wal_level = replica')
        Add-Content (Join-Path $Data 'pg_hba.conf') 'host replication all 127.0.0.1/32 scram-sha-256'
        AsPostgres "$PgBin/pg_ctl" start -D $Data -w -s -l (Join-Path $Data 'startup.log') | Out-Null
        $pass = Join-Path $Root 'pgpass'
        Set-Content $pass "127.0.0.1:${Port}:*:postgres:$Password"; & chmod 0600 $pass
        $script:ProfilePath = Join-Path $Root 'profile.json'
        @{ Name = 'pester-throwaway'; Postgres = @{ Host = '127.0.0.1'; Port = $Port; Database = 'postgres'; Username = 'postgres'; PassFile = $pass; DataDirectory = $Data; WalArchive = $Archive; SslMode = 'disable' }; Backup = @{ Path = $Backups } } |
            ConvertTo-Json -Depth 4 | Set-Content $ProfilePath
        Import-PlatformProfile $ProfilePath
        $env:PGPASSFILE = $pass
        $env:PGPASSWORD = $Password   # the restored copy (another port) has the same password
        function script:Sql([string] $Query, [int] $OnPort = $Port) {
            $out = & psql -X -q -t -A -h 127.0.0.1 -p $OnPort -U postgres -d postgres -v ON_ERROR_STOP=1 -c $Query 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
            $out
        }
    }

    AfterAll {
        Remove-Item Env:PGPASSWORD -ErrorAction SilentlyContinue
        foreach ($d in (Get-ChildItem $Root -Directory -ErrorAction SilentlyContinue)) {
            if (Test-Path (Join-Path $d.FullName 'postmaster.pid')) { & setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- "$PgBin/pg_ctl" stop -D $d.FullName -m immediate -w -s }
        }
        Remove-Item $Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'turns archiving on, telling that a restart is needed, and archives after the restart' {
        $r = Enable-PlatformWalArchiving -Confirm:$false -WarningVariable warn 3>$null
        $r.RestartRequired | Should -BeTrue
        "$warn" | Should -Match 'restart'
        AsPostgres "$PgBin/pg_ctl" restart -D $Data -w -s -m fast -l (Join-Path $Data 'startup.log') | Out-Null
        (Enable-PlatformWalArchiving -Confirm:$false).Active | Should -BeTrue
        Sql 'CREATE TABLE events (id serial PRIMARY KEY, batch text, at timestamptz DEFAULT clock_timestamp())' | Out-Null
        (Invoke-PlatformWalSwitch).Archived | Should -BeTrue
    }

    It 'takes a verified base backup, checks the archive from its start, and restores to a moment' {
        Sql "INSERT INTO events (batch) SELECT 'before-backup' FROM generate_series(1, 3)" | Out-Null
        Invoke-PlatformBaseBackup -WhatIf | Should -BeNullOrEmpty
        Get-ChildItem $Backups -Force | Should -BeNullOrEmpty
        $lsn = Sql 'SELECT pg_current_wal_lsn()'
        Invoke-PlatformWalSwitch -WhatIf | Should -BeNullOrEmpty
        Sql 'SELECT pg_current_wal_lsn()' | Should -Be $lsn
        $backup = Invoke-PlatformBaseBackup
        $backup.Verified | Should -BeTrue
        ($backup | Out-String -Width 200) | Should -Match 'Id\s+SizeMB\s+Seconds\s+StartWal\s+Verified\s+PITR\s+Path'
        Sql "INSERT INTO events (batch) SELECT 'kept' FROM generate_series(1, 4)" | Out-Null
        Start-Sleep -Milliseconds 300
        $moment = [datetime]::Parse((Sql "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD`"T`"HH24:MI:SS.US`"Z`"')"), [cultureinfo]::InvariantCulture, 'AdjustToUniversal')
        Start-Sleep -Milliseconds 300
        Sql "INSERT INTO events (batch) SELECT 'lost' FROM generate_series(1, 5)" | Out-Null
        Invoke-PlatformWalSwitch | Out-Null

        ($backup | Test-PlatformWalArchive).Complete | Should -BeTrue

        $target = Join-Path $Root 'restored'
        Restore-PlatformCluster -BackupPath $backup.Path -PointInTime $moment -DataDirectory $target -WhatIf
        $target | Should -Not -Exist

        $r = $backup | Restore-PlatformCluster -PointInTime $moment -DataDirectory $target -Confirm:$false
        try {
            $r.Running | Should -BeTrue
            Sql "SELECT batch || ':' || count(*) FROM events GROUP BY batch ORDER BY batch" -OnPort $r.Port | Should -Be @('before-backup:3', 'kept:4')
            $r.RecoveredTo | Should -BeLessOrEqual $moment
            ($r | Out-String -Width 200) | Should -Match 'Time\s+: [\d.]+ s total: copy'
        }
        finally { & bash -c $r.StopCommand }
        Sql 'SELECT count(*) FROM events' | Should -Be '12'
    }
}

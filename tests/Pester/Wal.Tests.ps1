# WAL archiving and point-in-time recovery as users meet them: the built module in a fresh pwsh.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $script:LabProfile = $Lab.Profile
}

Describe 'WAL archiving on the lab' -Tag 'Docker' {
    BeforeAll {
        # Idempotent: restarts agentic-postgres only the first time archiving is turned on, and leaves it on.
        $script:Enabled = Enable-PlatformWalArchiving -Profile $LabProfile -Restart -Confirm:$false
    }

    It 'archives into the lab archive folder' {
        $Enabled.Active | Should -BeTrue
        $Enabled.ArchiveDirectory | Should -Be $Lab.Archive
        ($Enabled | Out-String) | Should -Match 'RestartRequired\s+: False'
    }

    It '-WhatIf shows the ALTER SYSTEM it would run and changes nothing' {
        $out = (Invoke-Pwsh "Enable-PlatformWalArchiving -Profile '$LabProfile' -ArchiveTimeoutSec 61 -WhatIf").Output
        $out | Should -Match ([regex]::Escape("ALTER SYSTEM SET archive_timeout = '61'"))
        (Get-PlatformWalStatus -Profile $LabProfile -SampleSec 0).ArchiveTimeoutSec | Should -Be 60
    }

    It 'archives a switched segment and reports the RPO as kept' {
        $switch = Invoke-PlatformWalSwitch -Profile $LabProfile -TimeoutSec 60
        $switch.Archived | Should -BeTrue
        Join-Path $Lab.Archive $switch.Segment | Should -Exist
        $status = Get-PlatformWalStatus -Profile $LabProfile -SampleSec 0.5
        $status.RpoOk | Should -BeTrue
        $status.LastArchivedWal | Should -Not -BeNullOrEmpty
        ($status | Out-String -Width 200) | Should -Match 'Rpo\s+: (UpToDate|Current): .* ok\)'
    }
}

Describe 'Base backup and point-in-time recovery on a throwaway cluster' -Tag 'Throwaway' {
    BeforeAll {
        function script:Sql([string] $Query, [int] $OnPort = $Cluster.Port) { Invoke-Psql postgres $Query -Port $OnPort -PassFile $Cluster.PassFile }
        function script:Restart-Cluster { $null = Invoke-AsPostgres "$($Cluster.Bin)/pg_ctl" restart -D $Cluster.Data -w -s -m fast -l (Join-Path $Cluster.Data 'startup.log') }
    }

    # Each It has a cluster of its own, made with archiving off: an It that needs archiving turns it on itself.
    BeforeEach {
        $script:Cluster = New-TestCluster -Name wal-pester -Password ('pw-' + [guid]::NewGuid().ToString('N')) -Setting 'wal_level = replica' -HbaLine 'host replication all 127.0.0.1/32 scram-sha-256'
        $script:Data = $Cluster.Data
        $script:Archive = Join-Path $Cluster.Root 'wal-archive'
        $script:Backups = Join-Path $Cluster.Root 'backups'
        $null = New-Item -ItemType Directory $Archive, $Backups
        & chown postgres:postgres $Archive $Backups
        $script:ProfilePath = Join-Path $Cluster.Root 'profile.json'
        @{ Name = 'pester-throwaway'; Postgres = @{ Host = '127.0.0.1'; Port = $Cluster.Port; Database = 'postgres'; Username = 'postgres'; PassFile = $Cluster.PassFile; DataDirectory = $Data; WalArchive = $Archive; SslMode = 'disable' }; Backup = @{ Path = $Backups } } |
            ConvertTo-Json -Depth 4 | Set-Content $ProfilePath
        Import-PlatformProfile $ProfilePath
    }

    AfterEach { Remove-TestCluster $Cluster }

    It 'turns archiving on, telling that a restart is needed, and archives after the restart' {
        $r = Enable-PlatformWalArchiving -Confirm:$false -WarningVariable warn 3>$null
        $r.RestartRequired | Should -BeTrue
        "$warn" | Should -Match 'restart'
        Restart-Cluster
        (Enable-PlatformWalArchiving -Confirm:$false).Active | Should -BeTrue
        Sql 'CREATE TABLE events (id serial PRIMARY KEY)' | Out-Null
        (Invoke-PlatformWalSwitch).Archived | Should -BeTrue
    }

    It 'takes a verified base backup, checks the archive from its start, and restores to a moment' {
        $null = Enable-PlatformWalArchiving -Confirm:$false 3>$null
        Restart-Cluster
        Sql 'CREATE TABLE events (id serial PRIMARY KEY, batch text, at timestamptz DEFAULT clock_timestamp())' | Out-Null
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

        $target = Join-Path $Cluster.Root 'restored'
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

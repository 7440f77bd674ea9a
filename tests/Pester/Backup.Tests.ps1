# Backups as users meet them: the built module in a fresh pwsh, against the lab's PostgreSQL and Redis.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $script:Root = Join-Path $Lab.Backups ("bk-pester-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
    $script:Db = 'bk_t_pester_{0}' -f [guid]::NewGuid().ToString('N').Substring(0, 6)
}

Describe 'Backup pipeline against the Docker lab' -Tag 'Docker' {
    BeforeAll {
        Import-PlatformProfile -Path $Lab.Profile
        Invoke-Psql postgres "CREATE DATABASE $Db" | Out-Null
        Invoke-Psql $Db "CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, doc jsonb, raw bytea); INSERT INTO app.items SELECT g, jsonb_build_object('g', g), decode(md5(g::text), 'hex') FROM generate_series(1, 500) g" | Out-Null
        # The one set every It reads; an It that removes or proves sets works on a copy in a folder of its own.
        $script:Set = Invoke-PlatformBackup -Path $Root -Database $Db
        function script:Copy-TestSet([string] $To) {
            $null = New-Item -ItemType Directory -Path $To
            Copy-Item $Set.Path -Destination $To -Recurse
            Join-Path $To (Split-Path $Set.Path -Leaf)
        }
    }

    AfterAll {
        foreach ($d in $Db, "${Db}_r") { Invoke-Psql postgres "DROP DATABASE IF EXISTS $d WITH (FORCE)" | Out-Null }
        Remove-Item $Root, "$Root-*" -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'writes a set with a manifest, shown in the default table view' {
        $Set | Should -BeOfType PlatformOps.Backup.PlatformBackupSet
        Join-Path $Set.Path manifest.json | Should -Exist
        $Set.Databases | Should -Be @($Db)
        $Set.HasGlobals | Should -BeTrue
        $Set.HasRedis | Should -BeTrue
        $table = Get-PlatformBackup -Path $Root | Out-String -Width 200
        $table | Should -Match 'Id\s+Kind\s+Age\s+Size\s+Duration\s+Tool\s+Redis\s+Restore\s+RTO\s+Databases'
        $table | Should -Match ([regex]::Escape($Set.Id))
    }

    It 'pipes into Test-PlatformBackup -Restore, which proves it and records the RTO' {
        $result = $Set | Test-PlatformBackup -Restore
        $result.Passed | Should -BeTrue
        $result.Restored | Should -BeTrue
        $result.RowsCompared | Should -Be 500
        $result.RestoreDuration | Should -BeGreaterThan ([timespan]::Zero)
        ($result | Out-String -Width 200) | Should -Match 'Passed\s+Files\s+Checked\s+Restored\s+RTO'
        $latest = Get-PlatformBackup -Path $Root -Latest
        $latest.LastRestorePassed | Should -BeTrue
        $latest.MeasuredRto | Should -Not -BeNullOrEmpty
        ($latest | Out-String -Width 200) | Should -Match 'proven'
    }

    It 'restores the newest set under a new name from the pipeline' {
        $r = Get-PlatformBackup -Path $Root -Latest | Restore-PlatformDatabase -TargetDatabase "${Db}_r" -Confirm:$false
        $r | Should -BeOfType PlatformOps.Backup.DatabaseRestoreResult
        $r.RowsVerified | Should -Be 500
        Invoke-Psql "${Db}_r" "SELECT md5(string_agg(i::text, ',' ORDER BY id)) FROM app.items i" |
            Should -Be (Invoke-Psql $Db "SELECT md5(string_agg(i::text, ',' ORDER BY id)) FROM app.items i")
    }

    It 'changes nothing with -WhatIf' {
        Get-PlatformBackup -Path $Root -Latest | Restore-PlatformDatabase -TargetDatabase "${Db}_w" -WhatIf
        Invoke-Psql postgres "SELECT count(*) FROM pg_database WHERE datname LIKE '${Db}_w%'" | Should -Be 0
        Remove-PlatformBackup -Path $Root -KeepLast 0 -Force -WhatIf | Out-Null
        @(Get-PlatformBackup -Path $Root).Count | Should -Be 1
    }

    It 'keeps the newest proven set under a retention policy unless forced' {
        $own = "$Root-retention"
        $copy = Copy-TestSet $own
        (Test-PlatformBackup -Path $copy -Restore).Passed | Should -BeTrue
        $decision = Remove-PlatformBackup -Path $own -KeepLast 0 -Confirm:$false
        $decision.Action | Should -Be 'Kept'
        @(Get-PlatformBackup -Path $own).Count | Should -Be 1
        (Remove-PlatformBackup -Path $own -KeepLast 0 -Force -Confirm:$false).Action | Should -Be 'Removed'
        @(Get-PlatformBackup -Path $own).Count | Should -Be 0
    }

    It 'gives a clear error for a missing database and an unknown set' {
        { Invoke-PlatformBackup -Path $Root -Database bk_t_no_such_db -SkipRedis -ErrorAction Stop } |
            Should -Throw -ErrorId 'PostgresDatabaseNotFound*'
        { Test-PlatformBackup -Path (Join-Path $Root 'nope') -ErrorAction Stop } | Should -Throw -ErrorId 'PlatformBackupNotFound*'
    }
}

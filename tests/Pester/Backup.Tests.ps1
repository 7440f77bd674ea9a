# Backups as users meet them: the built module in a fresh pwsh, against the lab's PostgreSQL and Redis.
BeforeAll {
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $labRoot = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
    $script:DockerProfile = Join-Path $labRoot 'lab.profile.json'
    $script:PgPass = Join-Path $labRoot 'secrets/pgpass'
    $script:Root = Join-Path $labRoot ("backups/bk-pester-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
    $script:Db = 'bk_t_pester_{0}' -f [guid]::NewGuid().ToString('N').Substring(0, 6)
    function script:Invoke-Sql([string] $Database, [string] $Sql) {
        $env:PGPASSFILE = $PgPass
        $out = & (Get-Command psql -CommandType Application | Select-Object -First 1) -X -q -At -h 127.0.0.1 -p 55432 -U postgres -d $Database -v ON_ERROR_STOP=1 -c $Sql 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql: $out" }
        $out
    }
}

Describe 'Backup pipeline against the Docker lab' -Tag 'Docker' {
    BeforeAll {
        Import-PlatformProfile -Path $DockerProfile
        Invoke-Sql postgres "CREATE DATABASE $Db" | Out-Null
        Invoke-Sql $Db "CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, doc jsonb, raw bytea); INSERT INTO app.items SELECT g, jsonb_build_object('g', g), decode(md5(g::text), 'hex') FROM generate_series(1, 500) g" | Out-Null
        $script:Set = Invoke-PlatformBackup -Path $Root -Database $Db
    }

    AfterAll {
        foreach ($d in $Db, "${Db}_r") { Invoke-Sql postgres "DROP DATABASE IF EXISTS $d WITH (FORCE)" | Out-Null }
        Remove-Item $Root -Recurse -Force -ErrorAction SilentlyContinue
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
        Invoke-Sql "${Db}_r" "SELECT md5(string_agg(i::text, ',' ORDER BY id)) FROM app.items i" |
            Should -Be (Invoke-Sql $Db "SELECT md5(string_agg(i::text, ',' ORDER BY id)) FROM app.items i")
    }

    It 'changes nothing with -WhatIf' {
        Get-PlatformBackup -Path $Root -Latest | Restore-PlatformDatabase -TargetDatabase "${Db}_w" -WhatIf
        Invoke-Sql postgres "SELECT count(*) FROM pg_database WHERE datname LIKE '${Db}_w%'" | Should -Be 0
        Remove-PlatformBackup -Path $Root -KeepLast 0 -Force -WhatIf | Out-Null
        @(Get-PlatformBackup -Path $Root).Count | Should -Be 1
    }

    It 'keeps the newest proven set under a retention policy unless forced' {
        $decision = Remove-PlatformBackup -Path $Root -KeepLast 0 -Confirm:$false
        $decision.Action | Should -Be 'Kept'
        @(Get-PlatformBackup -Path $Root).Count | Should -Be 1
        (Remove-PlatformBackup -Path $Root -KeepLast 0 -Force -Confirm:$false).Action | Should -Be 'Removed'
        @(Get-PlatformBackup -Path $Root).Count | Should -Be 0
    }

    It 'gives a clear error for a missing database and an unknown set' {
        { Invoke-PlatformBackup -Path $Root -Database bk_t_no_such_db -SkipRedis -ErrorAction Stop } |
            Should -Throw -ErrorId 'PostgresDatabaseNotFound*'
        { Test-PlatformBackup -Path (Join-Path $Root 'nope') -ErrorAction Stop } | Should -Throw -ErrorId 'PlatformBackupNotFound*'
    }
}

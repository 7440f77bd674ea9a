<#
    PlatformOps acceptance suite: PostgreSQL WAL archiving, Redis persistence and the last backup, checked live
    through the profile. Invoke-PlatformTest runs it with the profile path as $ProfilePath.
#>
param([string] $ProfilePath)

BeforeDiscovery {
    $platform = if ($ProfilePath) { Get-PlatformProfile -Path $ProfilePath } else { Get-PlatformProfile }
}

BeforeAll {
    $platform = if ($ProfilePath) { Get-PlatformProfile -Path $ProfilePath } else { Get-PlatformProfile }
    function Test-Capability([string] $Command) { [bool](Get-Command -Name $Command -Module PlatformOps -ErrorAction Ignore) }
}

Describe 'PostgreSQL' -Tag 'Postgres' {
    BeforeAll {
        $script:pg = if ($platform.Postgres) { Get-PlatformPostgresStatus -Profile $platform }
    }

    It 'accepts connections' -Skip:(-not $platform.Postgres) {
        $pg.Version | Should -Not -BeNullOrEmpty
    }

    It 'archives WAL (archive_mode on)' -Skip:(-not $platform.Postgres) {
        $pg.ArchivingEnabled | Should -BeTrue -Because "archive_mode is '$($pg.ArchiveMode)': without archived WAL there is no point-in-time recovery (Enable-PlatformWalArchiving)"
    }

    It 'is not failing to archive WAL' -Skip:(-not $platform.Postgres) {
        $pg.ArchiveFailing | Should -BeFalse -Because "the newest attempt failed on $($pg.LastFailedWal) at $($pg.LastFailedTime)"
    }
}

Describe 'Redis' -Tag 'Redis' {
    BeforeAll {
        $script:redis = if ($platform.Redis) { Get-PlatformRedisStatus -Profile $platform -WarningAction SilentlyContinue }
    }

    It 'has persistence on (RDB or AOF)' -Skip:(-not $platform.Redis) {
        $redis.PersistenceEnabled | Should -BeTrue -Because 'without a save policy or AOF a restart loses every key'
    }

    It 'saved successfully the last time' -Skip:(-not $platform.Redis) {
        $redis.LastBgsaveStatus | Should -Not -Be 'err' -Because 'rdb_last_bgsave_status is err'
        if ($redis.AofEnabled) { $redis.AofLastWriteStatus | Should -Not -Be 'err' }
    }
}

Describe 'Backups' -Tag 'Backup' {
    It 'the newest backup was verified by a restore' {
        if (-not (Test-Capability 'Get-PlatformBackup')) { Set-ItResult -Skipped -Because 'capability not available in this build'; return }
        if (-not $platform.Backup.Path) { Set-ItResult -Skipped -Because 'the profile has no Backup.Path'; return }
        $latest = Get-PlatformBackup -Profile $platform -Latest
        $latest | Should -Not -BeNullOrEmpty -Because "the platform needs a backup in $($platform.Backup.Path) (Invoke-PlatformBackup)"
        $latest.RestoreProven | Should -BeTrue -Because "a backup counts once a restore proved it (Get-PlatformBackup -Latest | Test-PlatformBackup -Restore); $($latest.Id) was not"
    }
}

@{
    RootModule           = 'PlatformOps.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'b6c7e0f4-7f2b-4d8e-9a55-3f0d8e2c1a90'
    Author               = 'PlatformOps'
    CompanyName          = 'PlatformOps'
    Copyright            = '(c) PlatformOps. MIT License.'
    Description          = 'Keeps a self-hosted Docker Compose platform production-ready: health, backups that are proven to restore, least-privilege roles, WAL archiving and PITR, TLS and secrets hygiene, and a readiness score with evidence.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')

    # Explicit lists, no wildcards: the build fails when these and the assembly disagree.
    CmdletsToExport      = @(
        'Get-PlatformBackup'
        'Get-PlatformContainer'
        'Get-PlatformHealth'
        'Get-PlatformPostgresStatus'
        'Get-PlatformProfile'
        'Get-PlatformRedisStatus'
        'Import-PlatformProfile'
        'Invoke-PlatformBackup'
        'Remove-PlatformBackup'
        'Restore-PlatformDatabase'
        'Restore-PlatformRedis'
        'Test-PlatformBackup'
        'Test-PlatformService'
        'Wait-PlatformHealthy'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()

    FormatsToProcess     = @(
        'PlatformOps.Health.format.ps1xml'
        'PlatformOps.Backup.format.ps1xml'
    )

    PrivateData          = @{
        PSData = @{
            Tags         = @('Docker', 'PostgreSQL', 'Redis', 'Backup', 'Health', 'Operations', 'Linux')
            ProjectUri   = 'https://example.invalid/platformops'
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}

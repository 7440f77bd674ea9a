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
        'Enable-PlatformWalArchiving'
        'Find-PlatformSecret'
        'Get-DbRole'
        'Get-PlatformBackup'
        'Get-PlatformCertificate'
        'Get-PlatformContainer'
        'Get-PlatformHealth'
        'Get-PlatformPostgresStatus'
        'Get-PlatformProfile'
        'Get-PlatformRedisStatus'
        'Get-PlatformSecret'
        'Get-PlatformWalStatus'
        'Import-PlatformProfile'
        'Invoke-PlatformBackup'
        'Invoke-PlatformBaseBackup'
        'Invoke-PlatformWalSwitch'
        'New-PlatformCertificate'
        'New-PlatformCertificateAuthority'
        'New-PlatformCertificateRequest'
        'New-PlatformEnvTemplate'
        'New-PlatformSecret'
        'Remove-DbRole'
        'Remove-PlatformBackup'
        'Restore-PlatformCluster'
        'Restore-PlatformDatabase'
        'Restore-PlatformRedis'
        'Set-DbRole'
        'Test-DbRole'
        'Test-PlatformBackup'
        'Test-PlatformCertificate'
        'Test-PlatformSecretHygiene'
        'Test-PlatformService'
        'Test-PlatformWalArchive'
        'Wait-PlatformHealthy'
        'Test-PlatformReadiness'
        'Get-PlatformHealthScore'
        'Invoke-PlatformTest'
        'Export-PlatformReport'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()

    FormatsToProcess     = @(
        'PlatformOps.Health.format.ps1xml'
        'PlatformOps.Readiness.format.ps1xml'
        'PlatformOps.Backup.format.ps1xml'
        'PlatformOps.Certificates.format.ps1xml'
        'PlatformOps.Secrets.format.ps1xml'
        'PlatformOps.Roles.format.ps1xml'
        'PlatformOps.Wal.format.ps1xml'
    )

    PrivateData          = @{
        PSData = @{
            Tags         = @('Docker', 'PostgreSQL', 'Redis', 'Backup', 'Health', 'Operations', 'Linux')
            ProjectUri   = 'https://example.invalid/platformops'
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}

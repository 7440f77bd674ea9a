@{
    # PlatformOps.psm1 loads bin/PlatformOps.dll: on PowerShell 7.4+ into a private AssemblyLoadContext.
    RootModule           = 'PlatformOps.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'b6c7e0f4-7f2b-4d8e-9a55-3f0d8e2c1a90'
    Author               = 'PlatformOps'
    CompanyName          = 'PlatformOps'
    Copyright            = '(c) PlatformOps. MIT License.'
    Description          = 'Keeps a self-hosted Docker Compose platform production-ready: health, backups that are proven to restore, least-privilege roles, WAL archiving and PITR, TLS and secrets hygiene, and a readiness score with evidence.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')

    # Explicit lists, no wildcards: the build fails when these and the assembly disagree. Cmdlets are grouped by noun.
    CmdletsToExport      = @(
        'Get-DbRole'
        'Remove-DbRole'
        'Set-DbRole'
        'Test-DbRole'
        'Get-PlatformBackup'
        'Invoke-PlatformBackup'
        'Remove-PlatformBackup'
        'Remove-PlatformBackupLeftover'
        'Test-PlatformBackup'
        'Invoke-PlatformBaseBackup'
        'Get-PlatformCertificate'
        'New-PlatformCertificate'
        'Test-PlatformCertificate'
        'New-PlatformCertificateAuthority'
        'New-PlatformCertificateRequest'
        'Restore-PlatformCluster'
        'Get-PlatformMaintenance'
        'Install-PlatformMaintenance'
        'Invoke-PlatformMaintenance'
        'Uninstall-PlatformMaintenance'
        'Get-PlatformMaintenanceLog'
        'Get-PlatformContainer'
        'Restore-PlatformDatabase'
        'New-PlatformEnvTemplate'
        'Get-PlatformHealth'
        'Get-PlatformHealthScore'
        'Wait-PlatformHealthy'
        'Get-PlatformPostgresStatus'
        'Get-PlatformProfile'
        'Import-PlatformProfile'
        'Test-PlatformReadiness'
        'Restore-PlatformRedis'
        'Get-PlatformRedisStatus'
        'Export-PlatformReport'
        'Find-PlatformSecret'
        'Get-PlatformSecret'
        'New-PlatformSecret'
        'Test-PlatformSecretHygiene'
        'Test-PlatformService'
        'Invoke-PlatformTest'
        'Test-PlatformWalArchive'
        'Enable-PlatformWalArchiving'
        'Get-PlatformWalStatus'
        'Invoke-PlatformWalSwitch'
        'Remove-PlatformWalArchive'
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
        'PlatformOps.Maintenance.format.ps1xml'
    )

    PrivateData          = @{
        PSData = @{
            Tags         = @('Docker', 'PostgreSQL', 'Redis', 'Backup', 'Health', 'Operations', 'Linux')
            ProjectUri   = 'https://example.invalid/platformops'
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}

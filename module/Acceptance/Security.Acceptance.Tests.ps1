<#
    PlatformOps acceptance suite: database roles without drift and valid certificates, checked live through the
    profile. Invoke-PlatformTest runs it with the profile path as $ProfilePath.
#>
param([string] $ProfilePath)

BeforeDiscovery {
    $platform = if ($ProfilePath) { Get-PlatformProfile -Path $ProfilePath } else { Get-PlatformProfile }
    # The certificates the readiness checklist checks: the profile's files and endpoints, else what PostgreSQL serves.
    $certificates = @($platform.Readiness.CertificatePaths | Where-Object { $_ } | ForEach-Object { @{ Target = $_; Kind = 'File' } })
    $certificates += @($platform.Readiness.TlsEndpoints | Where-Object { $_ } | ForEach-Object { @{ Target = $_; Kind = 'Endpoint' } })
    if ($certificates.Count -eq 0 -and $platform.Postgres) { $certificates = @(@{ Target = "$($platform.Postgres.Host):$($platform.Postgres.Port)"; Kind = 'Endpoint' }) }
}

BeforeAll {
    $platform = if ($ProfilePath) { Get-PlatformProfile -Path $ProfilePath } else { Get-PlatformProfile }
    function Test-Capability([string] $Command) { [bool](Get-Command -Name $Command -Module PlatformOps -ErrorAction Ignore) }
}

Describe 'Database roles' -Tag 'Roles' {
    It 'have no drift from the role model' {
        if (-not (Test-Capability 'Test-DbRole')) { Set-ItResult -Skipped -Because 'capability not available in this build'; return }
        if (-not $platform.Postgres) { Set-ItResult -Skipped -Because 'the profile has no Postgres section'; return }
        $drift = @(Test-DbRole -Profile $platform)
        $drift | Should -BeNullOrEmpty -Because (($drift | ForEach-Object { "$_" }) -join '; ')
    }
}

Describe 'Certificates' -Tag 'Certificates' {
    It '<Target> is valid and not expiring soon' -ForEach $certificates {
        if (-not (Test-Capability 'Test-PlatformCertificate')) { Set-ItResult -Skipped -Because 'capability not available in this build'; return }
        $days = if ($platform.Readiness) { [int][math]::Ceiling($platform.Readiness.CertificateWarningDays) } else { 30 }
        # The issuer is judged against the profile's CAs, as the readiness checklist judges it; without them, the system store.
        $trust = @{}
        if ($platform.Readiness -and $platform.Readiness.CertificateAuthorityPaths.Count -gt 0) { $trust.CaPath = @($platform.Readiness.CertificateAuthorityPaths) }
        $test = if ($Kind -eq 'File') { Test-PlatformCertificate -Path $Target -WarningDays $days @trust }
                else { $hostName, $port = $Target -split ':(?=\d+$)'; Test-PlatformCertificate -Profile $platform -Server $hostName -Port $port -WarningDays $days @trust }
        "$($test.Status)" | Should -Be 'Pass' -Because ($test.Reasons -join '; ')
    }
}

<#
    PlatformOps acceptance suite: database roles without drift and valid certificates, checked live through the
    profile. Invoke-PlatformTest runs it with the profile path as $ProfilePath.
#>
param([string] $ProfilePath)

BeforeDiscovery {
    $platform = if ($ProfilePath) { Get-PlatformProfile -Path $ProfilePath } else { Get-PlatformProfile }
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
    It 'are valid and not expiring soon' {
        if (-not (Test-Capability 'Test-PlatformCertificate')) { Set-ItResult -Skipped -Because 'capability not available in this build'; return }
        Set-ItResult -Skipped -Because 'capability not available in this build'
    }
}

<#
    PlatformOps acceptance suite: the platform's containers and HTTP endpoints, checked live through the profile.
    Invoke-PlatformTest runs it with the profile path as $ProfilePath; it can also run on its own:
        Invoke-Pester -Container (New-PesterContainer -Path <this file> -Data @{ ProfilePath = './platform.profile.json' })
#>
param([string] $ProfilePath)

BeforeDiscovery {
    $platform = if ($ProfilePath) { Get-PlatformProfile -Path $ProfilePath } else { Get-PlatformProfile }
    $services = @($platform.Services | ForEach-Object { @{ Name = $_.Name; Url = $_.Url } })
    $monitoring = @($platform.Monitoring | ForEach-Object { @{ Name = $_.Name; Url = $_.Url } })
    $containers = @()
    if ($platform.Docker) {
        $containers = @(Get-PlatformContainer -Profile $platform -ErrorAction SilentlyContinue | ForEach-Object { @{ Name = $_.Name } })
    }
}

BeforeAll {
    $platform = if ($ProfilePath) { Get-PlatformProfile -Path $ProfilePath } else { Get-PlatformProfile }
}

Describe 'Containers' -Tag 'Containers' {
    BeforeAll {
        $script:current = if ($platform.Docker) { @(Get-PlatformContainer -Profile $platform) } else { @() }
    }

    It 'the profile names a Docker engine with containers' -Skip:(-not $platform.Docker) {
        $current.Count | Should -BeGreaterThan 0 -Because "the Compose project '$($platform.Docker.ComposeProject)' should have containers"
    }

    It '<Name> is running and passes its health check' -ForEach $containers {
        $c = $current | Where-Object Name -EQ $Name
        $c.State | Should -Be 'running' -Because "exit code $($c.ExitCode) $($c.Error)"
        $c.HasHealthCheck | Should -BeTrue -Because 'every service needs a health check'
        "$($c.Health)" | Should -Be 'Healthy' -Because "its last probe said: $($c.LastProbeOutput)"
    }
}

Describe 'Service health endpoints' -Tag 'Services' {
    BeforeAll {
        $script:answers = @(Test-PlatformService -Profile $platform -IncludeMonitoring)
    }

    It 'the profile names services' {
        if ($platform.Services.Count -eq 0) { Set-ItResult -Skipped -Because 'the profile names no Services' }
        $platform.Services.Count | Should -BeGreaterThan 0
    }

    It '<Name> answers 2xx at <Url>' -ForEach $services {
        $a = $answers | Where-Object Name -EQ $Name
        $a.StatusCode | Should -BeGreaterOrEqual 200 -Because $a.Detail
        $a.StatusCode | Should -BeLessThan 300 -Because $a.Detail
    }

    It 'monitoring endpoint <Name> answers 2xx at <Url>' -ForEach $monitoring {
        $a = $answers | Where-Object Name -EQ $Name
        $a.StatusCode | Should -BeGreaterOrEqual 200 -Because $a.Detail
        $a.StatusCode | Should -BeLessThan 300 -Because $a.Detail
    }
}

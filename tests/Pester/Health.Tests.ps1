# The health cmdlets as users meet them: the built module in a fresh pwsh, against the lab.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    Import-Module $env:PLATFORMOPS_MODULE -Force
}

Describe 'Health of the Docker lab' -Tag 'Docker' {
    BeforeAll {
        Import-PlatformProfile -Path $Lab.Profile
        Wait-PlatformHealthy -WaitSec 90 -IntervalSec 1 -ErrorAction Stop | Out-Null
    }

    It 'reads all healthy, one object per item, with the default table view' {
        $items = Get-PlatformHealth
        $items | Where-Object Status -NE 'Healthy' | Should -BeNullOrEmpty
        @($items | Where-Object Component -EQ 'Container').Count | Should -Be 19
        $table = $items | Out-String -Width 200
        $table | Should -Match 'Component\s+Name\s+Status\s+LatencyMs\s+Detail'
    }

    It 'rolls up per component with -Summary' {
        $summary = Get-PlatformHealth -Summary
        $summary.Component | Should -Be @('Container', 'Postgres', 'Redis', 'Service', 'Monitoring')
        $summary | ForEach-Object { $_.Healthy | Should -Be $_.Total }
    }

    It 'pipes container names by property into Get-PlatformContainer' {
        $c = [pscustomobject]@{ Name = 'agentic-postgres' } | Get-PlatformContainer
        $c.Service | Should -Be 'agentic-postgres'
        $c.Health | Should -Be 'Healthy'
    }

    It 'shows a failing health check as unhealthy with the reason' {
        $null = Invoke-LabScript break fail-health l09-api-gateway
        try {
            $check = Test-PlatformService -Name l09-api-gateway
            $check.Status | Should -Be 'Unhealthy'
            $check.StatusCode | Should -Be 404
            (Get-PlatformHealth -Component Service | Where-Object Name -EQ 'l09-api-gateway').Detail | Should -Match 'HTTP 404'
        }
        finally { $null = Invoke-LabScript fix fail-health l09-api-gateway }
        (Test-PlatformService -Name l09-api-gateway).Status | Should -Be 'Healthy'
    }

    It 'never prints the lab passwords in any view' {
        $pg = (Get-Content $Lab.PostgresPasswordFile -Raw).Trim()
        $redis = (Get-Content $Lab.RedisPasswordFile -Raw).Trim()
        $text = @(Get-PlatformHealth; Get-PlatformPostgresStatus; Get-PlatformRedisStatus; Get-PlatformProfile) | Format-List * | Out-String
        $text | Should -Not -Match ([regex]::Escape($pg))
        $text | Should -Not -Match ([regex]::Escape($redis))
    }
}

Describe 'Health without Docker' -Tag 'Plain' {
    It 'checks PostgreSQL and Redis running as plain processes' {
        $items = Get-PlatformHealth -Profile $Lab.PlainProfile
        $items.Component | Should -Be @('Postgres', 'Redis')
        $items.Status | Should -Be @('Healthy', 'Healthy')
    }

    It 'reads a profile from $env:PLATFORMOPS_PROFILE in a runbook-like fresh process' {
        $r = Invoke-Pwsh -Environment @{ PLATFORMOPS_PROFILE = $Lab.PlainProfile } "(Get-PlatformHealth -Summary | ForEach-Object { `$_.Component + '=' + `$_.Status }) -join ','"
        $r.Lines | Should -Be 'Postgres=Healthy,Redis=Healthy'
    }

    It 'gives a clear error for an unreachable Docker engine within a bounded time' {
        $elapsed = Measure-Command {
            { Get-PlatformContainer -DockerEndpoint tcp://127.0.0.1:1 -TimeoutSec 2 -ErrorAction Stop } |
                Should -Throw -ErrorId 'DockerEngineUnreachable,PlatformOps.Containers.GetPlatformContainerCommand'
        }
        $elapsed.TotalSeconds | Should -BeLessThan 5
    }
}

# PlatformOps keeps its dependencies in a private AssemblyLoadContext on PowerShell 7, so another module that ships
# its own Npgsql (here the real Npgsql 8.0.3, Add-Type'd as such modules do) works beside it in either order.
# Each scenario runs in a fresh pwsh: an assembly once loaded cannot be unloaded from the default context.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    $script:OtherNpgsql = Get-NuGetPackageFile 'npgsql/8.0.3/lib/net8.0/Npgsql.dll'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    $script:OtherNpgsql = Get-NuGetPackageFile 'npgsql/8.0.3/lib/net8.0/Npgsql.dll'
    $script:OtherLogging = Get-NuGetPackageFile 'microsoft.extensions.logging.abstractions/8.0.0/lib/net8.0/Microsoft.Extensions.Logging.Abstractions.dll'

    # The child: loads the modules in the order asked, uses each, and reports what it saw as JSON.
    $script:Child = Join-Path $TestDrive 'coexist.ps1'
    Set-Content -Path $Child -Value @'
param([string] $ModulePath, [string] $OtherNpgsql, [string] $OtherLogging, [string] $ProfilePath, [string] $PassFile, [string] $Steps)
$ErrorActionPreference = 'Stop'
$result = [ordered]@{}
function Get-OtherServerVersion {
    # The other module at work: its own NpgsqlConnection, a real query against the lab's PostgreSQL.
    $json = Get-Content $ProfilePath -Raw | ConvertFrom-Json
    $cs = "Host=$($json.Postgres.Host);Port=$($json.Postgres.Port);Username=$($json.Postgres.Username);Database=$($json.Postgres.Database);Passfile=$PassFile;Timeout=10"
    $c = [Npgsql.NpgsqlConnection]::new($cs)
    try { $c.Open(); $cmd = $c.CreateCommand(); $cmd.CommandText = 'SELECT current_setting(''server_version_num'')'; [string]$cmd.ExecuteScalar() } finally { $c.Dispose() }
}
foreach ($step in $Steps -split ',') {
    switch ($step) {
        'Other' {
            # As a module that ships Npgsql does: its Npgsql and the one dependency Npgsql 8 has on .NET 8.
            Add-Type -Path $OtherLogging
            Add-Type -Path $OtherNpgsql
            $a = [Npgsql.NpgsqlConnection].Assembly
            $result.OtherVersion = $a.GetName().Version.ToString()
            $result.OtherContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name
            $result.OtherLocation = $a.Location
        }
        'UseOther' { $result.OtherServerVersion = Get-OtherServerVersion }
        'Module' { Import-Module $ModulePath; Import-PlatformProfile -Path $ProfilePath | Out-Null }
        'UseModule' {
            $h = @(Get-PlatformHealth -Component Postgres)
            $result.HealthStatus = @($h | ForEach-Object { [string]$_.Status })
            $result.HealthDetail = @($h | ForEach-Object { [string]$_.Detail })
            $result.PostgresVersion = [string](Get-PlatformPostgresStatus).Version
            $mine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Npgsql' -and $_.Location -like "$(Split-Path $ModulePath)*" }
            $result.ModuleNpgsqlVersion = @($mine | ForEach-Object { $_.GetName().Version.ToString() })
            $result.ModuleNpgsqlContext = @($mine | ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name })
        }
    }
}
$result.DefaultNpgsql = @([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { $_.GetName().Name -eq 'Npgsql' } | ForEach-Object { $_.GetName().Version.ToString() })
$result | ConvertTo-Json -Compress
'@

    function Invoke-Coexistence([string[]] $Steps) {
        $r = Invoke-TestProcess $Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $Child, '-ModulePath', $env:PLATFORMOPS_MODULE, '-OtherNpgsql', $OtherNpgsql,
            '-OtherLogging', $OtherLogging, '-ProfilePath', $Lab.PlainProfile, '-PassFile', $Lab.PgPass, '-Steps', ($Steps -join ',')
        $r.ExitCode | Should -Be 0 -Because $r.Output
        ($r.Lines | Select-Object -Last 1) | ConvertFrom-Json
    }
}

Describe 'Another module''s Npgsql beside PlatformOps' -Skip:(-not (Test-Path $OtherNpgsql)) {
    It 'other Npgsql 8.0.3 first, then PlatformOps: PostgreSQL reads Healthy and both drivers work' {
        $r = Invoke-Coexistence 'Other', 'Module', 'UseModule', 'UseOther'
        $r.OtherVersion | Should -Be '8.0.3.0'
        $r.HealthStatus | Should -Be @('Healthy') -Because ($r.HealthDetail -join '; ')
        $r.PostgresVersion | Should -Match '^\d+\.\d+'
        $r.OtherServerVersion | Should -Match '^\d{5,6}$'
        $r.ModuleNpgsqlVersion | Should -Be @('8.0.9.0')
        $r.ModuleNpgsqlContext | Should -Be @('PlatformOps')
        $r.DefaultNpgsql | Should -Be @('8.0.3.0')
    }

    It 'PlatformOps first and used, then the other module: it gets its own 8.0.3 in the default context' {
        $r = Invoke-Coexistence 'Module', 'UseModule', 'Other', 'UseOther'
        $r.HealthStatus | Should -Be @('Healthy') -Because ($r.HealthDetail -join '; ')
        $r.OtherVersion | Should -Be '8.0.3.0'
        $r.OtherContext | Should -Be 'Default'
        $r.OtherLocation | Should -Be $OtherNpgsql
        $r.OtherServerVersion | Should -Match '^\d{5,6}$'
        $r.DefaultNpgsql | Should -Be @('8.0.3.0')
    }

    It 'both in one session, in turns: each keeps its own driver' {
        $r = Invoke-Coexistence 'Module', 'UseModule', 'Other', 'UseOther', 'UseModule', 'UseOther'
        $r.HealthStatus | Should -Be @('Healthy') -Because ($r.HealthDetail -join '; ')
        $r.OtherVersion | Should -Be '8.0.3.0'
        $r.OtherServerVersion | Should -Match '^\d{5,6}$'
        $r.ModuleNpgsqlVersion | Should -Be @('8.0.9.0')
        $r.ModuleNpgsqlContext | Should -Be @('PlatformOps')
        $r.DefaultNpgsql | Should -Be @('8.0.3.0')
    }
}

Describe 'The private load context' {
    It 'holds PlatformOps and its third-party dependencies, and leaves the framework to the host' {
        $script = @'
Import-Module '{0}'
Import-PlatformProfile -Path '{1}' | Out-Null
$null = Get-PlatformHealth -Component Postgres
# Redis and Docker clients load on first use, reachable or not.
$null = Get-PlatformRedisStatus -Server 127.0.0.1 -Port 1 -ErrorAction SilentlyContinue
$null = Get-PlatformContainer -DockerEndpoint tcp://127.0.0.1:1 -ErrorAction SilentlyContinue
$rows = [AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object {{
    [pscustomobject]@{{ Name = $_.GetName().Name; Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name }} }}
$rows | ConvertTo-Json -Compress
'@ -f $env:PLATFORMOPS_MODULE, $Lab.PlainProfile
        $r = Invoke-Pwsh -NoModule $script
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $rows = ($r.Lines | Select-Object -Last 1) | ConvertFrom-Json
        $private = @($rows | Where-Object Context -EQ 'PlatformOps' | ForEach-Object Name)
        foreach ($n in 'PlatformOps', 'Npgsql', 'StackExchange.Redis', 'Docker.DotNet') { $private | Should -Contain $n }
        # The loader itself is the only assembly of ours in the default context.
        @($rows | Where-Object { $_.Context -eq 'Default' -and $_.Name -like 'PlatformOps*' } | ForEach-Object Name) | Should -Be @('PlatformOps.LoadContext')
        # One Span<T>, one PowerShell: no framework assembly is loaded twice.
        $private | Where-Object { $_ -like 'System.*' -and $_ -ne 'System.IO.Hashing' } | Should -BeNullOrEmpty
        @($rows | Where-Object Name -EQ 'System.Management.Automation').Count | Should -Be 1
        @($rows | Where-Object Name -EQ 'System.Memory').Count | Should -BeLessOrEqual 1
    }

    It 're-imports with -Force in the same session' {
        $r = Invoke-Pwsh "Import-Module '$env:PLATFORMOPS_MODULE' -Force; (Get-Command -Module PlatformOps).Count"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        [int]($r.Lines | Select-Object -Last 1) | Should -Be (Import-PowerShellDataFile $env:PLATFORMOPS_MODULE).CmdletsToExport.Count
    }
}

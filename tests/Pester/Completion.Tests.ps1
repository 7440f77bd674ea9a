# Tab completion as users meet it: TabExpansion2 in a session with the built module, for the names typed all day.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    Import-Module $env:PLATFORMOPS_MODULE -Force

    # A profile of our own: names to complete, and the lab's PostgreSQL for server-side lists.
    $script:Backups = Join-Path $TestDrive 'backups'
    $null = New-Item -ItemType Directory -Path $Backups
    $script:ProfilePath = Join-Path $TestDrive 'completion.profile.json'
    @{
        Name       = 'completion-test'
        Postgres   = @{ Host = '127.0.0.1'; Port = $Lab.PostgresPort; Database = 'postgres'; Username = 'postgres'; PassFile = $Lab.PgPass; Container = 'cmp-postgres' }
        Redis      = @{ Host = '127.0.0.1'; Port = $Lab.RedisPort; Container = 'cmp-redis' }
        Services   = @(@{ Name = 'orders-api'; Url = 'http://127.0.0.1:1/health'; Container = 'cmp-orders' }, @{ Name = 'billing api'; Url = 'http://127.0.0.1:2/health'; Container = 'cmp-billing' })
        Monitoring = @(@{ Name = 'cmp-prometheus'; Url = 'http://127.0.0.1:3/-/healthy'; Container = 'cmp-prometheus' })
        Roles      = @{ ReadRole = 'cmp_read'; WriteRole = 'cmp_write'; AdminRole = 'cmp_admin'; Services = @{ cmp_orders = 'write' } }
        Backup     = @{ Path = $Backups }
    } | ConvertTo-Json -Depth 5 | Set-Content $ProfilePath
    Import-PlatformProfile -Path $ProfilePath | Out-Null

    function script:Complete([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText)
    }

    function script:New-FakeSet([string] $Id, [string[]] $Databases, [datetime] $Completed) {
        $dir = Join-Path $Backups $Id
        $null = New-Item -ItemType Directory -Path $dir
        @{ schema = 'platformops.backup/1'; id = $Id; completedUtc = $Completed.ToString('o')
            # A manifest that keeps the manifest rules (a Directory dump lists its parts, toc.dat among them): completion
            # reads sets through the same checked reader as every other cmdlet.
            files = @($Databases | ForEach-Object { @{ name = "$_.dump"; kind = 'Database'; database = $_; format = 'Directory'; compression = 'gzip'
                    parts = @(@{ name = 'toc.dat'; size = 1; sha256 = '00' }) } })
        } | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $dir 'manifest.json')
        (Get-Item (Join-Path $dir 'manifest.json')).LastWriteTimeUtc = $Completed
    }
}

Describe 'Completion from the profile' {
    It 'completes container names for Get-PlatformContainer -Name, Restore-PlatformRedis -Container, Enable-PlatformWalArchiving -Container' {
        Complete 'Get-PlatformContainer -Name cmp-' | Should -Be @('cmp-billing', 'cmp-orders', 'cmp-postgres', 'cmp-prometheus', 'cmp-redis')
        Complete 'Get-PlatformContainer -Name cmp-o' | Should -Be @('cmp-orders')
        Complete 'Restore-PlatformRedis -Container cmp-r' | Should -Be @('cmp-redis')
        Complete 'Enable-PlatformWalArchiving -Container cmp-p' | Should -Be @('cmp-postgres', 'cmp-prometheus')
    }

    It 'completes service names for Test-PlatformService -Name, quoting a name with a space' {
        Complete 'Test-PlatformService -Name ' | Should -Be @("'billing api'", 'cmp-prometheus', 'orders-api')
        Complete "Test-PlatformService -Name 'bil" | Should -Be @("'billing api'")
    }

    It 'uses -Profile as typed before the session''s profile' {
        $other = Join-Path $TestDrive 'other.profile.json'
        @{ Name = 'other'; Services = @(@{ Name = 'zeta-svc'; Url = 'http://127.0.0.1:4/health' }) } | ConvertTo-Json -Depth 4 | Set-Content $other
        Complete "Test-PlatformService -Profile '$other' -Name " | Should -Be @('zeta-svc')
    }

    It 'offers nothing, quietly and at once, when no profile is loaded' {
        $r = Invoke-Pwsh -Environment @{ PLATFORMOPS_PROFILE = $null } @'
$sw = [Diagnostics.Stopwatch]::StartNew()
$r = TabExpansion2 -inputScript 'Get-PlatformContainer -Name x' -cursorColumn 29
'count:' + $r.CompletionMatches.Count + ' ms:' + $sw.ElapsedMilliseconds
'@
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Match 'count:0 ms:\d+'
        ($r.Output -split '\r?\n' | Where-Object { $_ -and $_ -notmatch '^count:' }) | Should -BeNullOrEmpty -Because 'a completer never prints'
    }
}

Describe 'Completion of backup ids and of a set''s databases' {
    BeforeAll {
        New-FakeSet '20260101T020000Z-aaaa' @('app', 'billing') ([datetime]'2026-01-01T02:00:00Z')
        New-FakeSet '20260102T020000Z-bbbb' @('app', 'orders') ([datetime]'2026-01-02T02:00:00Z')
        $null = New-Item -ItemType Directory -Path (Join-Path $Backups '.20260103T020000Z-cccc.partial')
    }

    It 'completes Get-PlatformBackup -Id from the backup folder, never a partial set' {
        Complete 'Get-PlatformBackup -Id 2026' | Should -Be @('20260101T020000Z-aaaa', '20260102T020000Z-bbbb')
        Complete "Get-PlatformBackup -Path '$Backups' -Id *bbbb" | Should -Be @('20260102T020000Z-bbbb')
    }

    It 'completes Restore-PlatformDatabase -Database from the set given by -Path, else from the newest set' {
        Complete "Restore-PlatformDatabase -Path '$(Join-Path $Backups '20260101T020000Z-aaaa')' -Database " | Should -Be @('app', 'billing')
        Complete 'Restore-PlatformDatabase -Database ' | Should -Be @('app', 'orders')
    }
}

Describe 'Completion against a server that does not answer' {
    It 'gives up within the budget and quietly when the server does not answer' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()   # accepts connections, never answers
        try {
            $port = $listener.LocalEndpoint.Port
            $pass = Join-Path $TestDrive 'silent.pgpass'
            "127.0.0.1:${port}:*:*:not-a-real-password" | Set-Content $pass
            if (-not $IsWindows) { chmod 600 $pass }
            $sw = [Diagnostics.Stopwatch]::StartNew()
            Complete "Get-DbRole -Server 127.0.0.1 -Port $port -PassFile '$pass' -Name x" | Should -BeNullOrEmpty
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 3
            $sw.Elapsed.TotalSeconds | Should -BeGreaterThan 0.5 -Because 'the server was really waited for (the budget is 1.5 s)'
        }
        finally { $listener.Stop() }
    }
}

Describe 'Completion of SecretManagement vaults' {
    It 'completes Get-PlatformSecret -Vault from the vault registry, without loading SecretManagement' {
        $home2 = Join-Path $TestDrive 'home'
        $registry = Join-Path $home2 '.secretmanagement/secretvaultregistry'
        $null = New-Item -ItemType Directory -Path $registry -Force
        '{"DefaultVaultName":"LocalStore","Vaults":{"LocalStore":{"ModuleName":"Microsoft.PowerShell.SecretStore"},"Team Vault":{"ModuleName":"SecretManagement.KeePass"}}}' |
            Set-Content (Join-Path $registry 'vaultinfo')
        $saved = $env:HOME
        try {
            $env:HOME = $home2
            Complete 'Get-PlatformSecret -Name x -Vault ' | Should -Be @('LocalStore', "'Team Vault'")
            Complete 'Get-PlatformSecret -Name x -Vault Lo' | Should -Be @('LocalStore')
        }
        finally { $env:HOME = $saved }
        Get-Module Microsoft.PowerShell.SecretManagement | Should -BeNullOrEmpty
    }
}

Describe 'Completion from the PostgreSQL server' -Tag 'Docker' {
    BeforeAll {
        $script:Suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
        Invoke-Psql postgres "CREATE DATABASE cmp_db_$Suffix; CREATE ROLE cmp_role_$Suffix" | Out-Null
    }

    AfterAll {
        Invoke-Psql postgres "DROP DATABASE IF EXISTS cmp_db_$Suffix; DROP ROLE IF EXISTS cmp_role_$Suffix" | Out-Null
    }

    It 'completes -Database from the server for Invoke-PlatformBackup, Get-DbRole and Restore-PlatformDatabase -TargetDatabase' {
        Complete "Invoke-PlatformBackup -Database cmp_db_$Suffix" | Should -Be @("cmp_db_$Suffix")
        Complete "Get-DbRole -Database cmp_db_$Suffix" | Should -Be @("cmp_db_$Suffix")
        Complete "Restore-PlatformDatabase -TargetDatabase cmp_db_$Suffix" | Should -Be @("cmp_db_$Suffix")
        Complete 'Invoke-PlatformBackup -Database template' | Should -BeNullOrEmpty -Because 'templates take no connection'
    }

    It 'completes role names from the server and the profile''s model' {
        Complete "Get-DbRole -Name cmp_role_$Suffix" | Should -Be @("cmp_role_$Suffix")
        Complete 'Set-DbRole -Name cmp_' | Should -Contain 'cmp_read'
        Complete 'Set-DbRole -Name cmp_' | Should -Contain 'cmp_orders'
        Complete "Remove-DbRole -Name x -ReassignTo cmp_role_$Suffix" | Should -Be @("cmp_role_$Suffix")
        Complete 'Get-DbRole -Name pg_' | Should -BeNullOrEmpty -Because 'built-in roles are not offered'
    }
}

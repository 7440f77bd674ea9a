# The role cmdlets as users meet them: the built module in a fresh pwsh, against the lab's PostgreSQL.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $script:Prefix = 'pops_rp_'
    $script:Db = 'pops_rp_db'
    function script:Sql([string] $Database, [string] $Query) { Invoke-Psql $Database $Query }
    function script:Remove-TestRoles([string[]] $Databases) {
        $each = { param($stmt) "DO `$`$DECLARE r text; BEGIN FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE '$Prefix%' LOOP EXECUTE format('$stmt', r); END LOOP; END`$`$" }
        foreach ($d in $Databases) { Sql $d (& $each 'DROP OWNED BY %I') | Out-Null }
        Sql postgres (& $each 'DROP ROLE %I') | Out-Null
    }
    function script:Cleanup {
        Sql postgres "DROP DATABASE IF EXISTS $Db WITH (FORCE)" | Out-Null
        Remove-TestRoles 'postgres', 'agentic'
    }
    # Every It starts from no roles of the model and a fresh schema (the database stays: the module's pooled
    # connections to it stay good); an It that needs the model applies it first.
    function script:Reset-RoleLab {
        Remove-TestRoles $Db, 'postgres', 'agentic'
        Sql $Db 'DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app; CREATE TABLE app.orders (id serial PRIMARY KEY, total numeric)' | Out-Null
    }
    function script:Set-Model { $null = Set-DbRole -Platform -ServiceCredential $Creds -Confirm:$false }
    Cleanup
    Sql postgres "CREATE DATABASE $Db" | Out-Null

    $p = Get-Content $Lab.Profile -Raw | ConvertFrom-Json -AsHashtable
    $p.Name = 'roles-pester'
    $p.Postgres.Database = $Db
    $services = [ordered]@{}
    foreach ($s in 'api', 'worker', 'ui') { $services["${Prefix}$s"] = @{ api = 'write'; worker = 'admin'; ui = 'read' }[$s] }
    $p.Roles = [ordered]@{ ReadRole = "${Prefix}read"; WriteRole = "${Prefix}write"; AdminRole = "${Prefix}admin"; Schemas = @('app'); Services = $services }
    $script:ProfilePath = Join-Path ([IO.Path]::GetTempPath()) 'pops-roles-pester.profile.json'
    $p | ConvertTo-Json -Depth 5 | Set-Content $ProfilePath
    Import-PlatformProfile $ProfilePath
    $script:Secret = Add-TestSecret ('pester-' + [guid]::NewGuid().ToString('N'))
    $script:Creds = @($services.Keys | ForEach-Object { [pscredential]::new($_, (ConvertTo-SecureString $Secret -AsPlainText -Force)) })
}

AfterAll {
    Cleanup
    Remove-Item $ProfilePath -ErrorAction SilentlyContinue
}

Describe 'Database roles as desired state' -Tag 'Docker' {
    BeforeEach { Reset-RoleLab }

    It '-WhatIf prints the exact SQL plan, passwords masked, and runs none of it' {
        # The service password goes to the child by environment, never on its command line.
        $r = Invoke-Pwsh -Environment @{ POPS_TEST_SECRET = $Secret } "`$c = [pscredential]::new('${Prefix}api', (ConvertTo-SecureString `$env:POPS_TEST_SECRET -AsPlainText -Force)); Set-DbRole -Platform -Profile '$ProfilePath' -ServiceCredential `$c -WhatIf"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $out = $r.Output
        $out | Should -Match 'What if: Apply \d+ statement\(s\) to database ''pops_rp_db'''
        $out | Should -Match ([regex]::Escape("CREATE ROLE `"${Prefix}read`" WITH NOLOGIN"))
        $out | Should -Match ([regex]::Escape("GRANT SELECT ON ALL TABLES IN SCHEMA `"app`" TO `"${Prefix}read`""))
        $out | Should -Match ([regex]::Escape("ALTER DEFAULT PRIVILEGES FOR ROLE `"postgres`" IN SCHEMA `"app`" GRANT SELECT ON TABLES TO `"${Prefix}read`""))
        $out | Should -Match ([regex]::Escape("PASSWORD 'SCRAM-SHA-256`$********'"))
        $out | Should -Not -Match $Secret
        Sql postgres "select count(*) from pg_roles where rolname like '$Prefix%'" | Should -Be '0'
    }

    It 'applies the platform model in one call, then finds nothing to change and says so' {
        $first = Set-DbRole -Platform -ServiceCredential $Creds -Confirm:$false
        $first.Role | Should -Be @("${Prefix}read", "${Prefix}write", "${Prefix}admin", "${Prefix}api", "${Prefix}worker", "${Prefix}ui")
        $first.Action | Sort-Object -Unique | Should -Be 'Created'

        $second = Set-DbRole -Platform -ServiceCredential $Creds -Verbose 4>&1
        $verbose = $second | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'No changes'
        ($second | Where-Object { $_ -is [PlatformOps.Roles.DbRoleSetResult] }).Action | Sort-Object -Unique | Should -Be 'Unchanged'
        Test-DbRole -Quiet -ServiceCredential $Creds | Should -BeTrue
    }

    It 'shows roles in a table that tells what \du hides' {
        Set-Model
        $table = Get-DbRole "${Prefix}*" | Out-String -Width 250
        $table | Should -Match 'Name\s+Login\s+Password\s+MemberOf\s+Attributes\s+Privileges'
        $table | Should -Match "${Prefix}api\s+yes\s+SCRAM-SHA-256\s+${Prefix}write"
        $table | Should -Match 'app Table: '
        $table | Should -Not -Match $Secret
        $priv = (Get-DbRole "${Prefix}ui").Privileges | Where-Object { $_.Schema -eq 'app' -and $_.ObjectKind -eq 'Table' }
        $priv.Privilege | Should -Be 'SELECT'
        $priv.Via | Should -Be "${Prefix}read"
        ((Get-DbRole "${Prefix}ui").Privileges | Out-String) | Should -Match 'Role\s+Schema\s+ObjectKind\s+Privilege\s+Objects\s+Via'
    }

    It 'shows a manual grant as drift, one row per difference, with the fix' {
        Set-Model
        Sql $Db "GRANT DELETE ON app.orders TO ${Prefix}read; GRANT ${Prefix}admin TO ${Prefix}ui" | Out-Null
        $drift = Test-DbRole -ServiceCredential $Creds
        $drift.Count | Should -Be 2
        ($drift | Where-Object Kind -EQ 'ExtraGrant').Fix | Should -Be "REVOKE DELETE ON ALL TABLES IN SCHEMA `"app`" FROM `"${Prefix}read`""
        ($drift | Where-Object Kind -EQ 'ExtraMembership').Fix | Should -Be "REVOKE `"${Prefix}admin`" FROM `"${Prefix}ui`""
        ($drift | Out-String -Width 200) | Should -Match 'Role\s+Kind\s+Schema\s+Privilege\s+Detail'
        (Set-DbRole -Platform -ServiceCredential $Creds -Confirm:$false | Where-Object Changed).Count | Should -Be 2
        Test-DbRole -ServiceCredential $Creds | Should -BeNullOrEmpty
    }

    It 'takes role specs from the pipeline and quotes a hostile name' {
        Set-Model
        $name = "${Prefix}x`"; DROP TABLE app.orders; --"
        $spec = [PlatformOps.Roles.DbRoleSpec]::new($name, 'Read')
        $spec.MemberOf.Add("${Prefix}read")
        $result = $spec | Set-DbRole -Confirm:$false
        $result.Role | Should -Be $name
        $result.Action | Should -Be 'Created'
        Sql $Db "select count(*) from pg_tables where schemaname = 'app' and tablename = 'orders'" | Should -Be '1'
        (Get-DbRole ([WildcardPattern]::Escape($name))).MemberOf | Should -Be "${Prefix}read"
        Get-DbRole ([WildcardPattern]::Escape($name)) | Remove-DbRole -Confirm:$false | Select-Object -ExpandProperty Removed | Should -BeTrue
        Sql postgres "select count(*) from pg_roles where rolname = '$($name.Replace("'", "''"))'" | Should -Be '0'
    }

    It 'Remove-DbRole -WhatIf changes nothing and Remove-DbRole is ConfirmImpact High' {
        Set-Model
        (Get-Command Remove-DbRole).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
        Remove-DbRole "${Prefix}ui" -WhatIf
        Sql postgres "select count(*) from pg_roles where rolname = '${Prefix}ui'" | Should -Be '1'
    }
}

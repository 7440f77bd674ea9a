# The role cmdlets as users meet them: the built module in a fresh pwsh, against the lab's PostgreSQL.
BeforeAll {
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $labRoot = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
    $script:LabProfile = Join-Path $labRoot 'lab.profile.json'
    $script:Prefix = 'pops_rp_'
    $script:Db = 'pops_rp_db'
    $script:Pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
    $env:PGPASSFILE = Join-Path $labRoot 'secrets/pgpass'
    # Queries go to psql on stdin, so quotes in hostile names never meet a command line.
    function script:Sql([string] $Database, [string] $Query) {
        $out = $Query | & psql -X -q -t -A -h 127.0.0.1 -p 55432 -U postgres -d $Database -v ON_ERROR_STOP=1 -f - 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
        $out
    }
    function script:Cleanup {
        Sql postgres "DROP DATABASE IF EXISTS $Db WITH (FORCE)" | Out-Null
        $each = { param($stmt) "DO `$`$DECLARE r text; BEGIN FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE '$Prefix%' LOOP EXECUTE format('$stmt', r); END LOOP; END`$`$" }
        foreach ($d in 'postgres', 'agentic') { Sql $d (& $each 'DROP OWNED BY %I') | Out-Null }
        Sql postgres (& $each 'DROP ROLE %I') | Out-Null
    }
    Cleanup
    Sql postgres "CREATE DATABASE $Db" | Out-Null
    Sql $Db 'CREATE SCHEMA app; CREATE TABLE app.orders (id serial PRIMARY KEY, total numeric)' | Out-Null

    $p = Get-Content $LabProfile -Raw | ConvertFrom-Json -AsHashtable
    $p.Name = 'roles-pester'
    $p.Postgres.Database = $Db
    $services = [ordered]@{}
    foreach ($s in 'api', 'worker', 'ui') { $services["${Prefix}$s"] = @{ api = 'write'; worker = 'admin'; ui = 'read' }[$s] }
    $p.Roles = [ordered]@{ ReadRole = "${Prefix}read"; WriteRole = "${Prefix}write"; AdminRole = "${Prefix}admin"; Schemas = @('app'); Services = $services }
    $script:ProfilePath = Join-Path ([IO.Path]::GetTempPath()) 'pops-roles-pester.profile.json'
    $p | ConvertTo-Json -Depth 5 | Set-Content $ProfilePath
    Import-PlatformProfile $ProfilePath
    $script:Secret = 'pester-' + [guid]::NewGuid().ToString('N')
    $script:Creds = @($services.Keys | ForEach-Object { [pscredential]::new($_, (ConvertTo-SecureString $Secret -AsPlainText -Force)) })
}

AfterAll {
    Cleanup
    Remove-Item $ProfilePath -ErrorAction SilentlyContinue
}

Describe 'Database roles as desired state' -Tag 'Docker' {
    It '-WhatIf prints the exact SQL plan, passwords masked, and runs none of it' {
        $out = & $Pwsh -NoProfile -NonInteractive -Command "Import-Module '$env:PLATFORMOPS_MODULE'; `$c = [pscredential]::new('${Prefix}api', (ConvertTo-SecureString '$Secret' -AsPlainText -Force)); Set-DbRole -Platform -Profile '$ProfilePath' -ServiceCredential `$c -WhatIf" 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
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
        (Get-Command Remove-DbRole).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
        Remove-DbRole "${Prefix}ui" -WhatIf
        Sql postgres "select count(*) from pg_roles where rolname = '${Prefix}ui'" | Should -Be '1'
    }
}

# The readiness cmdlets as users meet them: the built module in a fresh pwsh, against the lab. The HTML report is
# opened in headless Chromium (sections checked, a screenshot saved to out/TestResults) and the Prometheus text is
# checked by promtool. Both come from Debian's packages (chromium, prometheus); a missing one fails with how to get it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    Import-Module $env:PLATFORMOPS_MODULE -Force
    # Earlier suites break and fix the lab: start from a whole one.
    $null = Wait-PlatformHealthy -Profile $Lab.Profile -WaitSec 120 -IntervalSec 1
    $script:Results = Join-Path (Split-Path (Split-Path $env:PLATFORMOPS_MODULE)) 'TestResults'
    $null = New-Item -ItemType Directory -Force -Path $Results
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("platformops-readiness-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $Work

    # A copy of the lab profile with its own state folder and the repository's runbooks.
    function New-TestProfile([string] $Name, [hashtable] $Readiness = @{}) {
        $p = Get-Content $Lab.Profile -Raw | ConvertFrom-Json -AsHashtable
        $p.Name = "rdy-$Name"
        $r = @{ RunbooksPath = (Join-Path $Lab.Repository 'docs/runbooks'); StatePath = (Join-Path $Work "state-$Name"); CertificateAuthorityPaths = @($Lab.Ca) }
        foreach ($k in $Readiness.Keys) { $r[$k] = $Readiness[$k] }
        $p.Readiness = $r
        $path = Join-Path $Work "$Name.profile.json"
        $p | ConvertTo-Json -Depth 8 | Set-Content -Path $path
        $path
    }

    function Invoke-Chromium([string[]] $Arguments) {
        $chromium = Get-Command chromium -ErrorAction Ignore
        if (-not $chromium) { throw "Chromium is not installed: apt-get install chromium (Debian's package). The report test opens the HTML report in it." }
        $profileDir = Join-Path $Work ("chromium-" + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $all = @('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--no-first-run', "--user-data-dir=$profileDir") + $Arguments
        $out = & $chromium.Source @all 2>$null
        if ($LASTEXITCODE -ne 0) { throw "chromium exited with $LASTEXITCODE" }
        $out
    }
}

AfterAll {
    Remove-Item -Recurse -Force $Work -ErrorAction Ignore
}

Describe 'Test-PlatformReadiness on the lab' -Tag 'Docker' {
    BeforeAll {
        $script:Profile = New-TestProfile 'checklist'
        $script:Rows = Test-PlatformReadiness -Profile $Profile
    }

    It 'writes one row per item with category, status, evidence and remedy, grouped by category in the default view' {
        $Rows.Count | Should -Be 25
        $Rows | ForEach-Object {
            $_.Category | Should -BeIn 'Infrastructure', 'Security', 'DataManagement', 'Quality', 'Documentation'
            "$($_.Status)" | Should -BeIn 'Pass', 'Warn', 'Fail', 'Skipped'
            $_.Evidence | Should -Not -BeNullOrEmpty
            $_.Remedy | Should -Not -BeNullOrEmpty
        }
        $table = $Rows | Out-String -Width 220
        $table | Should -Match 'Category: Infrastructure'
        $table | Should -Match 'Status\s+Item\s+Evidence'
        $table | Should -Match '19 of 19 running and healthy'
    }

    It 'answers -Quiet with a boolean' {
        $answer = Test-PlatformReadiness -Profile $Profile -Quiet
        $answer | Should -BeOfType [bool]
    }

    It 'shows the score with one column per category' {
        $score = $Rows | Get-PlatformHealthScore -Profile $Profile
        $text = $score | Out-String -Width 200
        $text | Should -Match 'Overall\s+Change\s+Verdict\s+Infra\s+Security\s+Data\s+Quality\s+Docs'
        $score.Category('Documentation').Score | Should -Be 100
        ($score.Categories | Out-String -Width 200) | Should -Match 'Data management'
    }
}

Describe 'Export-PlatformReport' -Tag 'Docker' {
    BeforeAll {
        $script:Profile = New-TestProfile 'report'
        $script:Rows = Test-PlatformReadiness -Profile $Profile
    }

    It 'writes an HTML page that opens in headless Chromium with every section, and a screenshot of it' {
        $html = Join-Path $Results 'readiness-report.html'
        Remove-Item $html -ErrorAction Ignore
        $Rows | Export-PlatformReport -Profile $Profile -Path $html
        $Rows | Export-PlatformReport -Profile $Profile -Path $html   # the second one compares with the first

        $dom = (Invoke-Chromium @('--dump-dom', "file://$html")) -join "`n"
        foreach ($id in 'categories', 'attention', 'checklist', 'containers', 'backups', 'wal', 'certificates', 'changes') {
            $dom | Should -Match "id=`"$id`"" -Because "the report has a '$id' section"
        }
        $dom | Should -Match 'Since the last report'
        $dom | Should -Match 'agentic-postgres'
        $dom | Should -Not -Match '<script'

        $png = Join-Path $Results 'readiness-report.png'
        Remove-Item $png -ErrorAction Ignore
        Invoke-Chromium @("--screenshot=$png", '--window-size=1280,2000', "file://$html") | Out-Null
        Test-Path $png | Should -BeTrue
        $bytes = [IO.File]::ReadAllBytes($png)
        $bytes[0..3] | Should -Be @(0x89, 0x50, 0x4E, 0x47) -Because 'the screenshot is a PNG'
        $bytes.Length | Should -BeGreaterThan 50KB -Because 'a rendered report is more than a blank page'
    }

    It 'writes Prometheus text that promtool accepts' {
        $promtool = Get-Command promtool -ErrorAction Ignore
        if (-not $promtool) { throw "promtool is not installed: apt-get install --no-install-recommends prometheus (Debian's package brings promtool)." }
        $prom = Join-Path $Results 'platformops_readiness.prom'
        $Rows | Export-PlatformReport -Profile $Profile -Path $prom
        $output = Get-Content $prom -Raw | & $promtool.Source check metrics 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        Get-Content $prom | Should -Contain '# TYPE platformops_readiness_score gauge'
    }

    It 'writes Markdown with the category table' {
        $md = Join-Path $Work 'readiness.md'
        $Rows | Export-PlatformReport -Profile $Profile -Path $md
        Get-Content $md -Raw | Should -Match '\| Category \| Score \| Change \| Pass \| Warn \| Fail \| Skipped \|'
    }
}

Describe 'Invoke-PlatformTest' -Tag 'Docker' {
    BeforeAll {
        $script:Profile = New-TestProfile 'acceptance'
        $script:Own = Join-Path $Work 'own'
        $null = New-Item -ItemType Directory -Path $Own
        Set-Content -Path (Join-Path $Own 'Own.Tests.ps1') -Value @'
Describe 'Own' {
    It 'sees the profile the run imported' { (Get-PlatformProfile).Name | Should -BeLike 'rdy-*' }
    It 'fails on purpose' -Tag 'Broken' { 1 | Should -Be 2 }
}
'@
    }

    It 'runs the acceptance suite against the lab, writes JUnit XML and records the run for the checklist' {
        $xml = Join-Path $Results 'acceptance.junit.xml'
        $result = Invoke-PlatformTest -Profile $Profile -OutputFile $xml -OutputFormat JUnitXml -Output None
        $result.Total | Should -BeGreaterThan 30
        $result.Passed | Should -BeGreaterThan 30
        $result.Errors | Should -Be 0 -Because ($result.ErrorMessages -join '; ')
        $result.Tests | Where-Object Name -Like 'Containers.agentic-postgres is running*' | Should -Not -BeNullOrEmpty
        $result.Tests | Where-Object Name -Like 'Service health endpoints.l01-data-layer answers 2xx*' | Should -Not -BeNullOrEmpty
        # Whatever failed, failed for a reason the checklist sees too (archiving off in a fresh lab).
        $result.Tests | Where-Object Result -EQ 'Failed' | ForEach-Object { $_.Name | Should -Match 'PostgreSQL|Backups|Database roles|Certificates' }

        [xml] $junit = Get-Content $xml -Raw
        [int] $junit.testsuites.tests | Should -Be $result.Total
        [int] $junit.testsuites.failures | Should -Be $result.Failed

        $quality = Test-PlatformReadiness -Profile $Profile -Category Quality
        $quality.Evidence | Should -Match ('^(the newest run failed: )?' + "$($result.Passed) passed, $($result.Failed) failed")
        "$($quality.Status)" | Should -Be $(if ($result.Result -eq 'Passed') { 'Pass' } else { 'Fail' })
    }

    It 'runs your own tests with the profile imported, writes NUnit XML, and -Assert fails the run after writing the result' {
        $xml = Join-Path $Work 'own.xml'
        $result = $null; $failure = $null
        try { Invoke-PlatformTest -Profile $Profile -ExcludeAcceptance -Path $Own -OutputFile $xml -Output None -Assert | ForEach-Object { $result = $_ } }
        catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'PlatformTestFailed,PlatformOps.Readiness.InvokePlatformTestCommand'
        $result.Passed | Should -Be 1
        $result.Failed | Should -Be 1
        ($result.Tests | Where-Object Result -EQ 'Failed').Message | Should -Match 'Expected 2, but got 1'
        ([xml](Get-Content $xml -Raw)).'test-results'.failures | Should -Be 1

        $ok = Invoke-PlatformTest -Profile $Profile -ExcludeAcceptance -Path $Own -ExcludeTag Broken -Output None -Assert
        $ok.Result | Should -Be 'Passed'
        $ok.NotRun | Should -Be 1
    }

    It 'says how to install Pester when none is installed' {
        $empty = Join-Path $Work 'no-modules'
        $null = New-Item -ItemType Directory -Force -Path $empty
        $r = Invoke-Pwsh -Environment @{ PSModulePath = $empty } "try { Invoke-PlatformTest -ExcludeAcceptance -Path '$Own' -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $r.Lines[0] | Should -BeLike 'PesterNotInstalled,*'
        $r.Lines[1] | Should -Match 'Install-Module -Name Pester -MinimumVersion 5.0'
    }
}

# A fully prepared lab (archiving on, a verified backup, roles applied, valid certificates, a clean repository, the
# acceptance suite passed) scores full marks in every category; each fault then turns exactly its items to Warn or
# Fail and lowers exactly its category, and is undone before the next. Everything made here is named rdy_* and removed.
BeforeDiscovery {
    Import-Module $env:PLATFORMOPS_MODULE -Force
    # The prepared lab needs every capability the checklist stands on.
    $script:Capabilities = @('Enable-PlatformWalArchiving', 'Invoke-PlatformBackup', 'Test-PlatformBackup', 'Set-DbRole', 'New-PlatformCertificate', 'Find-PlatformSecret') |
        Where-Object { -not (Get-Command $_ -Module PlatformOps -ErrorAction Ignore) }
}

Describe 'A fully prepared lab, then one fault at a time' -Tag 'Docker' -Skip:($Capabilities.Count -gt 0) {
    BeforeAll {
        $script:LabProfile = $Lab.Profile
        $script:LabDatabase = (Get-Content $LabProfile -Raw | ConvertFrom-Json).Postgres.Database
        function script:Sql([string] $Query) { Invoke-Psql $LabDatabase $Query }
        function script:Invoke-Git { & $GitExe -C $Repository -c user.email=readiness@test -c user.name=readiness @args; if ($LASTEXITCODE) { throw "git $args failed" } }

        $script:GitExe = (Get-Command git -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
        # Archiving on (restarts agentic-postgres only the first time, and leaves archiving on, as the WAL tests do).
        $null = Enable-PlatformWalArchiving -Profile $LabProfile -Restart -Confirm:$false
        $null = Wait-PlatformHealthy -Profile $LabProfile -WaitSec 90 -IntervalSec 1
        Sql 'create schema if not exists rdy_app; create table if not exists rdy_app.orders(id serial primary key, item text not null); insert into rdy_app.orders(item) select ''item '' || g from generate_series(1, 50) g;' | Out-Null

        # A clean repository with an ignored, private .env and its template.
        $script:Repository = Join-Path $Work 'repo'
        $null = New-Item -ItemType Directory -Path $Repository
        & $GitExe init -q $Repository
        Set-Content (Join-Path $Repository '.gitignore') '.env'
        Set-Content (Join-Path $Repository '.env.example') "DB_PASSWORD=change-me`nAPI_URL=http://127.0.0.1:58009"
        $envFile = Join-Path $Repository '.env'
        $null = New-Item -ItemType File -Path $envFile; & chmod 600 $envFile
        Set-Content $envFile "DB_PASSWORD=$([guid]::NewGuid().ToString('N'))`nAPI_URL=http://127.0.0.1:58009"
        Set-Content (Join-Path $Repository 'README.md') '# platform'
        Invoke-Git add -A; Invoke-Git commit -q -m init

        # Valid certificates are issued by a CA the profile names; the lab's PostgreSQL certificate by the lab's CA.
        $script:Ca = New-PlatformCertificateAuthority -Path (Join-Path $Work 'ca') -KeyAlgorithm ECDSA -Confirm:$false
        $script:Certificate = (New-PlatformCertificate -Path (Join-Path $Work 'ssl') -DnsName localhost -IPAddress 127.0.0.1 -ValidityDays 365 -Authority $Ca -Confirm:$false).Path
        $script:Backups = Join-Path $Work 'backups'
        $null = New-Item -ItemType Directory -Path $Backups
        function script:New-PreparedProfile([string] $Name, [hashtable] $Readiness = @{}, [string] $BackupPath = $Backups) {
            $r = @{ RepositoryPath = $Repository; CertificatePaths = @($Certificate); TlsEndpoints = @("127.0.0.1:$($Lab.PostgresPort)")
                    CertificateAuthorityPaths = @($Ca.Path, $Lab.Ca) }
            foreach ($k in $Readiness.Keys) { $r[$k] = $Readiness[$k] }
            $path = New-TestProfile $Name $r
            $p = Get-Content $path -Raw | ConvertFrom-Json -AsHashtable
            $p.Backup = @{ Path = $BackupPath }
            $p.Roles = @{ ReadRole = 'rdy_read'; WriteRole = 'rdy_write'; AdminRole = 'rdy_admin'; Schemas = @('rdy_app'); Services = @{ rdy_svc_api = 'write'; rdy_svc_ui = 'read' } }
            # The suite before this file writes WAL at gigabytes an hour, which the lab's own pruning bounds
            # (tests/lab/exporters/prune-wal.sh); against the disk alone the size item warns, rightly. A prepared
            # platform states its budget: one that a test run's growth does not reach within a day.
            $p.Wal = @{ ArchiveBudgetGB = 1000 }
            $p.Readiness.StatePath = Join-Path $Work 'state-prepared'   # one state: the Quality item reads the acceptance run
            # Scheduled maintenance in a crontab file that no cron daemon reads: the maintenance item judges its run log.
            $p.Maintenance = @{ StatePath = (Join-Path $Work 'maintenance-prepared'); CrontabPath = (Join-Path $Work 'crontab-prepared') }
            $p | ConvertTo-Json -Depth 8 | Set-Content $path
            $path
        }
        $script:Prepared = New-PreparedProfile 'prepared'

        $null = Set-DbRole -Platform -Profile $Prepared -Confirm:$false
        $null = Invoke-PlatformBackup -Profile $Prepared -Database $LabDatabase | Test-PlatformBackup -Profile $Prepared -Restore
        $null = Invoke-PlatformWalSwitch -Profile $Prepared
        $script:Acceptance = Invoke-PlatformTest -Profile $Prepared -Output None
        $null = Install-PlatformMaintenance -Profile $Prepared -Scheduler Cron -Job Readiness
        $null = Invoke-PlatformMaintenance -Profile $Prepared -Job Readiness

        $script:Baseline = Test-PlatformReadiness -Profile $Prepared
        $script:BaselineScore = $Baseline | Get-PlatformHealthScore -Profile $Prepared

        # Which items changed against the baseline, and the categories whose score changed.
        function script:Compare-Readiness($Rows) {
            $changed = @($Rows | Where-Object { $id = $_.Id; "$($_.Status)" -ne "$(($Baseline | Where-Object Id -EQ $id).Status)" })
            $score = $Rows | Get-PlatformHealthScore -Profile $Prepared
            [pscustomobject]@{
                Changed    = @($changed.Id | Sort-Object)
                Statuses   = @($changed | ForEach-Object { "$($_.Status)" } | Sort-Object -Unique)
                Lowered    = @($score.Categories | Where-Object { $_.Score -lt 100 } | ForEach-Object { "$($_.Category)" })
                Score      = $score
                Rows       = $Rows
            }
        }
    }

    AfterAll {
        Remove-DbRole -Profile $LabProfile -Name rdy_svc_api, rdy_svc_ui, rdy_write, rdy_read, rdy_admin -ReassignTo postgres -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
        try { Sql 'drop schema if exists rdy_app cascade' | Out-Null } catch { Write-Warning $_ }
    }

    It 'passes the acceptance suite' {
        $Acceptance.Result | Should -Be 'Passed' -Because (($Acceptance.Tests | Where-Object Result -EQ 'Failed' | ForEach-Object { "$($_.Name): $($_.Message)" }) -join '; ')
        $Acceptance.Skipped + $Acceptance.NotRun | Should -Be 0 -Because 'every capability is in this build and the profile names every part'
    }

    It 'scores full marks in every category, every item passing with its evidence' {
        $Baseline | Where-Object Status -NE 'Pass' | ForEach-Object { "$($_.Id): $($_.Status) $($_.Evidence)" } | Should -BeNullOrEmpty
        $BaselineScore.Overall | Should -Be 100
        $BaselineScore.Categories | ForEach-Object { $_.Score | Should -Be 100 -Because "$($_.Name) is fully prepared" }
        $BaselineScore.Verdict | Should -Be 'Ready'
        ($Baseline | Where-Object Id -EQ 'data.backup-verified').Evidence | Should -Match 'restored .* ago in .*, checksums verified'
        ($Baseline | Where-Object Id -EQ 'data.rto').Evidence | Should -Match '^measured RTO .*, within 60 min'
        ($Baseline | Where-Object Id -EQ 'data.rpo').Evidence | Should -Match '^RPO estimate .* within 15 min'
        ($Baseline | Where-Object Id -EQ 'security.role-drift').Evidence | Should -Match '^5 roles of the profile''s model .* match'
        ($Baseline | Where-Object Id -EQ 'security.tls-certificates').Evidence | Should -Match '^2 certificates valid'
        ($Baseline | Where-Object Id -EQ 'quality.test-suite').Evidence | Should -Match "^$($Acceptance.Passed) passed, 0 failed"
    }

    It 'broken WAL archiving fails archiving and the RPO, and lowers only data management' {
        $original = Sql 'show archive_command'
        try {
            Sql "alter system set archive_command = '/bin/false'" | Out-Null
            Sql 'select pg_reload_conf()' | Out-Null
            $failed = [long](Sql 'select failed_count from pg_stat_archiver')
            Sql 'insert into rdy_app.orders(item) values (''wal''); select pg_switch_wal();' | Out-Null
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ([long](Sql 'select failed_count from pg_stat_archiver') -le $failed -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            $result = Compare-Readiness (Test-PlatformReadiness -Profile $Prepared)
        }
        finally {
            Sql "alter system set archive_command = '$($original -replace "'", "''")'" | Out-Null
            Sql 'select pg_reload_conf()' | Out-Null
            $null = Invoke-PlatformWalSwitch -Profile $Prepared -TimeoutSec 60
        }
        $result.Changed | Should -Be @('data.rpo', 'data.wal-archiving')
        $result.Statuses | Should -Be @('Fail')
        $result.Lowered | Should -Be @('DataManagement')
        ($result.Rows | Where-Object Id -EQ 'data.wal-archiving').Evidence | Should -Match '^archiving is failing'
        (Get-PlatformWalStatus -Profile $Prepared -SampleSec 0).ArchiveFailing | Should -BeFalse -Because 'the archive command is restored'
    }

    It 'no backup fails the backup items and lowers only data management' {
        $empty = Join-Path $Work 'no-backups'
        $null = New-Item -ItemType Directory -Path $empty
        $result = Compare-Readiness (Test-PlatformReadiness -Profile (New-PreparedProfile 'nobackup' -BackupPath $empty))
        $result.Changed | Should -Be @('data.backup-age', 'data.backup-verified', 'data.rto')
        $result.Statuses | Should -Be @('Fail')
        $result.Lowered | Should -Be @('DataManagement')
        ($result.Rows | Where-Object Id -EQ 'data.backup-age').Evidence | Should -Be "no backup set in $empty"
    }

    It 'an expiring certificate warns on the certificate item and lowers only security' {
        $soon = (New-PlatformCertificate -Path (Join-Path $Work 'ssl-soon') -DnsName localhost -ValidityDays 20 -Authority $Ca -Confirm:$false).Path
        $result = Compare-Readiness (Test-PlatformReadiness -Profile (New-PreparedProfile 'expiring' @{ CertificatePaths = @($Certificate, $soon) }))
        $result.Changed | Should -Be @('security.tls-certificates')
        $result.Statuses | Should -Be @('Warn')
        $result.Lowered | Should -Be @('Security')
        ($result.Rows | Where-Object Id -EQ 'security.tls-certificates').Evidence | Should -Match ([regex]::Escape($soon) + '.*19 days left')
    }

    It 'a committed secret fails the repository item and lowers only security' {
        $leak = Join-Path $Repository 'config.ini'
        Set-Content $leak "[db]`npassword = Zq8$([guid]::NewGuid().ToString('N').Substring(0, 16))x"
        Invoke-Git add config.ini; Invoke-Git commit -q -m 'add config'
        try { $result = Compare-Readiness (Test-PlatformReadiness -Profile $Prepared) }
        finally { Invoke-Git rm -q config.ini; Invoke-Git commit -q -m 'remove config' }
        $result.Changed | Should -Be @('security.repository-secrets')
        $result.Statuses | Should -Be @('Fail')
        $result.Lowered | Should -Be @('Security')
        ($result.Rows | Where-Object Id -EQ 'security.repository-secrets').Evidence | Should -Match '^1 secret committed: config.ini:2'
    }

    It 'a drifted grant fails the role item and lowers only security' {
        Sql 'grant insert on rdy_app.orders to rdy_read' | Out-Null
        try { $result = Compare-Readiness (Test-PlatformReadiness -Profile $Prepared) }
        finally { Sql 'revoke insert on rdy_app.orders from rdy_read' | Out-Null }
        $result.Changed | Should -Be @('security.role-drift')
        $result.Statuses | Should -Be @('Fail')
        $result.Lowered | Should -Be @('Security')
        ($result.Rows | Where-Object Id -EQ 'security.role-drift').Details | Should -Match 'rdy_read'
        @(Test-DbRole -Profile $Prepared) | Should -BeNullOrEmpty -Because 'the grant is revoked again'
    }
}

# The readiness cmdlets as users meet them: the built module in a fresh pwsh, against the lab. The HTML report is
# opened in headless Chromium (sections checked, a screenshot saved to out/TestResults) and the Prometheus text is
# checked by promtool. Both come from Debian's packages (chromium, prometheus); a missing one fails with how to get it.
BeforeAll {
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $labRoot = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
    $script:DockerProfile = Join-Path $labRoot 'lab.profile.json'
    $script:Repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Results = Join-Path (Split-Path (Split-Path $env:PLATFORMOPS_MODULE)) 'TestResults'
    $null = New-Item -ItemType Directory -Force -Path $Results
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("platformops-readiness-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $Work

    # A copy of the lab profile with its own state folder and the repository's runbooks.
    function New-TestProfile([string] $Name, [hashtable] $Readiness = @{}) {
        $p = Get-Content $DockerProfile -Raw | ConvertFrom-Json -AsHashtable
        $p.Name = "rdy-$Name"
        $r = @{ RunbooksPath = (Join-Path $Repo 'docs/runbooks'); StatePath = (Join-Path $Work "state-$Name") }
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
        $Rows.Count | Should -Be 22
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
        $pwsh = Join-Path $PSHOME 'pwsh'
        $script = "Import-Module '$env:PLATFORMOPS_MODULE'; try { Invoke-PlatformTest -ExcludeAcceptance -Path '$Own' -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $empty = Join-Path $Work 'no-modules'
        $null = New-Item -ItemType Directory -Force -Path $empty
        $env:PSModulePath, $saved = $empty, $env:PSModulePath
        try { $out = & $pwsh -NoProfile -NonInteractive -Command $script }
        finally { $env:PSModulePath = $saved }
        $out[0] | Should -BeLike 'PesterNotInstalled,*'
        $out[1] | Should -Match 'Install-Module -Name Pester -MinimumVersion 5.0'
    }
}

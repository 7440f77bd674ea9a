# The secret cmdlets as users meet them, with a transcript of the whole run searched for every planted secret.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ("po-secrets-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $Work
    $script:Corpus = Join-Path $Work 'corpus'
    & (Join-Path $PSScriptRoot '../corpus/New-SecretCorpus.ps1') -Path $Corpus | Out-Null
    $script:Manifest = Get-Content "$Corpus.manifest.json" -Raw | ConvertFrom-Json
    # Secrets the Its generate, searched for in the transcripts with the planted ones.
    $script:Generated = [Collections.Generic.List[string]]::new()
    function script:Find-Leak([string] $Text) { @(@($Manifest.Secrets) + @($Generated) | Where-Object { $_ -and $Text.Contains($_) }) }
    $script:Transcript = Join-Path $Work 'transcript.txt'
    Start-Transcript -Path $Transcript -Force | Out-Null
    $VerbosePreference = 'Continue'
}
AfterAll {
    try { Stop-Transcript | Out-Null } catch { }
    $VerbosePreference = 'SilentlyContinue'
    try {
        # The transcript of every It that ran, in whatever order: a secret in it fails this file.
        $text = Get-Content $Transcript -Raw
        $leaked = Find-Leak $text
        Write-Host ("Searched the {0}-character transcript of this file for {1} secrets: {2} found" -f $text.Length, (@($Manifest.Secrets).Count + $Generated.Count), $leaked.Count)
        if ($leaked.Count) { throw "$($leaked.Count) planted or generated secret(s) appear in the transcript of Secrets.Tests.ps1 ($Transcript)." }
    }
    finally { Remove-Item -Recurse -Force $Work -ErrorAction Ignore }
}

Describe 'Find-PlatformSecret' {
    It 'finds every planted secret and nothing in the clean files (recall and false positives printed)' {
        $findings = Find-PlatformSecret -Path $Corpus
        $findings | Out-Host
        $findings | Format-List * | Out-Host
        $hit = @($Manifest.Expected | Where-Object { $e = $_; $findings | Where-Object { $_.RelativePath -eq $e.File -and $_.Line -eq $e.Line } })
        $fp = @($findings | Where-Object { $f = $_; -not ($Manifest.Expected | Where-Object { $_.File -eq $f.RelativePath -and $_.Line -eq $f.Line }) })
        Write-Host ("Secret scanner corpus: recall {0}/{1}, false positives {2}" -f $hit.Count, @($Manifest.Expected).Count, $fp.Count)
        $hit.Count | Should -Be @($Manifest.Expected).Count
        $fp.Count | Should -Be 0
        ($findings | Out-String -Width 200) | Should -Match 'Severity\s+Location\s+Rule\s+Git\s+Key\s+Redacted'
    }

    It 'scans the staged content for a pre-commit hook' {
        $repo = Join-Path $Work 'repo'
        $null = New-Item -ItemType Directory -Path $repo
        git -C $repo init -q
        $token = 'gh' + 'p_' + [guid]::NewGuid().ToString('N') + 'Zz09'
        Set-Content -Path (Join-Path $repo 'ci.sh') -Value "export GITHUB_TOKEN=$token"
        git -C $repo add ci.sh
        $f = Find-PlatformSecret -Path $repo -Staged
        $f.Rule | Should -Be 'github-token'
        $f.GitStatus | Should -Be 'Staged'
        $f.Key | Should -Be 'GITHUB_TOKEN'
        $f | Out-Host
    }
}

Describe 'Find-PlatformSecret for CI: baseline, SARIF, gitleaks configuration' {
    It 'accepts the findings of today into a baseline, then reports only a new one, as SARIF 2.1.0' {
        $repo = Join-Path $Work 'ci-repo'
        Copy-Item -Recurse (Join-Path $Corpus 'positive') $repo
        $baseline = Join-Path $Work 'secrets.baseline.json'
        $all = @(Find-PlatformSecret -Path $repo -Baseline $baseline -UpdateBaseline)
        $all.Count | Should -BeGreaterThan 10
        Test-Path $baseline | Should -BeTrue
        @(Find-PlatformSecret -Path $repo -Baseline $baseline).Count | Should -Be 0
        $token = 'gh' + 'p_' + [guid]::NewGuid().ToString('N') + 'Qx71'
        Add-Content -Path (Join-Path $repo 'scripts/backup.sh') -Value "export GH_TOKEN=$token"
        $sarif = Find-PlatformSecret -Path $repo -Baseline $baseline -OutputFormat Sarif
        $sarif | Should -BeOfType [string]
        $doc = $sarif | ConvertFrom-Json
        $doc.version | Should -Be '2.1.0'
        @($doc.runs[0].results).Count | Should -Be 1
        $doc.runs[0].results[0].ruleId | Should -Be 'github-token'
        $doc.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri | Should -Be 'scripts/backup.sh'
        $sarif.Contains($token) | Should -BeFalse
        (Get-Content $baseline -Raw).Contains($token) | Should -BeFalse
    }

    It 'applies the .gitleaks.toml rule of a team and a .gitleaksignore fingerprint' {
        $repo = Join-Path $Work 'team-repo'
        $null = New-Item -ItemType Directory -Path $repo
        $q = "'" * 3
        Set-Content -Path (Join-Path $repo '.gitleaks.toml') -Value "[extend]`nuseDefault = true`n[[rules]]`nid = `"team-token`"`nregex = ${q}team_[a-f0-9]{32}${q}`nkeywords = [`"team_`"]"
        $team = 'team_' + [guid]::NewGuid().ToString('N')
        Set-Content -Path (Join-Path $repo 'app.env') -Value "TEAM=$team", ('GITHUB_TOKEN=gh' + 'p_' + [guid]::NewGuid().ToString('N') + 'Zz09')
        Set-Content -Path (Join-Path $repo '.gitleaksignore') -Value 'app.env:github-pat:2'
        $f = Find-PlatformSecret -Path $repo
        $f | Out-Host
        @($f).Count | Should -Be 1
        $f.Rule | Should -Be 'team-token'
        $f.Fingerprint | Should -Be 'app.env:team-token:1'
    }
}

Describe 'Hygiene, templates and secrets' {
    It 'reports hygiene with evidence and writes a template with no real value' {
        # A copy: the corpus stays as New-SecretCorpus made it for the other Its.
        $positive = Join-Path $Work ('hygiene-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        Copy-Item -Recurse (Join-Path $Corpus 'positive') $positive
        git -C $positive init -q
        $checks = Test-PlatformSecretHygiene -Path $positive -SkipContainers
        $checks | Format-List * | Out-Host
        ($checks | Where-Object Check -EQ 'EnvFileIgnored').Status | Should -Be 'Fail'
        ($checks | Where-Object Check -EQ 'EnvExampleExists').Status | Should -Be 'Fail'
        New-PlatformEnvTemplate -Path (Join-Path $positive '.env') -WhatIf
        Test-Path (Join-Path $positive '.env.example') | Should -BeFalse
        New-PlatformEnvTemplate -Path (Join-Path $positive '.env') | Out-Host
        Get-Content (Join-Path $positive '.env.example') | Out-Host
        $after = Test-PlatformSecretHygiene -Path $positive -SkipContainers
        ($after | Where-Object Check -EQ 'EnvExampleKeys').Status | Should -Be 'Pass'
        ($after | Where-Object Check -EQ 'EnvExampleValues').Status | Should -Be 'Pass'
    }

    It 'generates secrets into a Docker secret file and an env file, and resolves them without showing them' {
        $secrets = Join-Path $Work 'run-secrets'
        New-PlatformSecret -SecretFile (Join-Path $secrets 'postgres_password') -Length 40 | Out-Host
        (Get-Item (Join-Path $secrets 'postgres_password')).UnixMode | Should -Be '-rw-------'
        $env = Join-Path $Work 'app.env'
        New-PlatformSecret -Name API_TOKEN -EnvFile $env -WhatIf
        Test-Path $env | Should -BeFalse
        New-PlatformSecret -Name API_TOKEN -EnvFile $env -Alphabet Symbols | Out-Host
        $found = Get-PlatformSecret -Name postgres_password, API_TOKEN -SecretsPath $secrets -EnvFile $env -NoVault
        $found | Out-Host
        $found.Source | Should -Be @('DockerSecret', 'EnvFile')
        $found[0].Length | Should -Be 40
        $Generated.AddRange([string[]]@((Get-Content (Join-Path $secrets 'postgres_password') -Raw), ((Get-Content $env) -replace '^API_TOKEN=', '').Trim("'")))
    }

    It 'never shows a planted or generated secret in a transcript of every secret cmdlet at work' {
        # A transcript of its own (this file's whole transcript is searched in AfterAll, whatever ran before).
        $folder = Join-Path $Work ('leak-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $null = New-Item -ItemType Directory -Path $folder
        $envFile = Join-Path $folder 'app.env'
        Start-Transcript -Path "$folder.txt" | Out-Null
        try {
            $findings = Find-PlatformSecret -Path $Corpus
            $findings | Out-Host
            $findings | Format-List * | Out-Host
            Find-PlatformSecret -Path $Corpus -OutputFormat Sarif | Out-Host
            Test-PlatformSecretHygiene -Path (Join-Path $Corpus 'positive') -SkipContainers | Format-List * | Out-Host
            New-PlatformSecret -SecretFile (Join-Path $folder 'db_password') -Length 40 | Format-List * | Out-Host
            New-PlatformSecret -Name API_TOKEN -EnvFile $envFile | Format-List * | Out-Host
            Get-PlatformSecret -Name db_password, API_TOKEN -SecretsPath $folder -EnvFile $envFile -NoVault | Format-List * | Out-Host
        }
        finally { Stop-Transcript | Out-Null }
        $Generated.AddRange([string[]]@((Get-Content (Join-Path $folder 'db_password') -Raw), ((Get-Content $envFile) -replace '^API_TOKEN=', '').Trim("'")))
        $text = Get-Content "$folder.txt" -Raw
        $text | Should -Match 'password-assignment'
        $leaked = Find-Leak $text
        Write-Host ("Searched a {0}-character transcript for {1} secrets: {2} found" -f $text.Length, (@($Manifest.Secrets).Count + $Generated.Count), $leaked.Count)
        $leaked.Count | Should -Be 0
    }
}

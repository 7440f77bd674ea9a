# Backup sets that can be trusted on a production host (issue 9): the manifest's seal, names that stay inside the set,
# retention that trusts only a fresh proof, modes, and -WhatIf. The built module in a fresh pwsh; the sets are made on
# disk (for tampering) or by Invoke-PlatformBackup against the lab's PostgreSQL.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("bk-integrity-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $Work | Out-Null

    function script:Get-Sha256([byte[]] $Bytes) {
        -join ([Security.Cryptography.SHA256]::HashData($Bytes) | ForEach-Object { $_.ToString('x2') })
    }
    function script:New-Gzip([string] $Path, [string] $Text) {
        $out = [IO.File]::Create($Path)
        try {
            $gz = [IO.Compression.GZipStream]::new($out, [IO.Compression.CompressionLevel]::Optimal)
            $bytes = [Text.UTF8Encoding]::new($false).GetBytes($Text)
            $gz.Write($bytes, 0, $bytes.Length)
            $gz.Dispose()
        } finally { $out.Dispose() }
        $raw = [IO.File]::ReadAllBytes($Path)
        @{ Size = $raw.Length; Sha256 = Get-Sha256 $raw }
    }
    function script:Write-Seal([string] $Set) {
        $sha = Get-Sha256 ([IO.File]::ReadAllBytes((Join-Path $Set 'manifest.json')))
        [IO.File]::WriteAllText((Join-Path $Set 'manifest.json.sha256'), "$sha  manifest.json`n")
    }
    # A set as Invoke-PlatformBackup writes it, made on disk: a plain database dump and the globals, sealed unless -NoSeal.
    function script:New-DiskSet([string] $Root, [int] $DaysAgo = 0, [string] $Id, [switch] $NoSeal, [string] $Owner = 'app_owner') {
        $completed = [datetime]::UtcNow.AddDays(-$DaysAgo)
        if (-not $Id) { $Id = '{0:yyyyMMdd}T{0:HHmmss}Z-{1}' -f $completed, [guid]::NewGuid().ToString('N').Substring(0, 4) }
        $set = Join-Path $Root $Id
        New-Item -ItemType Directory -Path $set -Force | Out-Null
        $db = New-Gzip (Join-Path $set 'shop.sql.gz') "--`n-- PostgreSQL database dump`n--`nCREATE TABLE t (i int);`n"
        $gl = New-Gzip (Join-Path $set 'globals.sql.gz') "--`n-- PostgreSQL database cluster dump`n--`nCREATE ROLE app_owner;`n"
        $manifest = [ordered]@{
            schema = 'platformops.backup/1'; id = $Id; startedUtc = $completed.AddSeconds(-3).ToString('o'); completedUtc = $completed.ToString('o')
            durationSeconds = 3; toolMode = 'Host'; toolVersion = '15.18'
            postgres = @{ endpoint = "127.0.0.1:$($Lab.PostgresPort)"; version = '15.18' }
            files = @(
                [ordered]@{ name = 'shop.sql.gz'; kind = 'Database'; database = 'shop'; format = 'Plain'; compression = 'gzip'; size = $db.Size; sha256 = $db.Sha256
                            owner = $Owner; encoding = 'UTF8'; collate = 'C'; ctype = 'C'; tables = @(@{ schema = 'public'; name = 't'; rows = 0 }); largeObjects = 0 }
                [ordered]@{ name = 'globals.sql.gz'; kind = 'Globals'; format = 'Plain'; compression = 'gzip'; size = $gl.Size; sha256 = $gl.Sha256 }
            )
        }
        [IO.File]::WriteAllText((Join-Path $set 'manifest.json'), ($manifest | ConvertTo-Json -Depth 6))
        if (-not $NoSeal) { Write-Seal $set }
        $set
    }
    function script:Set-Proven([string] $Set) {
        $sha = Get-Sha256 ([IO.File]::ReadAllBytes((Join-Path $Set 'manifest.json')))
        $now = [datetime]::UtcNow.ToString('o')
        [IO.File]::WriteAllText((Join-Path $Set 'verification.json'),
            (@{ lastVerifiedUtc = $now; lastVerifyPassed = $true; lastRestoreTestUtc = $now; lastRestorePassed = $true; restoreSeconds = 1.5; manifestSha256 = $sha } | ConvertTo-Json))
    }
}

AfterAll {
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The manifest is sealed' {
    BeforeEach {
        $script:Root = Join-Path $Work ([guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $Root | Out-Null
    }

    It 'passes Test-PlatformBackup when nothing changed' {
        $set = New-DiskSet $Root
        $r = Test-PlatformBackup -Path $set -ErrorVariable e -ErrorAction SilentlyContinue
        $e | Should -BeNullOrEmpty
        $r.Passed | Should -BeTrue
        (Get-PlatformBackup -Path $set).ManifestSeal | Should -Be 'Sealed'
    }

    It 'fails Test-PlatformBackup with PlatformBackupManifestMismatch for a flipped byte anywhere in manifest.json' {
        $set = New-DiskSet $Root
        $path = Join-Path $set 'manifest.json'
        $original = [IO.File]::ReadAllBytes($path)
        # Every byte, one at a time: the 0x01 bit flipped ("kind" -> "jind", a digit one off, a quote broken).
        for ($i = 0; $i -lt $original.Length; $i++) {
            $bytes = [byte[]]$original.Clone()
            $bytes[$i] = $bytes[$i] -bxor 1
            [IO.File]::WriteAllBytes($path, $bytes)
            $r = Test-PlatformBackup -Path $set -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $r.Passed | Should -BeFalse -Because "byte $i was flipped"
            $e.FullyQualifiedErrorId | Should -BeLike 'PlatformBackupManifestMismatch*' -Because "byte $i was flipped"
        }
        [IO.File]::WriteAllBytes($path, $original)
        (Test-PlatformBackup -Path $set).Passed | Should -BeTrue
    }

    It 'fails for the reviewer''s edits: "kind" -> "cind", and the owner changed to another role' {
        $set = New-DiskSet $Root
        $path = Join-Path $set 'manifest.json'
        $text = [IO.File]::ReadAllText($path)
        [IO.File]::WriteAllText($path, $text.Replace('"kind": "Globals"', '"cind": "Globals"'))
        { Test-PlatformBackup -Path $set -ErrorAction Stop -WarningAction SilentlyContinue } | Should -Throw -ErrorId 'PlatformBackupManifestMismatch*'
        [IO.File]::WriteAllText($path, $text.Replace('"owner": "app_owner"', '"owner": "postgres"'))
        { Test-PlatformBackup -Path $set -ErrorAction Stop -WarningAction SilentlyContinue } | Should -Throw -ErrorId 'PlatformBackupManifestMismatch*'
        (Get-Content (Join-Path $set 'verification.json') -Raw | ConvertFrom-Json).lastVerifyPassed | Should -BeFalse
    }

    It 'is refused by Restore-PlatformDatabase and Restore-PlatformRedis before anything is restored' {
        $set = New-DiskSet $Root
        $path = Join-Path $set 'manifest.json'
        [IO.File]::WriteAllText($path, [IO.File]::ReadAllText($path).Replace('"owner": "app_owner"', '"owner": "postgres"'))
        $target = 'bk_t_never_{0}' -f [guid]::NewGuid().ToString('N').Substring(0, 6)
        { Restore-PlatformDatabase -Path $set -TargetDatabase $target -Server 127.0.0.1 -Port 1 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'PlatformBackupManifestMismatch*'
        { Restore-PlatformRedis -Path $set -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PlatformBackupManifestMismatch*'
    }

    It 'treats a set without a seal (0.1.0) as untrusted until Test-PlatformBackup -Seal verifies and seals it' {
        $set = New-DiskSet $Root -NoSeal
        (Get-PlatformBackup -Path $set -WarningAction SilentlyContinue).ManifestSeal | Should -Be 'Missing'
        $r = Test-PlatformBackup -Path $set -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $r.Passed | Should -BeFalse
        $e.FullyQualifiedErrorId | Should -BeLike 'PlatformBackupManifestUnsealed*'
        ($r.Checks | Where-Object Kind -eq 'File').Passed | Should -Not -Contain $false
        { Restore-PlatformDatabase -Path $set -TargetDatabase x -Server 127.0.0.1 -Port 1 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'PlatformBackupManifestUnsealed*'

        Test-PlatformBackup -Path $set -Seal -WhatIf | Should -BeNullOrEmpty
        Join-Path $set 'manifest.json.sha256' | Should -Not -Exist
        $sealed = Test-PlatformBackup -Path $set -Seal -Confirm:$false
        $sealed.Passed | Should -BeTrue
        Join-Path $set 'manifest.json.sha256' | Should -Exist
        (Get-PlatformBackup -Path $set).ManifestSeal | Should -Be 'Sealed'
    }

    It 'never seals a set whose files fail' {
        $set = New-DiskSet $Root -NoSeal
        [IO.File]::WriteAllBytes((Join-Path $set 'globals.sql.gz'), [byte[]](1, 2, 3))
        (Test-PlatformBackup -Path $set -Seal -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue).Passed | Should -BeFalse
        Join-Path $set 'manifest.json.sha256' | Should -Not -Exist
    }

    It 'with a manifest key, refuses a manifest re-sealed without the key, and never prints the key' {
        $keyFile = Join-Path $Work 'manifest.key'
        $key = -join ((1..32) | ForEach-Object { '{0:x2}' -f (Get-Random -Maximum 256) })
        [IO.File]::WriteAllText($keyFile, $key)
        chmod 600 $keyFile
        $env:PLATFORMOPS_BACKUP_KEY_FILE = $keyFile
        try {
            $set = New-DiskSet $Root -NoSeal
            $signed = Test-PlatformBackup -Path $set -Seal -Confirm:$false
            $signed.Passed | Should -BeTrue
            (Get-Content (Join-Path $set 'manifest.json.sha256') -Raw) | Should -Match 'hmac-sha256 [0-9a-f]{64}'
            (Get-PlatformBackup -Path $set).ManifestSeal | Should -Be 'SealedWithKey'

            # Someone who can write the set but has not the key: edits the owner and writes a matching SHA-256.
            $path = Join-Path $set 'manifest.json'
            [IO.File]::WriteAllText($path, [IO.File]::ReadAllText($path).Replace('"owner": "app_owner"', '"owner": "postgres"'))
            Write-Seal $set
            $r = Test-PlatformBackup -Path $set -ErrorVariable e -ErrorAction SilentlyContinue -WarningVariable w -WarningAction SilentlyContinue
            $r.Passed | Should -BeFalse
            $e.FullyQualifiedErrorId | Should -BeLike 'PlatformBackupManifestUnsigned*'
            { Restore-PlatformDatabase -Path $set -TargetDatabase x -Server 127.0.0.1 -Port 1 -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'PlatformBackupManifestUnsigned*'
            ($e + $w + ($r | Out-String)) -join "`n" | Should -Not -Match $key

            chmod 644 $keyFile
            { Get-PlatformBackup -Path $set -ErrorAction Stop } | Should -Throw -ErrorId 'PlatformBackupKeyFileInsecure*'
        }
        finally {
            Remove-Item Env:PLATFORMOPS_BACKUP_KEY_FILE -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Names in a manifest stay inside the set' {
    BeforeEach {
        $script:Root = Join-Path $Work ([guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $Root | Out-Null
        $script:Outside = Join-Path $Work ("outside-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $Outside | Out-Null
        $script:Secret = Join-Path $Outside 'secret.sql.gz'
        $script:SecretInfo = New-Gzip $Secret "--`n-- PostgreSQL database dump`n--`nSELECT 'not in the set';`n"
    }

    It 'refuses a file name that is absolute or climbs out with ..' {
        foreach ($name in $Secret, "../$(Split-Path $Outside -Leaf)/secret.sql.gz", '../../../../../../etc/hostname') {
            $set = New-DiskSet $Root
            $path = Join-Path $set 'manifest.json'
            $m = Get-Content $path -Raw | ConvertFrom-Json
            $m.files[0].name = $name
            $m.files[0].size = $SecretInfo.Size
            $m.files[0].sha256 = $SecretInfo.Sha256
            [IO.File]::WriteAllText($path, ($m | ConvertTo-Json -Depth 6))
            Write-Seal $set   # a valid seal: the name itself must be refused
            $r = Test-PlatformBackup -Path $set -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $r.Passed | Should -Not -BeTrue -Because "'$name' is outside the set"
            $e.FullyQualifiedErrorId | Should -BeLike 'PlatformBackupManifestInvalid*'
            { Restore-PlatformDatabase -Path $set -TargetDatabase x -Server 127.0.0.1 -Port 1 -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'PlatformBackupManifestInvalid*'
        }
    }

    It 'does not follow a symbolic link inside the set to a file outside it' {
        $set = New-DiskSet $Root
        Remove-Item (Join-Path $set 'shop.sql.gz')
        New-Item -ItemType SymbolicLink -Path (Join-Path $set 'shop.sql.gz') -Target $Secret | Out-Null
        $path = Join-Path $set 'manifest.json'
        $m = Get-Content $path -Raw | ConvertFrom-Json
        $m.files[0].size = $SecretInfo.Size
        $m.files[0].sha256 = $SecretInfo.Sha256
        [IO.File]::WriteAllText($path, ($m | ConvertTo-Json -Depth 6))
        Write-Seal $set
        $r = Test-PlatformBackup -Path $set -WarningAction SilentlyContinue
        $r.Passed | Should -BeFalse
        ($r.Failures | Where-Object Name -eq 'shop.sql.gz').Detail | Should -Match 'symbolic link'
    }

    It 'removes a set by its folder, never by the id in its manifest' {
        $victim = Join-Path $Outside 'keep-me'
        New-Item -ItemType Directory -Path $victim | Out-Null
        Set-Content (Join-Path $victim 'data.txt') 'precious'
        $set = New-DiskSet $Root -DaysAgo 3
        $path = Join-Path $set 'manifest.json'
        $m = Get-Content $path -Raw | ConvertFrom-Json
        $m.id = "/../../../../../../..$victim"
        [IO.File]::WriteAllText($path, ($m | ConvertTo-Json -Depth 6))
        Write-Seal $set
        Get-PlatformBackup -Path $Root -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -BeLike 'PlatformBackupManifestInvalid*'
        Remove-PlatformBackup -Path $Root -KeepLast 0 -Force -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
        Join-Path $victim 'data.txt' | Should -Exist
        Get-ChildItem $Outside -Force | Where-Object Name -like '*removing*' | Should -BeNullOrEmpty
    }
}

Describe 'Retention trusts only a fresh proof' {
    It 'keeps the newest set whose latest verification passed and whose restore was proven, not a newer one that failed since' {
        $root = Join-Path $Work ([guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $root | Out-Null
        $older = New-DiskSet $root -DaysAgo 2
        $newer = New-DiskSet $root -DaysAgo 1
        $newest = New-DiskSet $root -DaysAgo 0
        Set-Proven $older
        Set-Proven $newer
        # The newer proven set is damaged later, and the nightly verification notices.
        [IO.File]::WriteAllBytes((Join-Path $newer 'globals.sql.gz'), [byte[]](1, 2, 3))
        (Test-PlatformBackup -Path $newer -WarningAction SilentlyContinue).Passed | Should -BeFalse
        $decisions = Remove-PlatformBackup -Path $root -KeepLast 1 -Confirm:$false
        ($decisions | Where-Object Path -eq $older).Action | Should -Be 'Kept'
        ($decisions | Where-Object Path -eq $newer).Action | Should -Be 'Removed'
        $older | Should -Exist
        $newest | Should -Exist
    }
}

Describe 'Files of a set' {
    It 'leaves no partial file behind when the verification record cannot be written (disk full)' -Skip:(-not $IsLinux -or (id -u) -ne '0') {
        $mount = Join-Path ([IO.Path]::GetTempPath()) ("bk-full-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $mount | Out-Null
        mount -t tmpfs -o size=256k tmpfs $mount
        try {
            $set = New-DiskSet $mount
            $filler = [IO.File]::Create((Join-Path $mount 'filler'))
            try { $buffer = [byte[]]::new(4096); while ($true) { $filler.Write($buffer, 0, $buffer.Length); $filler.Flush() } } catch { } finally { $filler.Dispose() }
            Test-PlatformBackup -Path $set -WarningVariable w -WarningAction SilentlyContinue | Out-Null
            ($w -join ' ') | Should -Match 'could not be recorded'
            Get-ChildItem $set -Force -Filter '*.partial-*' | Should -BeNullOrEmpty
        }
        finally {
            umount $mount
            Remove-Item $mount -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'writes the seal and the verification record 0600' -Skip:(-not $IsLinux) {
        $root = Join-Path $Work ([guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $root | Out-Null
        $set = New-DiskSet $root -NoSeal
        Test-PlatformBackup -Path $set -Seal -Confirm:$false | Out-Null
        stat -c '%a' (Join-Path $set 'manifest.json.sha256') | Should -Be '600'
        stat -c '%a' (Join-Path $set 'verification.json') | Should -Be '600'
    }
}

Describe '-WhatIf changes nothing' {
    It 'Test-PlatformBackup -WhatIf writes no verification record' {
        $root = Join-Path $Work ([guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $root | Out-Null
        $set = New-DiskSet $root
        Test-PlatformBackup -Path $set -Restore -WhatIf | Should -BeNullOrEmpty
        Test-PlatformBackup -Path $set -WhatIf | Should -BeNullOrEmpty
        Join-Path $set 'verification.json' | Should -Not -Exist
    }

    It 'Get-PlatformHealthScore -OutFile -WhatIf still scores, and writes neither the file nor the readiness state' {
        $state = Join-Path $Work 'state'
        $profilePath = Join-Path $Work 'score.profile.json'
        Set-Content $profilePath (@{ Name = 'whatif'; Readiness = @{ StatePath = $state } } | ConvertTo-Json)
        $out = Join-Path $Work 'score.json'
        $score = Get-PlatformHealthScore -Profile $profilePath -OutFile $out -TimeoutSec 2 -WhatIf
        $score | Should -Not -BeNullOrEmpty
        $out | Should -Not -Exist
        $state | Should -Not -Exist
        Get-PlatformHealthScore -Profile $profilePath -OutFile $out -TimeoutSec 2 | Out-Null
        $out | Should -Exist
    }

    It 'Invoke-PlatformTest -OutputFile -WhatIf runs no test and writes no file' {
        $marker = Join-Path $Work 'ran.txt'
        $test = Join-Path $Work 'Marker.Tests.ps1'
        Set-Content $test "Describe 'm' { It 'writes' { Set-Content '$marker' 'ran' } }"
        $out = Join-Path $Work 'results/out.xml'
        Invoke-PlatformTest -Path $test -ExcludeAcceptance -OutputFile $out -WhatIf | Should -BeNullOrEmpty
        $marker | Should -Not -Exist
        $out | Should -Not -Exist
        Join-Path $Work 'results' | Should -Not -Exist
    }
}

Describe 'Sets made against the Docker lab' -Tag 'Docker' {
    BeforeAll {
        Import-PlatformProfile -Path $Lab.Profile
        $script:SetRoot = Join-Path $Lab.Backups ("bk-integrity-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $script:Db = 'bk_t_integ_{0}' -f [guid]::NewGuid().ToString('N').Substring(0, 6)
        $script:Owner = "${Db}_owner"
        Invoke-Psql postgres "CREATE ROLE $Owner" | Out-Null
        Invoke-Psql postgres "CREATE DATABASE $Db OWNER $Owner" | Out-Null
        Invoke-Psql $Db "CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 50)" | Out-Null
        $script:Set = Invoke-PlatformBackup -Path $SetRoot -Database $Db -SkipRedis
    }

    AfterAll {
        foreach ($d in $Db, "${Db}_r") { Invoke-Psql postgres "DROP DATABASE IF EXISTS $d WITH (FORCE)" | Out-Null }
        Invoke-Psql postgres "DROP ROLE IF EXISTS $Owner" | Out-Null
        Remove-Item $SetRoot -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'seals the manifest and makes every file 0600 and every folder 0700' {
        $Set.ManifestSeal | Should -Be 'Sealed'
        stat -c '%a' $Set.Path | Should -Be '700'
        foreach ($f in Get-ChildItem $Set.Path -Recurse -Force -File) { stat -c '%a' $f.FullName | Should -Be '600' -Because $f.FullName }
        foreach ($d in Get-ChildItem $Set.Path -Recurse -Force -Directory) { stat -c '%a' $d.FullName | Should -Be '700' -Because $d.FullName }
        Join-Path $Set.Path 'manifest.json.sha256' | Should -Exist
        Push-Location $Set.Path
        try { sha256sum --check --status manifest.json.sha256; $LASTEXITCODE | Should -Be 0 } finally { Pop-Location }
    }

    It 'checks the owner and database in the manifest against the dump''s table of contents' {
        $r = Test-PlatformBackup -Path $Set.Path
        $r.Passed | Should -BeTrue
        ($r.Checks | Where-Object { $_.Kind -eq 'Manifest' -and $_.Detail -match 'owner' }).Passed | Should -BeTrue
        # Someone rewrites the owner and writes a matching seal (no manifest key configured).
        $path = Join-Path $Set.Path 'manifest.json'
        $original = [IO.File]::ReadAllText($path)
        try {
            [IO.File]::WriteAllText($path, $original.Replace("`"owner`": `"$Owner`"", '"owner": "postgres"'))
            Write-Seal $Set.Path
            $bad = Test-PlatformBackup -Path $Set.Path -WarningAction SilentlyContinue
            $bad.Passed | Should -BeFalse
            ($bad.Failures | Where-Object Kind -eq 'Manifest').Actual | Should -Be $Owner
            { Restore-PlatformDatabase -Path $Set.Path -TargetDatabase "${Db}_r" -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PlatformBackupManifestMismatch*'
            Invoke-Psql postgres "SELECT count(*) FROM pg_database WHERE datname LIKE '${Db}_r%'" | Should -Be 0
        }
        finally {
            [IO.File]::WriteAllText($path, $original)
            Write-Seal $Set.Path
        }
    }

    It 'Test-PlatformBackup -Restore -WhatIf creates no scratch database and writes nothing' {
        Remove-Item (Join-Path $Set.Path 'verification.json') -ErrorAction SilentlyContinue
        Test-PlatformBackup -Path $Set.Path -Restore -WhatIf | Should -BeNullOrEmpty
        Invoke-Psql postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgops_verify_%$($Set.Id.Replace('-', '_').ToLowerInvariant())'" | Should -Be 0
        Join-Path $Set.Path 'verification.json' | Should -Not -Exist
    }

}

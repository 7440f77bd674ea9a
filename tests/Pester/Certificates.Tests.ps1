# The certificate cmdlets as users meet them: the built module in a fresh pwsh, OpenSSL reading back, real TLS servers.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ("po-certs-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $Work
}
AfterAll {
    Remove-Item -Recurse -Force $Work -ErrorAction Ignore
}

Describe 'Making certificates' {
    It 'makes a CA and a leaf that openssl verify accepts, with the default table view' {
        Push-Location $Work
        try {
            $ca = New-PlatformCertificateAuthority -KeySize 2048
            $leaf = New-PlatformCertificate -DnsName api.local, localhost -IPAddress 127.0.0.1 -Authority $ca -KeySize 2048
        }
        finally { Pop-Location }
        $leaf.Path | Should -Be (Join-Path $Work 'ssl/certificate.crt')
        (Get-Item (Join-Path $Work 'ssl/key.pem')).UnixMode | Should -Be '-rw-------'
        openssl verify -CAfile (Join-Path $Work 'ssl/ca/ca.crt') $leaf.Path | Should -Match ': OK$'
        openssl x509 -in $leaf.Path -noout -ext subjectAltName | Out-String | Should -Match 'DNS:api.local, DNS:localhost, IP Address:127.0.0.1'
        $table = $leaf | Out-String -Width 200
        $table | Should -Match 'Subject\s+Names\s+NotAfter\s+DaysLeft\s+Key\s+Issuer\s+KeyFile'
        $table | Should -Match 'match 600'
    }

    It 'refuses to overwrite a key without -Force and -WhatIf changes nothing' {
        $folder = Join-Path $Work 'keep'
        New-PlatformCertificate -Path $folder -KeyAlgorithm ECDSA | Out-Null
        $before = Get-FileHash (Join-Path $folder 'key.pem')
        { New-PlatformCertificate -Path $folder -KeyAlgorithm ECDSA -ErrorAction Stop } | Should -Throw -ErrorId 'PlatformCertificateKeyExists*'
        New-PlatformCertificate -Path $folder -KeyAlgorithm ECDSA -Force -WhatIf
        (Get-FileHash (Join-Path $folder 'key.pem')).Hash | Should -Be $before.Hash
    }

    It 'writes a CSR that openssl req verifies' {
        $req = New-PlatformCertificateRequest -Path (Join-Path $Work 'req') -DnsName www.example.test -KeyAlgorithm ECDSA
        openssl req -in $req.Path -noout -verify 2>&1 | Out-String | Should -Match 'verify OK'
    }
}

Describe 'Judging certificates' {
    It 'judges the issuer: a leaf of the local CA passes with -CaPath, a self-signed one fails as untrusted' {
        $ca = New-PlatformCertificateAuthority -Path (Join-Path $Work 'trust-ca') -KeyAlgorithm ECDSA
        $leaf = New-PlatformCertificate -Path (Join-Path $Work 'trust-leaf') -KeyAlgorithm ECDSA -DnsName api.local -Authority $ca
        $self = New-PlatformCertificate -Path (Join-Path $Work 'trust-self') -KeyAlgorithm ECDSA -DnsName api.local
        $ok = Test-PlatformCertificate -Path $leaf.Path -CaPath $ca.Path -HostName api.local
        $ok.Status | Should -Be 'Pass' -Because ($ok.Reasons -join '; ')
        ($ok.Checks | Where-Object Name -EQ 'Trust').Detail | Should -Match ([regex]::Escape($ca.Path))
        $bad = Test-PlatformCertificate -Path $self.Path -CaPath $ca.Path -HostName api.local
        $bad.Status | Should -Be 'Fail'
        $bad.Reasons | Should -Match '^untrusted issuer: .*self-signed'
        ($bad | Out-String -Width 200) | Should -Match 'untrusted issuer'
    }

    It 'fails an expired certificate and warns on one about to expire' {
        $old = New-PlatformCertificate -Path (Join-Path $Work 'old') -KeyAlgorithm ECDSA -NotBefore (Get-Date).AddDays(-400) -ValidityDays 365
        $soon = New-PlatformCertificate -Path (Join-Path $Work 'soon') -KeyAlgorithm ECDSA -NotBefore (Get-Date).AddDays(-350) -ValidityDays 365
        # Each is self-signed and named as its own trust anchor, so only the dates decide.
        $results = $old, $soon | Test-PlatformCertificate -CaPath $old.Path, $soon.Path
        $results[0].Status | Should -Be 'Fail'
        $results[0].Reasons | Should -Match '^expired on'
        $results[1].Status | Should -Be 'Warn'
        ($results | Out-String -Width 200) | Should -Match 'Status\s+Subject\s+DaysLeft\s+Target\s+Reasons'
    }

    It 'reads the lab PostgreSQL certificate through SSLRequest and matches the file' -Tag 'Docker' {
        $t = Test-PlatformCertificate -Path $Lab.Certificate -Server "127.0.0.1:$($Lab.PostgresPort)" -HostName localhost -CaPath $Lab.Ca
        $t.Status | Should -Be 'Pass' -Because ($t.Reasons -join '; ')
        ($t.Checks | Where-Object Name -EQ 'ServedMatchesFile').Status | Should -Be 'Pass'
    }

    It 'is served by a PostgreSQL with ssl=on and trusted by psql sslmode=verify-full through the local CA' -Tag 'Plain' {
        if (-not $Lab.PgBin -or -not (Get-Command setpriv -ErrorAction Ignore) -or (id -u) -ne '0') { Set-ItResult -Skipped -Because 'needs PostgreSQL server binaries and root'; return }
        $base = Join-Path $Work ("pg-tls-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $ca = New-PlatformCertificateAuthority -Path "$base/ca" -KeyAlgorithm ECDSA
        $leaf = New-PlatformCertificate -Path "$base/tls" -DnsName localhost -IPAddress 127.0.0.1 -Authority $ca -KeyAlgorithm ECDSA
        chown -R postgres:postgres $base
        $cluster = New-TestCluster -Name certs -Setting 'ssl = on', "ssl_cert_file = '$base/tls/certificate.crt'", "ssl_key_file = '$base/tls/key.pem'"
        try {
            $port = $cluster.Port
            $served = Get-PlatformCertificate -Server 127.0.0.1 -Port $port -Protocol Postgres
            $served.Thumbprint | Should -Be $leaf.Thumbprint
            (Test-PlatformCertificate -Path $leaf.Path -Server "127.0.0.1:$port" -HostName localhost, 127.0.0.1 -CaPath "$base/ca/ca.crt").Status | Should -Be 'Pass'
            $untrusted = Test-PlatformCertificate -Path $leaf.Path -Server "127.0.0.1:$port" -HostName localhost
            ($untrusted.Checks | Where-Object Name -EQ 'Trust').Detail | Should -Match '^untrusted issuer: .*system trust store'
            $ssl = Invoke-TestProcess "$($cluster.Bin)/psql" -ArgumentList "host=localhost hostaddr=127.0.0.1 port=$port user=postgres dbname=postgres sslmode=verify-full sslrootcert=$base/ca/ca.crt", '-XAtc', 'select ssl from pg_stat_ssl where pid = pg_backend_pid()'
            $ssl.Output.Trim() | Should -Be 't'
        }
        finally { Remove-TestCluster $cluster }
    }
}

# One name per concept, -Quiet on every verdict, our own words in errors (issue 9, item 21).
BeforeDiscovery {
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $script:TestCmdlets = Get-Command -Module PlatformOps -Verb Test | ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $script:All = Get-Command -Module PlatformOps -CommandType Cmdlet
}

Describe 'Parameter names' {
    It 'names the password file -PasswordFile everywhere, with -PassFile kept as an alias where it was the name' {
        foreach ($c in $All) {
            $c.Parameters.Keys | Should -Not -Contain 'PassFile' -Because "$($c.Name) must use -PasswordFile"
        }
        foreach ($name in 'Get-PlatformPostgresStatus', 'Invoke-PlatformBackup', 'Get-DbRole', 'Restore-PlatformDatabase') {
            $p = (Get-Command $name).Parameters['PasswordFile']
            $p | Should -Not -BeNullOrEmpty
            $p.Aliases | Should -Contain 'PassFile'
        }
        (Get-Command Get-PlatformRedisStatus).Parameters['PasswordFile'] | Should -Not -BeNullOrEmpty
    }

    It 'accepts the old -PassFile name in scripts' {
        $pass = Join-Path $TestDrive 'pgpass'
        '127.0.0.1:1:*:*:x' | Set-Content $pass
        { Get-PlatformPostgresStatus -Server 127.0.0.1 -Port 1 -PassFile $pass -ErrorAction Stop } | Should -Throw -ErrorId 'PostgresUnreachable*'
    }

    It 'takes -Host as an alias of -Server (the profile''s word) on PostgreSQL and Redis cmdlets' {
        (Get-Command Get-PlatformPostgresStatus).Parameters['Server'].Aliases | Should -Contain 'Host'
        (Get-Command Get-PlatformRedisStatus).Parameters['Server'].Aliases | Should -Contain 'Host'
    }

    It 'reads "Server" and "PasswordFile" in the profile as "Host" and "PassFile"' {
        $path = Join-Path $TestDrive 'aliases.profile.json'
        '{ "Name": "a", "Postgres": { "Server": "10.9.8.7", "Port": 5433, "PasswordFile": "pgpass" }, "Redis": { "Server": "10.9.8.6" } }' | Set-Content $path
        $p = Import-PlatformProfile -Path $path -PassThru
        if (-not $p) { $p = Get-PlatformProfile }
        $p.Postgres.Host | Should -Be '10.9.8.7'
        $p.Postgres.PassFile | Should -Be (Join-Path $TestDrive 'pgpass')
        $p.Redis.Host | Should -Be '10.9.8.6'
    }
}

Describe '<Name> -Quiet' -ForEach $TestCmdlets {
    It 'has a -Quiet switch that returns only $true or $false' {
        (Get-Command $Name).Parameters['Quiet'].ParameterType | Should -Be ([switch])
    }
}

Describe '-Quiet answers' {
    It 'Test-PlatformService -Quiet is $false for a service that refuses, with no object on the pipeline' {
        $r = @(Test-PlatformService -Url 'http://127.0.0.1:1/health' -TimeoutSec 2 -Quiet)
        $r | Should -Be @($false)
    }

    It 'Test-PlatformCertificate -Quiet is $true for a fresh certificate and $false for an expired one' {
        $dir = Join-Path $TestDrive 'cert'
        # A certificate is judged against its issuer: a CA of our own, given with -CaPath. Self-signed and
        # unanchored, the same certificate fails (untrusted issuer), and -Quiet says so.
        $ca = New-PlatformCertificateAuthority -Path (Join-Path $TestDrive 'ca') -KeyAlgorithm ECDSA -Confirm:$false
        $null = New-PlatformCertificate -Path $dir -DnsName localhost -KeyAlgorithm ECDSA -Authority $ca -Confirm:$false
        $crt = Get-ChildItem $dir -Filter *.crt | Select-Object -First 1
        @(Test-PlatformCertificate -Path $crt.FullName -CaPath $ca.Path -Quiet) | Should -Be @($true)
        $selfSigned = Join-Path $TestDrive 'self'
        $null = New-PlatformCertificate -Path $selfSigned -DnsName localhost -KeyAlgorithm ECDSA -Confirm:$false
        @(Test-PlatformCertificate -Path (Get-ChildItem $selfSigned -Filter *.crt | Select-Object -First 1).FullName -Quiet) | Should -Be @($false)
        $expired = Join-Path $TestDrive 'expired.crt'
        # A certificate that expired in 2020, made by python's cryptography (openssl req cannot back-date).
        $py = @'
import sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'old')])
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2019, 1, 1)).not_valid_after(datetime.datetime(2020, 1, 1))
        .sign(key, hashes.SHA256()))
open(sys.argv[1], 'wb').write(cert.public_bytes(serialization.Encoding.PEM))
'@
        & python3 -c $py $expired
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'python3 cryptography is needed to back-date a certificate'; return }
        @(Test-PlatformCertificate -Path $expired -CaPath $expired -Quiet) | Should -Be @($false)
    }

    It 'Test-PlatformSecretHygiene -Quiet gives one boolean' {
        $dir = Join-Path $TestDrive 'hygiene'
        $null = New-Item -ItemType Directory -Path $dir
        'DB_PASSWORD=Zq8r2LmP0x9Yk3Wt' | Set-Content (Join-Path $dir '.env')
        $r = @(Test-PlatformSecretHygiene -Path $dir -SkipContainers -Quiet)
        $r.Count | Should -Be 1
        $r[0] | Should -BeOfType [bool]
        $r[0] | Should -BeFalse -Because 'an .env that is not ignored and not 0600 fails the hygiene check'
    }

    It 'Test-PlatformBackup -Quiet is $false, not an object, when a set does not verify' {
        # A valid manifest whose file is missing: the set is read, and fails verification.
        $set = Join-Path $TestDrive '20260101T020000Z-abcd'
        $null = New-Item -ItemType Directory -Path $set
        '{ "schema": "platformops.backup/1", "id": "20260101T020000Z-abcd", "files": [ { "name": "db.sql.gz", "kind": "Database", "database": "db", "format": "Plain", "sha256": "00", "size": 1 } ] }' |
            Set-Content (Join-Path $set 'manifest.json')
        $r = @(Test-PlatformBackup -Path $set -Quiet -WarningAction SilentlyContinue)
        $r | Should -Be @($false)
    }
}

Describe 'Errors in our own words' {
    It 'says why Redis is unreachable without StackExchange.Redis''s advice to programmers' {
        $e = { Get-PlatformRedisStatus -Server 127.0.0.1 -Port 1 -ErrorAction Stop } | Should -Throw -ErrorId 'RedisUnreachable*' -PassThru
        $e.Exception.Message | Should -Match 'connection refused'
        $e.Exception.Message | Should -Not -Match 'abortConnect|AbortOnConnectFail|multiplexer|It was not possible'
    }

    It 'says why a Redis port that accepts but never answers is no Redis' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $e = { Get-PlatformRedisStatus -Server 127.0.0.1 -Port $listener.LocalEndpoint.Port -ErrorAction Stop } | Should -Throw -ErrorId 'RedisUnreachable*' -PassThru
            $e.Exception.Message | Should -Match 'accepts connections but did not answer as Redis'
            $e.Exception.Message | Should -Not -Match 'abortConnect|AbortOnConnectFail'
        }
        finally { $listener.Stop() }
    }

    It 'says why the Docker engine is unreachable without Docker.DotNet''s wrappers' {
        $e = { Get-PlatformContainer -DockerEndpoint "unix://$TestDrive/no-docker.sock" -ErrorAction Stop } | Should -Throw -ErrorId 'DockerEngineUnreachable*' -PassThru
        $e.Exception.Message | Should -Match 'does not exist'
        $e = { Get-PlatformContainer -DockerEndpoint 'tcp://127.0.0.1:1' -ErrorAction Stop } | Should -Throw -ErrorId 'DockerEngineUnreachable*' -PassThru
        $e.Exception.Message | Should -Match 'connection refused'
        $e.Exception.Message | Should -Not -Match 'inner exception|The requested failed|Connection failed'
    }

    It 'calls a file given as the backup folder InvalidArgument, not PermissionDenied' {
        $file = Join-Path $TestDrive 'not-a-folder'
        'x' | Set-Content $file
        $pass = Join-Path $TestDrive 'folder.pgpass'
        '127.0.0.1:1:*:*:x' | Set-Content $pass
        foreach ($path in $file, (Join-Path $file 'sub')) {
            $e = { Invoke-PlatformBackup -Path $path -SkipRedis -Server 127.0.0.1 -Port 1 -PasswordFile $pass -ErrorAction Stop } | Should -Throw -ErrorId 'PlatformBackupPathNotDirectory*' -PassThru
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.Exception.Message | Should -Match 'is a file, not a folder'
        }
    }
}

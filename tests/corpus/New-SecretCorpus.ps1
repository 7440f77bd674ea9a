<#
.SYNOPSIS
    Builds the secret scanner's test corpus in a folder: planted secrets in real formats (with a manifest of where each
    one is) and clean files that must give no finding.
.DESCRIPTION
    Every secret is made fresh at run time from random bytes, so this repository never holds a real-looking secret: the
    known prefixes below are split ('gh' + 'p_') so that scanning this script finds nothing. The manifest
    (manifest.json) lists each planted secret's file, line and expected rule, and the secret values themselves so that
    tests can prove no output ever shows them.
.EXAMPLE
    ./tests/corpus/New-SecretCorpus.ps1 -Path /tmp/corpus
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
$lower = 'abcdefghijklmnopqrstuvwxyz'
$digits = '0123456789'
$alnum = $upper + $lower + $digits
function New-Random([int] $Length, [string] $Alphabet = $alnum) {
    $bytes = [byte[]]::new($Length)
    [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
    -join ($bytes | ForEach-Object { $Alphabet[$_ % $Alphabet.Length] })
}
# Four different symbols: a run such as '****' reads as a masked value, which the scanner rightly skips.
function New-Password { (New-Random 6 $upper) + (New-Random 8 $lower) + (New-Random 6 $digits) + (-join ('!%^*-_+'.ToCharArray() | Get-Random -Count 4)) }
function ConvertTo-Base64Url([byte[]] $Bytes) { [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') }

$root = [System.IO.Path]::GetFullPath($Path)
if (Test-Path $root) { Remove-Item -Recurse -Force $root }
$null = New-Item -ItemType Directory -Path $root

$expected = [System.Collections.Generic.List[object]]::new()
$secrets = [System.Collections.Generic.List[string]]::new()
$files = [ordered]@{}

# Each file is a list of lines; Add-Line records the line number of each planted secret.
function Add-Line([string] $File, [string] $Text, [string] $Rule, [string] $Secret) {
    if (-not $files.Contains($File)) { $files[$File] = [System.Collections.Generic.List[string]]::new() }
    $lines = $files[$File]
    foreach ($l in $Text -split "`n") { $lines.Add($l) }
    if ($Rule) {
        $first = $lines.Count - @($Text -split "`n").Count + 1
        $expected.Add([pscustomobject]@{ File = $File; Line = $first; Rule = $Rule })
        if ($Secret) { $secrets.Add($Secret) }
    }
}

# --- planted secrets -------------------------------------------------------------------------------------------
$rsa = [System.Security.Cryptography.RSA]::Create(2048)
$rsaPem = $rsa.ExportRSAPrivateKeyPem()
Add-Line 'positive/keys/id_rsa' $rsaPem.TrimEnd() 'private-key' (($rsaPem -split "`n")[1])
$ec = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
$ecPem = $ec.ExportPkcs8PrivateKeyPem()
Add-Line 'positive/ssl/server.key' $ecPem.TrimEnd() 'private-key' (($ecPem -split "`n")[1])
$sshBody = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW' + (New-Random 40)
Add-Line 'positive/keys/deploy_ed25519' ('-----BEGIN OPENSSH ' + 'PRIVATE KEY-----') $null $null
Add-Line 'positive/keys/deploy_ed25519' $sshBody $null $null
$expected.Add([pscustomobject]@{ File = 'positive/keys/deploy_ed25519'; Line = 1; Rule = 'private-key' })
$secrets.Add($sshBody)
Add-Line 'positive/keys/deploy_ed25519' (New-Random 70 ($alnum + '+/')) $null $null
Add-Line 'positive/keys/deploy_ed25519' ('-----END OPENSSH ' + 'PRIVATE KEY-----') $null $null

$pgPassword = New-Password
$redisPassword = New-Random 48 '0123456789abcdef'
$jwtSecret = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
$openai = 'sk-' + 'proj-' + (New-Random 100 ($alnum + '_-'))
$github = 'gh' + 'p_' + (New-Random 36)
$awsId = 'AK' + 'IA' + (New-Random 16 ($upper + '234567'))
$awsSecret = New-Random 40 ($alnum + '/+')
$azureKey = (New-Random 86 ($alnum + '+/')) + '=='
$dbUrlPassword = New-Password
Add-Line 'positive/.env' '# Platform settings (real values: never commit this file)' $null $null
Add-Line 'positive/.env' 'POSTGRES_USER=agentic' $null $null
Add-Line 'positive/.env' "POSTGRES_PASSWORD=$pgPassword" 'password-assignment' $pgPassword
Add-Line 'positive/.env' 'POSTGRES_PORT=5432' $null $null
Add-Line 'positive/.env' "REDIS_PASSWORD=`"$redisPassword`"" 'password-assignment' $redisPassword
Add-Line 'positive/.env' "JWT_SECRET=$jwtSecret" 'secret-assignment' $jwtSecret
Add-Line 'positive/.env' "OPENAI_API_KEY=$openai" 'openai-key' $openai
Add-Line 'positive/.env' "GITHUB_TOKEN=$github" 'github-token' $github
Add-Line 'positive/.env' "AWS_ACCESS_KEY_ID=$awsId" 'aws-access-key-id' $awsId
Add-Line 'positive/.env' "AWS_SECRET_ACCESS_KEY=$awsSecret # rotated monthly" 'aws-secret-access-key' $awsSecret
Add-Line 'positive/.env' "DATABASE_URL=postgresql://agentic:$dbUrlPassword@postgres:5432/agentic" 'url-credentials' $dbUrlPassword
Add-Line 'positive/.env' "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=agenticdata;AccountKey=$azureKey;EndpointSuffix=core.windows.net" 'azure-storage-key' $azureKey
Add-Line 'positive/.env' 'LOG_LEVEL=info' $null $null

$csPassword = New-Password
$stripe = 'sk_' + 'live_' + (New-Random 24)
Add-Line 'positive/config/appsettings.json' '{' $null $null
Add-Line 'positive/config/appsettings.json' '  "ConnectionStrings": {' $null $null
Add-Line 'positive/config/appsettings.json' "    `"Default`": `"Host=postgres;Port=5432;Database=agentic;Username=agentic;Password=$csPassword;SSL Mode=Require`"" 'connection-string-password' $csPassword
Add-Line 'positive/config/appsettings.json' '  },' $null $null
Add-Line 'positive/config/appsettings.json' "  `"Stripe`": { `"SecretKey`": `"$stripe`" }" 'stripe-key' $stripe
Add-Line 'positive/config/appsettings.json' '}' $null $null

$webhook = 'https://hooks.' + 'slack.com/services/T' + (New-Random 8 ($upper + $digits)) + '/B' + (New-Random 8 ($upper + $digits)) + '/' + (New-Random 24)
$yamlRedis = New-Password
$sendgrid = 'S' + 'G.' + (New-Random 22 ($alnum + '_-')) + '.' + (New-Random 43 ($alnum + '_-'))
Add-Line 'positive/deploy/values.yaml' 'replicaCount: 2' $null $null
Add-Line 'positive/deploy/values.yaml' 'alerts:' $null $null
Add-Line 'positive/deploy/values.yaml' "  slackWebhook: $webhook" 'slack-webhook' ($webhook.Substring(8))
Add-Line 'positive/deploy/values.yaml' 'redis:' $null $null
Add-Line 'positive/deploy/values.yaml' "  password: $yamlRedis" 'password-assignment' $yamlRedis
Add-Line 'positive/deploy/values.yaml' "sendgridApiKey: '$sendgrid'" 'sendgrid-key' $sendgrid

$psPassword = New-Password
$psToken = New-Random 32
Add-Line 'positive/scripts/deploy.ps1' 'param([string] $Environment = "prod")' $null $null
Add-Line 'positive/scripts/deploy.ps1' "`$secure = ConvertTo-SecureString '$psPassword' -AsPlainText -Force" 'powershell-plaintext-password' $psPassword
Add-Line 'positive/scripts/deploy.ps1' "`$apiToken = `"$psToken`"" 'secret-assignment' $psToken
Add-Line 'positive/scripts/deploy.ps1' 'Invoke-RestMethod -Uri "https://api.internal/deploy" -Headers @{ Authorization = "Bearer $apiToken" }' $null $null

$django = New-Random 50 ($alnum + '!@#%^&*(-_=+)')
$google = 'AI' + 'za' + (New-Random 35 ($alnum + '_-'))
$hf = 'hf' + '_' + (New-Random 34)
$anthropic = 'sk-' + 'ant-' + 'api03-' + (New-Random 95 ($alnum + '_-'))
Add-Line 'positive/app/settings.py' 'import os' $null $null
Add-Line 'positive/app/settings.py' "SECRET_KEY = `"$django`"" 'secret-assignment' $django
Add-Line 'positive/app/settings.py' "GOOGLE_MAPS_KEY = '$google'" 'google-api-key' $google
Add-Line 'positive/app/settings.py' "HF_TOKEN = `"$hf`"" 'huggingface-token' $hf
Add-Line 'positive/app/settings.py' "client = Anthropic(api_key=`"$anthropic`")" 'anthropic-key' $anthropic
Add-Line 'positive/app/settings.py' 'DEBUG = False' $null $null

$shPassword = New-Password
$header = ConvertTo-Base64Url ([System.Text.Encoding]::UTF8.GetBytes('{"alg":"HS256","typ":"JWT"}'))
$payload = ConvertTo-Base64Url ([System.Text.Encoding]::UTF8.GetBytes('{"sub":"svc-backup","role":"admin","iat":1735689600}'))
$jwt = "$header.$payload." + (ConvertTo-Base64Url ([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)))
Add-Line 'positive/scripts/backup.sh' '#!/bin/sh' $null $null
Add-Line 'positive/scripts/backup.sh' 'set -eu' $null $null
Add-Line 'positive/scripts/backup.sh' "export PGPASSWORD=$shPassword" 'password-assignment' $shPassword
Add-Line 'positive/scripts/backup.sh' "curl -fsS -H `"Authorization: Bearer $jwt`" https://backup.internal/start" 'jwt' $jwt

$composePassword = New-Password
$gitlab = 'glp' + 'at-' + (New-Random 20 ($alnum + '_-'))
Add-Line 'positive/docker-compose.yml' 'services:' $null $null
Add-Line 'positive/docker-compose.yml' '  db:' $null $null
Add-Line 'positive/docker-compose.yml' '    image: postgres:15' $null $null
Add-Line 'positive/docker-compose.yml' '    environment:' $null $null
Add-Line 'positive/docker-compose.yml' "      - POSTGRES_PASSWORD=$composePassword" 'password-assignment' $composePassword
Add-Line 'positive/docker-compose.yml' '  runner:' $null $null
Add-Line 'positive/docker-compose.yml' '    environment:' $null $null
Add-Line 'positive/docker-compose.yml' "      GITLAB_TOKEN: $gitlab" 'gitlab-token' $gitlab

$npm = 'np' + 'm_' + (New-Random 36)
Add-Line 'positive/.npmrc' "//registry.npmjs.org/:_authToken=$npm" 'npm-token' $npm
$slack = 'xo' + 'xb-' + (New-Random 12 $digits) + '-' + (New-Random 13 $digits) + '-' + (New-Random 24)
Add-Line 'positive/notes/oncall.txt' 'Bot for the alerts channel:' $null $null
Add-Line 'positive/notes/oncall.txt' $slack 'slack-token' $slack
$basicPassword = New-Password
$basic = [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes("deploy:$basicPassword"))
Add-Line 'positive/k8s/probe.yaml' 'httpHeaders:' $null $null
Add-Line 'positive/k8s/probe.yaml' '  - name: Authorization' $null $null
Add-Line 'positive/k8s/probe.yaml' "    value: Basic $basic" 'basic-auth' $basic
$secrets.Add($basicPassword)

# --- clean files: must give no finding -----------------------------------------------------------------------------
Add-Line 'clean/.env.example' '# Copy to .env and fill in' $null $null
Add-Line 'clean/.env.example' 'POSTGRES_USER=agentic' $null $null
Add-Line 'clean/.env.example' 'POSTGRES_PASSWORD=changeme' $null $null
Add-Line 'clean/.env.example' 'REDIS_PASSWORD=' $null $null
Add-Line 'clean/.env.example' 'JWT_SECRET=<jwt-secret>' $null $null
Add-Line 'clean/.env.example' 'OPENAI_API_KEY=your-openai-api-key' $null $null
Add-Line 'clean/.env.example' 'DATABASE_URL=postgresql://agentic:${POSTGRES_PASSWORD}@postgres:5432/agentic' $null $null
Add-Line 'clean/.env.example' 'API_TOKEN=${API_TOKEN:?set it}' $null $null
Add-Line 'clean/.env.example' 'SECRET_KEY_FILE=/run/secrets/secret_key' $null $null
Add-Line 'clean/.env.example' 'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE' $null $null
Add-Line 'clean/.env.example' 'SMTP_PASSWORD="<password>"' $null $null
Add-Line 'clean/.env.example' 'GITHUB_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' $null $null

$integrity = 'sha512-' + [Convert]::ToBase64String([System.Security.Cryptography.SHA512]::HashData([byte[]](1..64)))
Add-Line 'clean/package-lock.json' '{' $null $null
Add-Line 'clean/package-lock.json' '  "packages": {' $null $null
Add-Line 'clean/package-lock.json' '    "node_modules/left-pad": {' $null $null
Add-Line 'clean/package-lock.json' '      "version": "1.3.0",' $null $null
Add-Line 'clean/package-lock.json' '      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",' $null $null
Add-Line 'clean/package-lock.json' "      `"integrity`": `"$integrity`"" $null $null
Add-Line 'clean/package-lock.json' '    }' $null $null
Add-Line 'clean/package-lock.json' '  }' $null $null
Add-Line 'clean/package-lock.json' '}' $null $null

foreach ($name in 'backup.tar.zst', 'postgres.dump', 'redis.rdb', 'wal-000000010000000000000001') {
    $hash = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes($name))).ToLowerInvariant()
    Add-Line 'clean/SHA256SUMS' "$hash  $name" $null $null
}
$sha1 = [Convert]::ToHexString([System.Security.Cryptography.SHA1]::HashData([byte[]](1..8))).ToLowerInvariant()
$md5 = [Convert]::ToHexString([System.Security.Cryptography.MD5]::HashData([byte[]](1..8))).ToLowerInvariant()
$sha256 = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData([byte[]](1..8))).ToLowerInvariant()
Add-Line 'clean/build-info.json' "{ `"commit`": `"$sha1`", `"etag`": `"$md5`", `"sha256`": `"$sha256`", `"checksum`": `"$sha256`" }" $null $null

Add-Line 'clean/ids.json' '[' $null $null
foreach ($i in 1..5) {
    Add-Line 'clean/ids.json' "  { `"requestId`": `"$([guid]::NewGuid())`", `"tenant_id`": `"$([guid]::NewGuid())`", `"client_id`": `"$([guid]::NewGuid())`", `"idempotency_key`": `"$([guid]::NewGuid())`" }," $null $null
}
Add-Line 'clean/ids.json' '  {}' $null $null
Add-Line 'clean/ids.json' ']' $null $null

$png = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(600))
$gif = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(300))
Add-Line 'clean/index.html' '<!doctype html>' $null $null
Add-Line 'clean/index.html' "<img alt=`"logo`" src=`"data:image/png;base64,$png`">" $null $null
Add-Line 'clean/index.html' "<style>.spinner { background: url(data:image/gif;base64,$gif); }</style>" $null $null
Add-Line 'clean/index.html' '<input type="password" name="password" autocomplete="current-password">' $null $null

Add-Line 'clean/app.py' 'import os' $null $null
Add-Line 'clean/app.py' 'password = os.environ["DB_PASSWORD"]' $null $null
Add-Line 'clean/app.py' 'token = get_token(scope="read")' $null $null
Add-Line 'clean/app.py' 'api_key = settings.API_KEY' $null $null
Add-Line 'clean/app.py' 'secret = None' $null $null
Add-Line 'clean/app.py' 'if password == "":' $null $null
Add-Line 'clean/app.py' '    raise ValueError("password: missing")' $null $null
Add-Line 'clean/app.py' 'PASSWORD_MIN_LENGTH = 12' $null $null

Add-Line 'clean/Connect.ps1' '$password = Read-Host -AsSecureString -Prompt "Password"' $null $null
Add-Line 'clean/Connect.ps1' '$token = $env:API_TOKEN' $null $null
Add-Line 'clean/Connect.ps1' '$cred = Get-Credential -UserName agentic' $null $null
Add-Line 'clean/Connect.ps1' 'Connect-Db -Password $password -Token $token' $null $null
Add-Line 'clean/Connect.ps1' '$secret = Get-PlatformSecret -Name POSTGRES_PASSWORD' $null $null

Add-Line 'clean/compose.yml' 'services:' $null $null
Add-Line 'clean/compose.yml' '  db:' $null $null
Add-Line 'clean/compose.yml' '    environment:' $null $null
Add-Line 'clean/compose.yml' '      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password' $null $null
Add-Line 'clean/compose.yml' '      REDIS_PASSWORD: ${REDIS_PASSWORD:?required}' $null $null
Add-Line 'clean/compose.yml' '    secrets: [postgres_password]' $null $null
Add-Line 'clean/compose.yml' 'secrets:' $null $null
Add-Line 'clean/compose.yml' '  postgres_password:' $null $null
Add-Line 'clean/compose.yml' '    file: ./secrets/postgres_password.txt' $null $null

Add-Line 'clean/README.md' '# Setup' $null $null
Add-Line 'clean/README.md' 'Set `POSTGRES_PASSWORD=<password>` in `.env`, then connect with `postgres://agentic:<password>@localhost:5432/agentic`.' $null $null
Add-Line 'clean/README.md' 'Call the API with `Authorization: Bearer <token>`; the token is in the vault.' $null $null
Add-Line 'clean/README.md' 'Example: `psql postgresql://user:password@localhost/db`.' $null $null

$pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI' + (New-Random 43 ($alnum + '+/')) + ' ops@example'
Add-Line 'clean/config.yaml' 'auth:' $null $null
Add-Line 'clean/config.yaml' '  password_min_length: 12' $null $null
Add-Line 'clean/config.yaml' '  token_ttl: 3600' $null $null
Add-Line 'clean/config.yaml' '  secret_name: db-credentials' $null $null
Add-Line 'clean/config.yaml' '  primary_key: id' $null $null
Add-Line 'clean/config.yaml' "  public_key: $pub" $null $null
Add-Line 'clean/config.yaml' '  token_type: Bearer' $null $null
Add-Line 'clean/config.yaml' '  password: ""' $null $null

# --- write ---------------------------------------------------------------------------------------------------------
foreach ($entry in $files.GetEnumerator()) {
    $full = Join-Path $root $entry.Key
    $null = New-Item -ItemType Directory -Force -Path (Split-Path $full)
    [System.IO.File]::WriteAllText($full, (($entry.Value -join "`n") + "`n"))
}
# A binary file with a secret-looking string inside: binaries are skipped.
$bin = [byte[]]::new(64); $bin[10] = 0
[System.IO.File]::WriteAllBytes((Join-Path $root 'clean/blob.bin'), $bin + [System.Text.Encoding]::ASCII.GetBytes("PASSWORD=$(New-Password)"))

$manifest = [ordered]@{
    Expected = $expected | Where-Object { $_ } | Sort-Object File, Line
    CleanFolder = 'clean'
    Secrets = $secrets | Where-Object { $_ }
}
$manifestPath = $root.TrimEnd('/', '\') + '.manifest.json'
$manifest | ConvertTo-Json -Depth 4 | Set-Content -Path $manifestPath -Encoding utf8NoBOM
Get-Item $manifestPath

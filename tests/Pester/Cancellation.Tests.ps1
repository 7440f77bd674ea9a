# Ctrl+C as a scheduler meets it: a real SIGINT sent by PID to a non-interactive pwsh running a PlatformOps cmdlet.
# The process must exit non-zero (130) with a <Noun>Cancelled record on its error output, and leave nothing behind.
# pwsh ignores SIGINT when it inherits SIG_IGN (a background job of a non-interactive shell): `env --default-signal`
# starts it with the default disposition, as a terminal or a scheduler would.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    $script:Suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)

    # Starts pwsh with the given arguments, waits for -Ready to say the work is under way, sends SIGINT by PID.
    function script:Stop-WithSigint([string[]] $Arguments, [scriptblock] $Ready, [int] $TimeoutSec = 90) {
        $out = Join-Path $TestDrive ("out-{0}.txt" -f [guid]::NewGuid().ToString('N'))
        $err = "$out.err"
        $p = Start-TestProcess env -ArgumentList (@('--default-signal=INT', $Pwsh) + $Arguments) -OutputPath $out
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            while (-not (& $Ready $out)) {
                if ($p.HasExited) { throw "pwsh ended before the work started (exit $($p.ExitCode)): $(Get-Content $out, $err -Raw -ErrorAction Ignore)" }
                if ($clock.Elapsed.TotalSeconds -gt $TimeoutSec) { throw "the work never started: $(Get-Content $out, $err -Raw -ErrorAction Ignore)" }
                Start-Sleep -Milliseconds 100
            }
            & kill -s INT $p.Id
            $stopped = [Diagnostics.Stopwatch]::StartNew()
            if (-not $p.WaitForExit(60000)) { throw 'pwsh did not end within 60 s of SIGINT' }
            [pscustomobject]@{
                ExitCode = $p.ExitCode
                Seconds  = $stopped.Elapsed.TotalSeconds
                Output   = (Get-Content $out -Raw -ErrorAction Ignore) + (Get-Content $err -Raw -ErrorAction Ignore)
            }
        }
        finally { if (-not $p.HasExited) { $p.Kill() } }
    }
}

Describe 'Ctrl+C in a non-interactive pwsh' {
    BeforeAll {
        # Any long PlatformOps cmdlet will do: a scan of a large folder, no lab needed.
        $script:ScanJob = Join-Path $TestDrive 'scan-job.ps1'
        Set-Content $ScanJob -Value @"
Import-Module '$env:PLATFORMOPS_MODULE'
'started'
Find-PlatformSecret -Path '$PSHOME/..', '/usr' | Out-Null
'JOB-COMPLETED'
"@
        $script:Started = { param($out) (Test-Path $out) -and (Get-Content $out -Raw) -match 'started' }
    }

    It 'pwsh -File job.ps1 exits 130 with a PlatformSecretCancelled record' {
        $r = Stop-WithSigint @('-NoProfile', '-NonInteractive', '-File', $ScanJob) -Ready { param($o) if (& $Started $o) { Start-Sleep 1; $true } }
        $r.Output | Should -Not -Match 'JOB-COMPLETED'
        $r.ExitCode | Should -Be 130 -Because $r.Output
        $r.Output | Should -Match 'Find-PlatformSecret was cancelled .*\[PlatformSecretCancelled\]'
    }

    It 'pwsh -Command exits 130 too' {
        $r = Stop-WithSigint @('-NoProfile', '-NonInteractive', '-Command', ". '$ScanJob'") -Ready { param($o) if (& $Started $o) { Start-Sleep 1; $true } }
        $r.ExitCode | Should -Be 130 -Because $r.Output
        $r.Output | Should -Match '\[PlatformSecretCancelled\]'
    }

    It 'leaves an interactive session (-NoExit) running, with the record in $Error' {
        $p = Start-TestProcess env -ArgumentList '--default-signal=INT', $Pwsh, '-NoProfile', '-NoExit', '-File', $ScanJob
        try {
            $errTask = $p.StandardError.ReadToEndAsync()
            $clock = [Diagnostics.Stopwatch]::StartNew()
            do {
                $line = $p.StandardOutput.ReadLine()
                if ($null -eq $line -or $clock.Elapsed.TotalSeconds -gt 90) { throw "the scan never started: $($errTask.Result)" }
            } until ($line -match 'started')
            $outTask = $p.StandardOutput.ReadToEndAsync()
            Start-Sleep 1
            & kill -s INT $p.Id
            Start-Sleep 3
            $p.HasExited | Should -BeFalse -Because 'Ctrl+C at an interactive prompt must not end the shell'
            $p.StandardInput.WriteLine('"ids:" + (($Error | ForEach-Object FullyQualifiedErrorId) -join ","); exit 7')
            $p.StandardInput.Close()
            $p.WaitForExit(30000) | Should -BeTrue
            $p.ExitCode | Should -Be 7
            $outTask.Result | Should -Match 'ids:.*PlatformSecretCancelled'
        }
        finally { if (-not $p.HasExited) { $p.Kill() } }
    }
}

Describe 'Ctrl+C during Invoke-PlatformBackup' -Tag 'Docker' {
    BeforeAll {
        $script:Db = "cancel_t_$Suffix"
        $script:Root = Join-Path $TestDrive 'backups'
        $null = New-Item -ItemType Directory -Path $Root
        Invoke-Psql postgres "CREATE DATABASE $Db" | Out-Null
        Invoke-Psql $Db 'CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 1000) g' | Out-Null
        $script:Job = Join-Path $TestDrive 'backup-job.ps1'
        Set-Content $Job -Value @"
Import-Module '$env:PLATFORMOPS_MODULE'
Import-PlatformProfile -Path '$($Lab.Profile)' | Out-Null
Invoke-PlatformBackup -Path '$Root' -Database '$Db' -SkipRedis
'JOB-COMPLETED'
"@
        # A backup caught halfway, on purpose: a lock makes pg_dump wait until the SIGINT comes.
        $script:HoldLock = {
            Start-TestProcess (Get-Command psql -CommandType Application | Select-Object -First 1).Source -ArgumentList '-X', '-q', '-h', '127.0.0.1', '-p', "$($Lab.PostgresPort)",
                '-U', 'postgres', '-d', $Db, '-c', 'BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120);' -Environment @{ PGPASSFILE = $Lab.PgPass; PGAPPNAME = "cancel-holder-$Suffix" }
        }
        $script:DumpBlocked = {
            param($out)
            $waiting = [int](Invoke-Psql postgres "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'platformops-backup-%' AND wait_event_type = 'Lock'")
            $waiting -gt 0
        }
    }

    AfterAll {
        Invoke-Psql postgres "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'cancel-holder-$Suffix'" | Out-Null
        Invoke-Psql postgres "DROP DATABASE IF EXISTS $Db WITH (FORCE)" | Out-Null
    }

    It 'pwsh <Mode> exits 130 with PlatformBackupCancelled, within seconds, and leaves no set' -TestCases @(
        @{ Mode = '-File' }, @{ Mode = '-Command' }
    ) {
        $holder = & $HoldLock
        try {
            # The lock must be held before the backup starts, or pg_dump would not wait for it.
            $clock = [Diagnostics.Stopwatch]::StartNew()
            while ([int](Invoke-Psql postgres "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid WHERE a.application_name = 'cancel-holder-$Suffix' AND l.mode = 'AccessExclusiveLock' AND l.granted") -eq 0) {
                if ($holder.HasExited -or $clock.Elapsed.TotalSeconds -gt 30) { throw "the lock holder did not take its lock: $(if ($holder.HasExited) { $holder.StandardError.ReadToEnd() })" }
                Start-Sleep -Milliseconds 100
            }
            $arguments = if ($Mode -eq '-File') { @('-NoProfile', '-NonInteractive', '-File', $Job) } else { @('-NoProfile', '-NonInteractive', '-Command', ". '$Job'") }
            $r = Stop-WithSigint $arguments -Ready $DumpBlocked
        }
        finally {
            Invoke-Psql postgres "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'cancel-holder-$Suffix'" | Out-Null
            if (-not $holder.HasExited) { $holder.Kill() }
        }
        $r.ExitCode | Should -Be 130 -Because $r.Output
        $r.Output | Should -Not -Match 'JOB-COMPLETED'
        $r.Output | Should -Match 'no backup set was kept.*\[PlatformBackupCancelled\]'
        $r.Seconds | Should -BeLessThan 10
        @(Get-ChildItem $Root -Force) | Should -BeNullOrEmpty -Because 'neither a set nor a partial folder may be left'
        [int](Invoke-Psql postgres "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'platformops-backup-%'") | Should -Be 0
    }
}

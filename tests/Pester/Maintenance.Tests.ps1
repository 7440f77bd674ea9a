# Scheduled maintenance as a scheduler runs it: every job in a fresh pwsh process (as systemd or cron start it), its
# exit code read from the process, the lock judged by flock(1), and a real cron daemon (busybox crond, with a crontab
# folder of its own so the machine's crontab is never touched) firing a job on a one-minute schedule.
BeforeAll {
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $labRoot = if ($env:PLATFORMOPS_LAB_ROOT) { $env:PLATFORMOPS_LAB_ROOT } else { '/tmp/platformops-lab' }
    $script:Plain = Join-Path $labRoot 'plain.profile.json'
    if (-not (Test-Path $Plain)) { throw "The lab's plain profile $Plain is missing: start the lab (bash tests/lab/lab.sh up --no-docker)." }
    $script:Pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("platformops-maint-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $Work

    # A copy of the plain lab profile with its own backup folder and maintenance state.
    function New-MaintenanceProfile([string] $Name, [hashtable] $Maintenance = @{}, [hashtable] $Postgres = @{}) {
        $p = Get-Content $Plain -Raw | ConvertFrom-Json -AsHashtable
        $p.Name = "maint-$Name"
        $p.Backup = @{ Path = (Join-Path $Work "$Name/backups") }
        foreach ($k in $Postgres.Keys) { $p.Postgres[$k] = $Postgres[$k] }
        $m = @{ StatePath = (Join-Path $Work "$Name/state"); PwshPath = $Pwsh }
        foreach ($k in $Maintenance.Keys) { $m[$k] = $Maintenance[$k] }
        $p.Maintenance = $m
        $path = Join-Path $Work "$Name.profile.json"
        $p | ConvertTo-Json -Depth 8 | Set-Content -Path $path
        $path
    }

    # Starts Invoke-PlatformMaintenance in a new pwsh, as a scheduler does; Wait-Run collects its exit code and output.
    function Start-Run([string] $ProfilePath, [string] $Job, [string] $Extra = '') {
        $command = "Import-Module -Name '$($env:PLATFORMOPS_MODULE)' -ErrorAction Stop; Invoke-PlatformMaintenance -Job $Job -Profile '$ProfilePath' $Extra"
        $psi = [Diagnostics.ProcessStartInfo]::new($Pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $command) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
        $p = [Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
    }
    function Wait-Run($Run, [int] $Seconds = 180) {
        if (-not $Run.Process.WaitForExit($Seconds * 1000)) { $Run.Process.Kill($true); throw "the run did not end within $Seconds s" }
        [pscustomobject]@{ ExitCode = $Run.Process.ExitCode; Output = $Run.Out.Result + $Run.Err.Result; Id = $Run.Process.Id }
    }
    function Wait-Until([scriptblock] $Condition, [int] $Seconds, [string] $What) {
        $deadline = (Get-Date).AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ((Get-Date) -gt $deadline) { throw "Waited $Seconds s for $What." }
            Start-Sleep -Milliseconds 100
        }
    }
}

AfterAll {
    Remove-Item -Recurse -Force $Work -ErrorAction Ignore
}

Describe 'Invoke-PlatformMaintenance as a scheduler runs it' -Tag 'Plain' {
    It 'exits 0 and logs the backup set it made' {
        $profile = New-MaintenanceProfile 'ok'
        $r = Wait-Run (Start-Run $profile Backup)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $run = Get-PlatformMaintenanceLog -Profile $profile -Last 1
        $run.Outcome | Should -Be 'Succeeded'
        $run.ProcessId | Should -Be $r.Id
        (Get-PlatformBackup -Profile $profile).Id | Should -Be $run.Figures['setId']
        $line = Get-Content (Join-Path $Work 'ok/state/maintenance.log') -Raw
        $line | Should -Match '"job":"Backup","outcome":"Succeeded","exitCode":0'
        foreach ($secret in (Get-Content (Join-Path (Split-Path $Plain) 'secrets/postgres.password') -Raw).Trim(), (Get-Content (Join-Path (Split-Path $Plain) 'secrets/redis.password') -Raw).Trim()) {
            $line | Should -Not -Match ([regex]::Escape($secret))
        }
    }

    It 'exits 1 when the job fails, with the reason in the log' {
        $profile = New-MaintenanceProfile 'fail' -Postgres @{ Port = 9 }
        $r = Wait-Run (Start-Run $profile Backup)
        $r.ExitCode | Should -Be 1 -Because $r.Output
        $r.Output | Should -Match 'The Backup job of .maint-fail. failed'
        $run = Get-PlatformMaintenanceLog -Profile $profile -Failed -Last 1
        $run.Outcome | Should -Be 'Failed'
        $run.ErrorId | Should -Not -BeNullOrEmpty
    }

    It 'exits 124 at the time limit, leaves no partial backup and releases the lock' {
        $profile = New-MaintenanceProfile 'limit'
        $r = Wait-Run (Start-Run $profile Backup '-TimeLimit 00:00:01')
        $r.ExitCode | Should -Be 124 -Because $r.Output
        (Get-PlatformMaintenanceLog -Profile $profile -Last 1).Outcome | Should -Be 'TimedOut'
        @(Get-ChildItem (Join-Path $Work 'limit/backups') -Force -ErrorAction Ignore).Count | Should -Be 0 -Because 'a cancelled backup removes its partial folder'
        & flock -n (Join-Path $Work 'limit/state/maintenance.lock') true
        $LASTEXITCODE | Should -Be 0
    }

    It 'never runs two jobs of a platform at once: a second run is Busy (75) or waits its turn' {
        # The first run is the WalSync job, whose script (the hook for a remote repository) takes 25 seconds.
        $script = Join-Path $Work 'slow-sync.ps1'
        Set-Content -Path $script -Value 'param($Profile) Start-Sleep -Seconds 25'
        $profile = New-MaintenanceProfile 'overlap' -Maintenance @{ Jobs = @{ WalSync = @{ Script = $script } } }
        $marker = Join-Path $Work 'overlap/state/maintenance.run.json'
        $a = Start-Run $profile WalSync
        Wait-Until { Test-Path $marker } 60 'the first run to take the lock'
        $holder = Get-Content $marker -Raw | ConvertFrom-Json
        $b = Start-Run $profile Readiness '-LockWait 0'
        $c = Start-Run $profile Readiness '-LockWait 00:03:00'
        $rb = Wait-Run $b
        $rb.ExitCode | Should -Be 75 -Because $rb.Output
        $rb.Output | Should -Match "the WalSync run $($holder.RunId)"
        (Wait-Run $a).ExitCode | Should -Be 0
        (Wait-Run $c).ExitCode | Should -Be 0
        $runs = Get-PlatformMaintenanceLog -Profile $profile
        $sync = $runs | Where-Object Job -EQ WalSync
        $waited = $runs | Where-Object { $_.Job -eq 'Readiness' -and $_.Outcome -eq 'Succeeded' }
        ($runs | Where-Object Outcome -EQ Busy).Count | Should -Be 1
        $sync.Outcome | Should -Be 'Succeeded'
        $waited.StartedAt | Should -BeGreaterOrEqual $sync.EndedAt
        $waited.Figures['lockWaitSeconds'] | Should -BeGreaterThan 0
    }

    It 'a run killed mid-way releases the lock, and the next run logs it as Interrupted' {
        # The run to kill is one that cannot finish first: a WalSync whose script sleeps for minutes (a Verify job was
        # used before, and on an idle machine it finished before the kill, exit 0).
        $script = Join-Path $Work 'endless-sync.ps1'
        Set-Content -Path $script -Value 'param($Profile) Start-Sleep -Seconds 300'
        $profile = New-MaintenanceProfile 'killed' -Maintenance @{ Jobs = @{ WalSync = @{ Script = $script } } }
        $marker = Join-Path $Work 'killed/state/maintenance.run.json'
        $a = Start-Run $profile WalSync
        Wait-Until { Test-Path $marker } 60 'the run to take the lock'
        Start-Sleep -Seconds 1
        $a.Process.HasExited | Should -BeFalse -Because 'the run must still hold the lock when it is killed'
        & kill -KILL $a.Process.Id
        $a.Process.WaitForExit(30000) | Should -BeTrue
        $a.Process.ExitCode | Should -Be 137
        & flock -n (Join-Path $Work 'killed/state/maintenance.lock') true
        $LASTEXITCODE | Should -Be 0 -Because 'the kernel released the lock of the killed process'
        $r = Wait-Run (Start-Run $profile Readiness)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'was interrupted'
        $lost = Get-PlatformMaintenanceLog -Profile $profile -Job WalSync -Failed
        $lost.Outcome | Should -Be 'Interrupted'
        $lost.ProcessId | Should -Be $a.Process.Id
        $lost.Message | Should -Match 'killed or the machine stopped'
        Test-Path $marker | Should -BeFalse
    }
}

Describe 'A real cron daemon runs the installed job' -Tag 'Plain' {
    BeforeAll {
        $script:CronDir = Join-Path $Work 'cron/crontabs'
        $null = New-Item -ItemType Directory -Path $CronDir
        $script:Crontab = Join-Path $CronDir 'root'
        $script:Original = "# the machine owner's own line, which must survive`n0 3 1 1 * /bin/true`n"
        Set-Content -Path $Crontab -Value $Original -NoNewline
        # The scheduler's view of the exit code: a wrapper around pwsh appends it to a file.
        $script:Codes = Join-Path $Work 'cron/exit-codes'
        $script:Wrapper = Join-Path $Work 'cron/pwsh-wrapper'
        Set-Content -Path $Wrapper -Value "#!/bin/sh`n'$Pwsh' `"`$@`"`nrc=`$?`necho `"`$rc`" >> '$Codes'`nexit `$rc`n" -NoNewline
        & chmod 0755 $Wrapper
        $script:Profile = New-MaintenanceProfile 'cron' -Maintenance @{ PwshPath = $Wrapper; CrontabPath = $Crontab; Jobs = @{ Readiness = @{ Schedule = '* * * * *'; LockWaitMinutes = 0 } } }
        $script:Installed = Install-PlatformMaintenance -Profile $Profile -Scheduler Cron -Job Readiness
        $script:Crond = Start-Process -FilePath busybox -ArgumentList 'crond', '-f', '-c', $CronDir, '-L', (Join-Path $Work 'cron/crond.log'), '-l', '8' -PassThru
    }
    AfterAll {
        if ($Crond -and -not $Crond.HasExited) { Stop-Process -Id $Crond.Id -Force }
        if ($script:Holder -and -not $Holder.HasExited) { Stop-Process -Id $Holder.Id -Force }
    }

    It 'fires the job, which takes the lock, logs and exits 0; with the lock held it exits 75' {
        $Installed.Action | Should -Be 'Installed'
        $line = @(Get-Content $Crontab) -match '^\* \* \* \* \* '
        $line | Should -HaveCount 1
        $line[0] | Should -BeLike "* PLATFORMOPS_MAINTENANCE_TRIGGER='Cron' '$Wrapper' *-Job Readiness -Profile '\''$Profile'\''*"
        Wait-Until { (Test-Path $Codes) -and @(Get-Content $Codes).Count -ge 1 } 150 'crond to fire the job'
        @(Get-Content $Codes)[0] | Should -Be '0'
        $first = Get-PlatformMaintenanceLog -Profile $Profile -Last 1
        $first.Trigger | Should -Be 'Cron'
        $first.Outcome | Should -Be 'Succeeded'
        $first.Figures['score'] | Should -BeGreaterThan 0

        # Hold the platform's lock from outside: the next firing finds it taken.
        $lock = Join-Path $Work 'cron/state/maintenance.lock'
        $script:Holder = Start-Process -FilePath flock -ArgumentList $lock, 'sleep', '100' -PassThru
        Wait-Until { & flock -n $lock true; $LASTEXITCODE -ne 0 } 10 'flock to hold the lock'
        Wait-Until { @(Get-Content $Codes).Count -ge 2 } 100 'crond to fire the job again'
        @(Get-Content $Codes)[1] | Should -Be '75'
        $busy = Get-PlatformMaintenanceLog -Profile $Profile -Last 1
        $busy.Outcome | Should -Be 'Busy'
        $busy.Trigger | Should -Be 'Cron'
        Stop-Process -Id $Holder.Id -Force
    }

    It 'uninstalls to the crontab exactly as it was' {
        Stop-Process -Id $Crond.Id -Force
        $removed = Uninstall-PlatformMaintenance -Profile $Profile -Confirm:$false
        ($removed | Where-Object Kind -EQ CrontabBlock).Action | Should -Be 'Removed'
        Get-Content $Crontab -Raw | Should -BeExactly $Original
    }
}

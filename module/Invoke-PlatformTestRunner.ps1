<#
.SYNOPSIS
    The child process of Invoke-PlatformTest: finds Pester 5+, imports PlatformOps and the profile, runs the shipped
    acceptance suite and the user's tests, and writes the summary Invoke-PlatformTest reads back.
.DESCRIPTION
    Invoke-PlatformTest starts a fresh pwsh with this script and one argument, the path of a JSON request (module path,
    profile path, test paths, Pester options, where to write the summary). The summary is JSON: the counts, one entry
    per test, and the container and block errors; or { Error, Message } when it could not run. Exit codes: 0 ran (the
    tests may have failed), 3 no Pester 5 or newer, 4 Pester could not be imported, 5 PlatformOps or the profile could
    not be loaded. It ships in the module folder and is linted by the xUnit tests (ShippedScriptLintTests).
#>
param([Parameter(Mandatory)] [string] $RequestPath)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$request = Get-Content -Raw -LiteralPath $RequestPath | ConvertFrom-Json
function Write-Summary($Value) { $Value | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $request.SummaryPath -Encoding utf8 }
try {
    if ($request.PesterPath) {
        $pester = Import-Module -Name $request.PesterPath -Force -PassThru -ErrorAction Stop | Select-Object -First 1
    }
    else {
        $found = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]'5.0.0' } | Sort-Object Version -Descending | Select-Object -First 1
        if (-not $found) {
            $have = (Get-Module -ListAvailable -Name Pester | ForEach-Object { $_.Version.ToString() }) -join ', '
            Write-Summary ([ordered]@{ Error = 'PesterNotInstalled'; Found = $have })
            exit 3
        }
        $pester = Import-Module -Name $found.Path -Force -PassThru -ErrorAction Stop | Select-Object -First 1
    }
    if ($pester.Version -lt [version]'5.0.0') {
        Write-Summary ([ordered]@{ Error = 'PesterNotInstalled'; Found = $pester.Version.ToString() })
        exit 3
    }
}
catch {
    Write-Summary ([ordered]@{ Error = 'PesterNotLoadable'; Message = "Pester could not be imported: $($_.Exception.Message)" })
    exit 4
}
try {
    Import-Module -Name $request.ModulePath -Force -ErrorAction Stop
    if ($request.ProfilePath) { Import-PlatformProfile -Path $request.ProfilePath }
}
catch {
    Write-Summary ([ordered]@{ Error = 'PlatformTestSetupFailed'; Message = "PlatformOps or its profile could not be loaded in the test process: $($_.Exception.Message)" })
    exit 5
}
$containers = @()
foreach ($p in @($request.AcceptancePaths)) { if ($p) { $containers += New-PesterContainer -Path $p -Data @{ ProfilePath = $request.ProfilePath } } }
foreach ($p in @($request.UserPaths)) { if ($p) { $containers += New-PesterContainer -Path $p } }
$config = New-PesterConfiguration
$config.Run.Container = $containers
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = $request.Verbosity
if (@($request.Tag).Count -gt 0) { $config.Filter.Tag = [string[]] @($request.Tag) }
if (@($request.ExcludeTag).Count -gt 0) { $config.Filter.ExcludeTag = [string[]] @($request.ExcludeTag) }
if ($request.OutputPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = $request.OutputFormat
    $config.TestResult.OutputPath = $request.OutputPath
}
$result = Invoke-Pester -Configuration $config
$tests = foreach ($t in $result.Tests) {
    [ordered]@{
        Name       = $t.ExpandedPath
        File       = $t.ScriptBlock.File
        Result     = [string] $t.Result
        DurationMs = $t.Duration.TotalMilliseconds
        Message    = @($t.ErrorRecord | Select-Object -First 1 | ForEach-Object { $_.Exception.Message })[0]
    }
}
$errors = @()
$errors += @($result.Containers | Where-Object { $_.Result -eq 'Failed' } | ForEach-Object { "$($_.Item): $(@($_.ErrorRecord | ForEach-Object { $_.Exception.Message }) -join '; ')" })
$errors += @($result.FailedBlocks | ForEach-Object { "$($_.ExpandedPath): $(@($_.ErrorRecord | ForEach-Object { $_.Exception.Message }) -join '; ')" })
Write-Summary ([ordered]@{
    PesterVersion = $pester.Version.ToString()
    Total         = $result.TotalCount
    Passed        = $result.PassedCount
    Failed        = $result.FailedCount
    Skipped       = $result.SkippedCount
    NotRun        = $result.NotRunCount
    Errors        = $result.FailedContainersCount + $result.FailedBlocksCount
    Tests         = @($tests)
    ErrorMessages = @($errors)
})
exit 0

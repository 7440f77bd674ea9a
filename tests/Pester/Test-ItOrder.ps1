<#
.SYNOPSIS
    Proves that the It blocks of Pester files do not depend on the order they run in.
.DESCRIPTION
    -Mode Alone runs every It of each file on its own (Pester's line filter), each in a fresh pwsh: an It that needs
    what an earlier It made fails. -Mode Reverse and -Mode Shuffle run each file once with the It blocks of every
    Describe and Context put in reverse or in a seeded random order (a copy of the file beside it, removed after): an
    It that breaks what a later one needs fails that one. Prints one line per run and exits with the number of
    failed runs. Run against the shared lab like the suite itself (it does not start or stop the lab).
.EXAMPLE
    dotnet pwsh tests/Pester/Test-ItOrder.ps1 -Path tests/Pester/Roles.Tests.ps1 -Mode Alone,Reverse,Shuffle
#>
param(
    [Parameter(Mandatory)] [string[]] $Path,
    # Alone, Reverse, Shuffle (comma-separated from pwsh -File).
    [string[]] $Mode = @('Alone', 'Reverse'),
    [int] $Seed = (Get-Random -Maximum 100000),
    [string] $PesterPath = (Join-Path $(if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }) 'pester/6.2.0/tools/Pester.psd1'),
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PlatformOps/PlatformOps.psd1')
)
$ErrorActionPreference = 'Stop'
$Path = @($Path -split ',' | Where-Object { $_ })
$Mode = @($Mode -split ',' | Where-Object { $_ })
foreach ($m in $Mode) { if ($m -notin 'Alone', 'Reverse', 'Shuffle') { throw "Unknown mode '$m': use Alone, Reverse or Shuffle." } }
$ModulePath = (Resolve-Path $ModulePath).Path
$Pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })

# Runs Pester in a fresh pwsh on one file, optionally filtered to one line; returns passed, failed and the failures.
function Invoke-PesterChild([string] $File, [string] $Line) {
    $script = @'
param($PesterPath, $ModulePath, $File, $Line)
Import-Module $PesterPath
$env:PLATFORMOPS_MODULE = $ModulePath
$c = New-PesterConfiguration
$c.Run.Path = $File
$c.Run.PassThru = $true
$c.Output.Verbosity = 'None'
if ($Line) { $c.Filter.Line = "${File}:$Line" }
$r = Invoke-Pester -Configuration $c
$failed = @($r.Failed | ForEach-Object { $_.ExpandedPath + ': ' + ($_.ErrorRecord | Select-Object -First 1) }) + @($r.FailedBlocks | ForEach-Object { 'block ' + $_.Path -join '.' }) + @($r.FailedContainers | ForEach-Object { 'file ' + $_.Item })
[pscustomobject]@{ Passed = $r.PassedCount; Skipped = $r.SkippedCount; Failed = $r.FailedCount + $r.FailedBlocksCount + $r.FailedContainersCount; Failures = $failed } | ConvertTo-Json -Compress -Depth 3
'@
    $child = Join-Path ([IO.Path]::GetTempPath()) ("it-order-{0}.ps1" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
    Set-Content -Path $child -Value $script
    try { $out = & $Pwsh -NoProfile -NonInteractive -File $child $PesterPath $ModulePath $File $Line 2>&1 }
    finally { Remove-Item $child }
    $json = $out | Where-Object { "$_".StartsWith('{"Passed"') } | Select-Object -Last 1
    if (-not $json) { return [pscustomobject]@{ Passed = 0; Failed = 1; Failures = @("pester did not finish: $($out -join ' ')") } }
    $json | ConvertFrom-Json
}

# Every It statement of a file: its line, and the statement block it stands in.
function Get-ItStatement([string] $File) {
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($File, [ref]$null, [ref]$null)
    $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] -and $n.GetCommandName() -eq 'It' }, $true) |
        ForEach-Object { $_.Parent } | Where-Object { $_ -is [System.Management.Automation.Language.PipelineAst] }
}

# A copy of the file with the It statements of each block permuted ('Reverse' or a seeded shuffle).
function New-ReorderedCopy([string] $File, [string] $How, [int] $Seed) {
    $text = Get-Content $File -Raw
    $random = [Random]::new($Seed)
    $edits = foreach ($group in Get-ItStatement $File | Group-Object { $_.Parent.Extent.StartOffset }) {
        $its = @($group.Group | Sort-Object { $_.Extent.StartOffset })
        if ($its.Count -lt 2) { continue }
        $order = if ($How -eq 'Reverse') { @($its)[($its.Count - 1)..0] } else { @($its | Sort-Object { $random.Next() }) }
        for ($i = 0; $i -lt $its.Count; $i++) { [pscustomobject]@{ Start = $its[$i].Extent.StartOffset; End = $its[$i].Extent.EndOffset; Text = $order[$i].Extent.Text } }
    }
    foreach ($e in $edits | Sort-Object Start -Descending) { $text = $text.Substring(0, $e.Start) + $e.Text + $text.Substring($e.End) }
    $copy = Join-Path (Split-Path $File) ("{0}.{1}{2}.Tests.ps1" -f ((Split-Path $File -Leaf) -replace '\.Tests\.ps1$'), $How, $Seed)
    Set-Content -Path $copy -Value $text -NoNewline
    $copy
}

$failedRuns = 0
foreach ($file in $Path | ForEach-Object { (Resolve-Path $_).Path }) {
    $name = Split-Path $file -Leaf
    foreach ($m in $Mode) {
        $runs = switch ($m) {
            'Alone' { Get-ItStatement $file | ForEach-Object { @{ Label = "alone, line $($_.Extent.StartLineNumber)"; File = $file; Line = $_.Extent.StartLineNumber } } }
            default { @{ Label = "$($m.ToLowerInvariant()) (seed $Seed)"; File = (New-ReorderedCopy $file $m $Seed); Line = $null; Copy = $true } }
        }
        foreach ($run in $runs) {
            try { $r = Invoke-PesterChild $run.File $run.Line }
            finally { if ($run.Copy) { Remove-Item $run.File } }
            if ($r.Failed -gt 0 -or $r.Passed + $r.Skipped -eq 0) { $failedRuns++ }
            Write-Host ("{0} {1}: {2} passed, {3} failed, {4} skipped{5}" -f $name, $run.Label, $r.Passed, $r.Failed, $r.Skipped, $(if ($r.Failures) { "`n    " + ($r.Failures -join "`n    ") }))
        }
    }
}
exit $failedRuns

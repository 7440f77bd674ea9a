BeforeDiscovery {
    $script:ModulePath = $env:PLATFORMOPS_MODULE
}

BeforeAll {
    $script:ModulePath = $env:PLATFORMOPS_MODULE
    $script:ModuleDir = Split-Path $ModulePath
    $script:Manifest = Import-PowerShellDataFile $ModulePath
}

Describe 'The built module' {
    It 'holds only allow-listed files' {
        $files = Get-ChildItem $ModuleDir -Recurse -File | ForEach-Object { $_.FullName.Substring($ModuleDir.Length + 1) }
        $unexpected = $files | Where-Object { $_ -notmatch '\.(dll|psd1|ps1xml)$' -and $_ -notmatch '^en-US[\\/](about_.*\.help\.txt|PlatformOps\.dll-Help\.xml)$' -and $_ -notmatch '^Acceptance[\\/]' }
        $unexpected | Should -BeNullOrEmpty
        $files | Should -Not -Contain 'System.Management.Automation.dll'
        $files | Where-Object { $_ -match '\.(pdb|json)$' } | Should -BeNullOrEmpty
    }

    It 'lists its cmdlets explicitly, without wildcards' {
        $Manifest.CmdletsToExport | Should -Not -BeNullOrEmpty
        $Manifest.CmdletsToExport | Where-Object { $_ -match '\*' } | Should -BeNullOrEmpty
        $Manifest.FunctionsToExport | Should -BeNullOrEmpty
    }

    It 'imports in a fresh pwsh without warnings or errors and exports exactly the manifest''s cmdlets' {
        $pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
        $out = & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$ModulePath' -WarningVariable w -ErrorAction Stop; if (`$w) { 'WARN: ' + (`$w -join ';') }; (Get-Command -Module PlatformOps).Name -join ','" 2>&1
        $LASTEXITCODE | Should -Be 0
        $out | Where-Object { "$_" -like 'WARN:*' } | Should -BeNullOrEmpty
        ("$out" -split ',' | Sort-Object) | Should -Be ($Manifest.CmdletsToExport | Sort-Object)
    }

    It 'has the version of Directory.Build.props' {
        $props = [xml](Get-Content (Join-Path $PSScriptRoot '../../Directory.Build.props') -Raw)
        $Manifest.ModuleVersion | Should -Be ($props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1)
    }
}

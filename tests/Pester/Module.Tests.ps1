BeforeDiscovery {
    $script:ModulePath = $env:PLATFORMOPS_MODULE
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestKit.ps1')
    $script:ModulePath = $env:PLATFORMOPS_MODULE
    $script:ModuleDir = Split-Path $ModulePath
    $script:Manifest = Import-PowerShellDataFile $ModulePath
}

Describe 'The built module' {
    It 'holds only allow-listed files' {
        $files = Get-ChildItem $ModuleDir -Recurse -File | ForEach-Object { $_.FullName.Substring($ModuleDir.Length + 1) -replace '\\', '/' }
        $allowed = @(
            '^PlatformOps\.(psd1|psm1|LoadContext\.dll)$'           # manifest, root module, the loader (default context)
            '^Invoke-PlatformTestRunner\.ps1$'                       # the script Invoke-PlatformTest runs in a child pwsh
            '^PlatformOps\.[A-Za-z]+\.format\.ps1xml$'
            '^bin/[A-Za-z0-9.]+\.dll$'                               # PlatformOps.dll and its dependencies (private context)
            '^bin/en-US/PlatformOps\.dll-Help\.xml$'                 # MAML beside the assembly PowerShell imports
            '^en-US/about_.*\.help\.txt$'
            '^Acceptance/'
            '^runbooks/[a-z-]+\.md$'
        ) -join '|'
        $files | Where-Object { $_ -notmatch $allowed } | Should -BeNullOrEmpty
        $files | Where-Object { $_ -match '(^|/)System\.Management\.Automation\.dll$' } | Should -BeNullOrEmpty
        $files | Where-Object { $_ -match '\.(pdb|json)$' } | Should -BeNullOrEmpty
    }

    It 'keeps every assembly but the loader out of the module root, and has the psm1 as its root module' {
        $Manifest.RootModule | Should -Be 'PlatformOps.psm1'
        @(Get-ChildItem $ModuleDir -Filter *.dll | ForEach-Object Name) | Should -Be @('PlatformOps.LoadContext.dll')
        foreach ($n in 'PlatformOps.dll', 'Npgsql.dll', 'StackExchange.Redis.dll', 'Docker.DotNet.dll') { Join-Path $ModuleDir "bin/$n" | Should -Exist }
        # The loader is for .NET 8+ only (PowerShell 7.4+); PlatformOps.dll stays netstandard2.0 for Windows PowerShell.
        $target = { param($path)
            $bytes = [System.IO.File]::ReadAllBytes($path)
            $m = [regex]::Match([System.Text.Encoding]::ASCII.GetString($bytes), '\.NET(Standard|CoreApp),Version=v[0-9.]+')
            $m.Value }
        & $target (Join-Path $ModuleDir 'PlatformOps.LoadContext.dll') | Should -Be '.NETCoreApp,Version=v8.0'
        & $target (Join-Path $ModuleDir 'bin/PlatformOps.dll') | Should -Be '.NETStandard,Version=v2.0'
    }

    It 'lists its cmdlets explicitly, without wildcards' {
        $Manifest.CmdletsToExport | Should -Not -BeNullOrEmpty
        $Manifest.CmdletsToExport | Where-Object { $_ -match '\*' } | Should -BeNullOrEmpty
        $Manifest.FunctionsToExport | Should -BeNullOrEmpty
    }

    It 'imports in a fresh pwsh without warnings or errors and exports exactly the manifest''s cmdlets' {
        $r = Invoke-Pwsh -NoModule "Import-Module '$ModulePath' -WarningVariable w -ErrorAction Stop; if (`$w) { 'WARN: ' + (`$w -join ';') }; (Get-Command -Module PlatformOps).Name -join ','"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.StdErr | Should -BeNullOrEmpty
        $r.Lines | Where-Object { $_ -like 'WARN:*' } | Should -BeNullOrEmpty
        ("$($r.Lines)" -split ',' | Sort-Object) | Should -Be ($Manifest.CmdletsToExport | Sort-Object)
    }

    It 'has the version of Directory.Build.props' {
        $props = [xml](Get-Content (Join-Path $PSScriptRoot '../../Directory.Build.props') -Raw)
        $Manifest.ModuleVersion | Should -Be ($props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1)
    }
}

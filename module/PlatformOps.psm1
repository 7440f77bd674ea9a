# PlatformOps root module. The cmdlets live in bin/PlatformOps.dll (netstandard2.0), beside their dependencies.
#
# PowerShell 7.4+: PlatformOps.LoadContext.dll (net8.0, the only assembly of ours in the default load context) loads
# bin/PlatformOps.dll and its dependencies into a private AssemblyLoadContext, so another module's Npgsql,
# StackExchange.Redis or Docker.DotNet, loaded before or after this one, never clashes with ours. Framework
# assemblies (System.*, System.Management.Automation, ...) still come from the host.
# Windows PowerShell 5.1, and PowerShell 7 before 7.4 (its .NET cannot run the loader), import bin/PlatformOps.dll
# directly, as 0.1.0 did.
$moduleAssemblyPath = [System.IO.Path]::Combine($PSScriptRoot, 'bin', 'PlatformOps.dll')
$useLoadContext = $PSVersionTable.PSEdition -eq 'Core' -and $PSVersionTable.PSVersion -ge [version]'7.4'
$reimport = $false
if ($useLoadContext) {
    if (-not ('PlatformOps.LoadContext.ModuleLoadContext' -as [type])) {
        $null = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'PlatformOps.LoadContext.dll'))
    }
    $reimport = $null -ne [PlatformOps.LoadContext.ModuleLoadContext]::Instance
    $moduleAssembly = [PlatformOps.LoadContext.ModuleLoadContext]::Initialize($moduleAssemblyPath)
}

# Import-Module -Force runs this file again while the previous import's binary module is still in the session's
# module table; Import-Module -Assembly would then reuse it and import no cmdlet. Drop it first.
if ($reimport -or -not $useLoadContext) {
    Get-Module -All | Where-Object { $_.ModuleType -eq 'Binary' -and $_.Path -eq $moduleAssemblyPath } | Remove-Module -Force
}

if ($useLoadContext) { Import-Module -Assembly $moduleAssembly }
else { Import-Module -Name $moduleAssemblyPath }

# PlatformOps root module. The cmdlets live in bin/PlatformOps.dll (netstandard2.0), beside their dependencies.
#
# PowerShell 7.4+ (.NET 8+): PlatformOps.LoadContext.dll, the only assembly of ours in the default load context,
# loads bin/PlatformOps.dll and its dependencies into a private AssemblyLoadContext, so another module's Npgsql,
# StackExchange.Redis or Docker.DotNet, loaded before or after this one, never clashes with ours. Framework
# assemblies (System.*, System.Management.Automation, ...) still come from the host.
# Windows PowerShell 5.1, and PowerShell 7 before 7.4 (whose .NET cannot run the loader), import bin/PlatformOps.dll
# directly, as 0.1.0 did. Kept small: this file runs on every import.
$moduleAssemblyPath = [System.IO.Path]::Combine($PSScriptRoot, 'bin', 'PlatformOps.dll')
if ($IsCoreCLR -and [System.Environment]::Version.Major -ge 8) {
    $loader = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'PlatformOps.LoadContext.dll'))
    $context = $loader.GetType('PlatformOps.LoadContext.ModuleLoadContext')
    if ($null -ne $context::Instance) {
        # Import-Module -Force runs this file again while the previous import's binary module is still in the
        # session's module table; Import-Module -Assembly would then reuse it and import no cmdlet. Drop it first.
        Get-Module -All | Where-Object { $_.ModuleType -eq 'Binary' -and $_.Path -eq $moduleAssemblyPath } | Remove-Module -Force
    }
    Import-Module -Assembly $context::Initialize($moduleAssemblyPath)
}
else {
    Get-Module -All | Where-Object { $_.ModuleType -eq 'Binary' -and $_.Path -eq $moduleAssemblyPath } | Remove-Module -Force
    Import-Module -Name $moduleAssemblyPath
}

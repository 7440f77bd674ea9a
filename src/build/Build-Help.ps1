<#
.SYNOPSIS
    Checks the built module's manifest against its assembly and compiles docs/*.md into MAML help.
.DESCRIPTION
    Runs in a child pwsh (build.ps1 starts it) so the build process never loads the DLL. Each docs/<Cmdlet>.md
    page gives the prose (synopsis, description, examples, parameter descriptions, outputs, notes); the cmdlet's own
    metadata gives what prose must not restate (parameter sets, types, positions, pipeline input, wildcards).
    Parameters inherited from the base cmdlets take their text from docs/_shared-parameters.md unless a page says more.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$manifestPath = Join-Path $ModulePath 'PlatformOps.psd1'
$manifest = Import-PowerShellDataFile $manifestPath
foreach ($file in 'PlatformOps.psm1', 'PlatformOps.LoadContext.dll', 'bin/PlatformOps.dll') {
    if (-not (Test-Path (Join-Path $ModulePath $file))) { throw "The built module lacks $file." }
}
if ($manifest.RootModule -ne 'PlatformOps.psm1') { throw "PlatformOps.psd1 RootModule is '$($manifest.RootModule)'; it must be PlatformOps.psm1 (the loader)." }

# Import the module as users do: PlatformOps.dll lands in the module's private load context, and the assembly whose
# cmdlets are checked and documented is that one (the loader hands back the same instance).
Import-Module $manifestPath -Force
$assembly = [PlatformOps.LoadContext.ModuleLoadContext]::Initialize((Join-Path $ModulePath 'bin/PlatformOps.dll'))
$alc = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly)
if ($alc -eq [System.Runtime.Loader.AssemblyLoadContext]::Default) { throw 'PlatformOps.dll was loaded into the default load context; the loader must put it in its own.' }
$cmdletTypes = $assembly.GetExportedTypes() | Where-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) }
$names = $cmdletTypes | ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; "$($a.VerbName)-$($a.NounName)" } | Sort-Object
$listed = @($manifest.CmdletsToExport) | Sort-Object
$diff = Compare-Object $names $listed
if ($diff) {
    $missing = ($diff | Where-Object SideIndicator -EQ '<=').InputObject
    $extra = ($diff | Where-Object SideIndicator -EQ '=>').InputObject
    throw "PlatformOps.psd1 CmdletsToExport disagrees with the assembly. Not listed: $($missing -join ', '). Listed but absent: $($extra -join ', ')."
}
$formats = @(Get-ChildItem $ModulePath -Filter *.format.ps1xml | ForEach-Object Name) | Sort-Object
$diff = Compare-Object $formats (@($manifest.FormatsToProcess) | Sort-Object)
if ($diff) { throw "PlatformOps.psd1 FormatsToProcess disagrees with module/*.format.ps1xml: $(($diff | ForEach-Object { "$($_.InputObject) $($_.SideIndicator)" }) -join ', ')" }

function Read-HelpPage([string] $Path) {
    $page = [ordered]@{ Sections = [ordered]@{}; Subsections = [ordered]@{} }
    $section = $null; $sub = $null; $inFence = $false
    foreach ($line in Get-Content $Path) {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^## (.+)$') { $section = $Matches[1].Trim().ToUpperInvariant(); $sub = $null; $page.Sections[$section] = [System.Collections.Generic.List[string]]::new(); $page.Subsections[$section] = [ordered]@{}; continue }
        if (-not $inFence -and $section -and $line -match '^### (.+)$') { $sub = $Matches[1].Trim(); $page.Subsections[$section][$sub] = [System.Collections.Generic.List[string]]::new(); continue }
        if (-not $section) { continue }
        if ($sub) { $page.Subsections[$section][$sub].Add($line) } else { $page.Sections[$section].Add($line) }
    }
    $page
}

function Split-Paragraphs($Lines) {
    $text = (@($Lines) | Where-Object { $_ -notmatch '^```' }) -join "`n"
    @($text -split "`n\s*`n" | ForEach-Object { ($_ -replace '\s*\n\s*', ' ').Trim() } | Where-Object { $_ })
}

function Split-Example($Lines) {
    $code = [System.Collections.Generic.List[string]]::new(); $remarks = [System.Collections.Generic.List[string]]::new()
    $inFence = $false; $seenFence = $false
    foreach ($l in $Lines) {
        if ($l -match '^```') { $inFence = -not $inFence; $seenFence = $true; continue }
        if ($inFence) { $code.Add($l) } elseif ($seenFence) { $remarks.Add($l) }
    }
    @{ Code = ($code -join "`n").Trim(); Remarks = Split-Paragraphs $remarks }
}

$shared = Read-HelpPage (Join-Path $DocsPath '_shared-parameters.md')
$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
$problems = [System.Collections.Generic.List[string]]::new()

$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
# The MAML sits beside the assembly PowerShell imports (bin/), in its culture folder, where Get-Help looks first.
$helpFile = Join-Path $ModulePath 'bin/en-US/PlatformOps.dll-Help.xml'
$w = [System.Xml.XmlWriter]::Create($helpFile, $settings)
$maml = 'http://schemas.microsoft.com/maml/2004/10'; $cmdNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; $dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
function Paras([string[]] $Paragraphs) { foreach ($p in $Paragraphs) { $w.WriteElementString('para', $maml, $p) } }

$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh'); $w.WriteAttributeString('schema', 'maml')
foreach ($type in $cmdletTypes | Sort-Object Name) {
    $attr = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
    $name = "$($attr.VerbName)-$($attr.NounName)"
    $cmd = Get-Command $name -Module PlatformOps
    $docPath = Join-Path $DocsPath "$name.md"
    if (-not (Test-Path $docPath)) { $problems.Add("$name has no docs page ($docPath)"); continue }
    $page = Read-HelpPage $docPath
    $section = { param($n) if ($page.Sections.Contains($n)) { $page.Sections[$n] } else { @() } }
    $subs = { param($n) if ($page.Subsections.Contains($n)) { $page.Subsections[$n] } else { [ordered]@{} } }

    $w.WriteStartElement('command', 'command', $cmdNs)
    $w.WriteAttributeString('xmlns', 'maml', $null, $maml); $w.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $w.WriteStartElement('details', $cmdNs)
    $w.WriteElementString('name', $cmdNs, $name); $w.WriteElementString('verb', $cmdNs, $attr.VerbName); $w.WriteElementString('noun', $cmdNs, $attr.NounName)
    $w.WriteStartElement('description', $maml); Paras (Split-Paragraphs (& $section 'SYNOPSIS')); $w.WriteEndElement()
    $w.WriteEndElement()
    $w.WriteStartElement('description', $maml); Paras (Split-Paragraphs (& $section 'DESCRIPTION')); $w.WriteEndElement()

    $paramDocs = & $subs 'PARAMETERS'
    $describe = {
        param($p)
        $key = "-$($p.Name)"
        if ($paramDocs.Contains($key)) { return Split-Paragraphs $paramDocs[$key] }
        if ($p.Name -in 'WhatIf', 'Confirm') { return @(if ($p.Name -eq 'WhatIf') { 'Shows what would happen if the cmdlet runs. Nothing is changed.' } else { 'Prompts you for confirmation before running the cmdlet.' }) }
        $declaring = $type.GetProperty($p.Name).DeclaringType.Name
        $sharedKey = "$declaring -$($p.Name)"
        $sharedSubs = $shared.Subsections['PARAMETERS']
        if ($sharedSubs -and $sharedSubs.Contains($sharedKey)) { return Split-Paragraphs $sharedSubs[$sharedKey] }
        $problems.Add("$name -$($p.Name) has no description")
        @()
    }
    $pipelineText = { param($p) $by = @(); if ($p.ValueFromPipeline) { $by += 'ByValue' }; if ($p.ValueFromPipelineByPropertyName) { $by += 'ByPropertyName' }; if ($by) { "True ($($by -join ', '))" } else { 'False' } }
    $typeName = { param($t) if ($t.IsGenericType -and $t.GetGenericTypeDefinition() -eq [Nullable`1]) { $t.GetGenericArguments()[0].Name } else { $t.Name } }
    $wildcards = { param($p) $prop = $type.GetProperty($p.Name); [bool]($prop -and $prop.GetCustomAttributes([System.Management.Automation.SupportsWildcardsAttribute], $true)) }

    $w.WriteStartElement('syntax', $cmdNs)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('syntaxItem', $cmdNs); $w.WriteElementString('name', $maml, $name)
        foreach ($p in $set.Parameters | Where-Object { $_.Name -notin $common -or $_.Name -in 'WhatIf', 'Confirm' }) {
            $w.WriteStartElement('parameter', $cmdNs)
            $w.WriteAttributeString('required', $p.IsMandatory.ToString().ToLowerInvariant())
            $w.WriteAttributeString('position', $(if ($p.Position -ge 0) { [string]($p.Position + 1) } else { 'named' }))
            $w.WriteAttributeString('pipelineInput', (& $pipelineText $p))
            $w.WriteAttributeString('globbing', (& $wildcards $p).ToString().ToLowerInvariant())
            $w.WriteElementString('name', $maml, $p.Name)
            if ($p.ParameterType -ne [System.Management.Automation.SwitchParameter]) { $w.WriteElementString('parameterValue', $cmdNs, (& $typeName $p.ParameterType)) }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('parameters', $cmdNs)
    foreach ($p in $cmd.Parameters.Values | Where-Object { $_.Name -notin $common -or $_.Name -in 'WhatIf', 'Confirm' } | Sort-Object Name) {
        $sets = $p.ParameterSets.Values
        $mandatory = [bool]($sets | Where-Object IsMandatory)
        $position = ($sets | Where-Object { $_.Position -ge 0 } | Select-Object -First 1)
        $w.WriteStartElement('parameter', $cmdNs)
        $w.WriteAttributeString('required', $mandatory.ToString().ToLowerInvariant())
        $w.WriteAttributeString('position', $(if ($position) { [string]($position.Position + 1) } else { 'named' }))
        $w.WriteAttributeString('pipelineInput', (& $pipelineText ([pscustomobject]@{ ValueFromPipeline = [bool]($sets | Where-Object ValueFromPipeline); ValueFromPipelineByPropertyName = [bool]($sets | Where-Object ValueFromPipelineByPropertyName) })))
        $w.WriteAttributeString('globbing', (& $wildcards $p).ToString().ToLowerInvariant())
        $w.WriteAttributeString('aliases', $(if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }))
        $w.WriteElementString('name', $maml, $p.Name)
        $w.WriteStartElement('description', $maml); Paras (& $describe $p); $w.WriteEndElement()
        $w.WriteElementString('parameterValue', $cmdNs, (& $typeName $p.ParameterType))
        $w.WriteStartElement('type', $dev); $w.WriteElementString('name', $maml, (& $typeName $p.ParameterType)); $w.WriteEndElement()
        $w.WriteElementString('defaultValue', $dev, 'None')
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    foreach ($kind in @(@{ Section = 'INPUTS'; Outer = 'inputTypes'; Inner = 'inputType' }, @{ Section = 'OUTPUTS'; Outer = 'returnValues'; Inner = 'returnValue' })) {
        $entries = & $subs $kind.Section
        if ($kind.Section -eq 'OUTPUTS' -and $entries.Count -eq 0) { $problems.Add("$name has no OUTPUTS type") }
        $w.WriteStartElement($kind.Outer, $cmdNs)
        foreach ($entry in $entries.Keys) {
            $w.WriteStartElement($kind.Inner, $cmdNs)
            $w.WriteStartElement('type', $dev); $w.WriteElementString('name', $maml, $entry); $w.WriteEndElement()
            $w.WriteStartElement('description', $maml); Paras (Split-Paragraphs $entries[$entry]); $w.WriteEndElement()
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    $notes = Split-Paragraphs (& $section 'NOTES')
    if ($notes) { $w.WriteStartElement('alertSet', $maml); $w.WriteStartElement('alert', $maml); Paras $notes; $w.WriteEndElement(); $w.WriteEndElement() }

    $examples = & $subs 'EXAMPLES'
    if ($examples.Count -lt 2) { $problems.Add("$name has $($examples.Count) example(s); at least two are needed") }
    $w.WriteStartElement('examples', $cmdNs)
    foreach ($title in $examples.Keys) {
        $ex = Split-Example $examples[$title]
        $w.WriteStartElement('example', $cmdNs)
        $w.WriteElementString('title', $maml, "-------------------------- $title --------------------------")
        $w.WriteElementString('code', $dev, $ex.Code)
        $w.WriteStartElement('remarks', $dev); Paras $ex.Remarks; $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $links = @(& $section 'RELATED LINKS') | Where-Object { $_ -match '^\s*-\s*(.+)$' } | ForEach-Object { $Matches[1].Trim() }
    $w.WriteStartElement('relatedLinks', $maml)
    foreach ($l in $links) { $w.WriteStartElement('navigationLink', $maml); $w.WriteElementString('linkText', $maml, $l); $w.WriteElementString('uri', $maml, ''); $w.WriteEndElement() }
    $w.WriteEndElement()
    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Dispose()

foreach ($p in $problems) { Write-Warning "Help: $p" }
Write-Host "Help: $helpFile ($(@($cmdletTypes).Count) cmdlets, $($problems.Count) problem(s))"

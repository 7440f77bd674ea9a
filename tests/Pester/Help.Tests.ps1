# Every cmdlet ships help: synopsis, description, every parameter described, two examples, an output type.
BeforeDiscovery {
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $script:Commands = Get-Command -Module PlatformOps -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    Import-Module $env:PLATFORMOPS_MODULE -Force
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'Help for <Name>' -ForEach $Commands {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
        $script:Command = Get-Command $Name
    }

    It 'has a synopsis that is not the syntax' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -Match "^$Name\s*\["
    }

    It 'has a description' {
        ($Help.description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples with code and remarks' {
        @($Help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($e in $Help.examples.example) {
            $e.code | Should -Not -BeNullOrEmpty
            ($e.remarks.Text -join '') | Should -Not -BeNullOrEmpty
        }
    }

    It 'describes every parameter' {
        $params = $Command.Parameters.Keys | Where-Object { $_ -notin $Common }
        foreach ($p in $params) {
            $ph = $Help.parameters.parameter | Where-Object name -EQ $p
            $ph | Should -Not -BeNullOrEmpty -Because "-$p must be in the help"
            ($ph.description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$p must be described"
        }
    }

    It 'names an output type that the cmdlet declares' {
        $declared = $Command.OutputType.Name
        $documented = @($Help.returnValues.returnValue.type.name)
        $documented | Should -Not -BeNullOrEmpty
        foreach ($d in $documented) { $declared | Should -Contain $d }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using System.Reflection;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Readiness
{
    /// <summary>
    /// The PowerShell that ships in the module (Invoke-PlatformTest's runner script, the root module, the acceptance
    /// suite) is parsed with PowerShell's own parser and held to a few rules (PSScriptAnalyzer is not in this machine's
    /// feeds): it parses without errors; commands are called by their full names, never by an alias; no Write-Host
    /// (output goes to streams a caller can redirect); no Invoke-Expression; no empty catch block; functions use
    /// approved verbs.
    /// </summary>
    public sealed class ShippedScriptLintTests
    {
        private static string ModuleSource => Path.Combine(Lab.RepositoryRoot, "module");

        public static IEnumerable<object[]> ShippedScripts()
            => Directory.EnumerateFiles(Path.Combine(Lab.RepositoryRoot, "module"), "*.ps*1", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".psm1", StringComparison.OrdinalIgnoreCase))
                .Select(f => new object[] { Path.GetRelativePath(Path.Combine(Lab.RepositoryRoot, "module"), f).Replace('\\', '/') })
                .OrderBy(f => (string)f[0], StringComparer.Ordinal);

        [Fact]
        public void The_runner_script_ships_in_the_module_and_beside_the_dll_and_is_the_one_the_runner_finds()
        {
            var source = Path.Combine(ModuleSource, PlatformOps.Readiness.PlatformTestRunner.RunnerScriptName);
            Assert.True(File.Exists(source), source);
            Assert.Contains(ShippedScripts(), s => (string)s[0] == PlatformOps.Readiness.PlatformTestRunner.RunnerScriptName);
            var found = PlatformOps.Readiness.PlatformTestRunner.RunnerScriptPath();
            Assert.Equal(File.ReadAllText(source), File.ReadAllText(found));
            Assert.Contains("Invoke-Pester -Configuration $config", File.ReadAllText(found));
        }

        [Theory]
        [MemberData(nameof(ShippedScripts))]
        public void A_shipped_script_parses_and_keeps_the_house_rules(string relativePath)
        {
            var path = Path.Combine(ModuleSource, relativePath);
            var ast = Parser.ParseFile(path, out _, out var errors);
            var problems = errors.Select(e => $"{relativePath}:{e.Extent.StartLineNumber}: parse error: {e.Message}").Concat(Lint(ast, relativePath)).ToList();
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }

        [Fact]
        public void The_rules_find_each_kind_of_problem_in_a_planted_script()
        {
            const string bad = @"
function Do-Thing { gci . | % { $_.Name } }
try { Write-Host 'hello' } catch { }
Invoke-Expression 'Get-Date'
$x = (1 +
";
            var ast = Parser.ParseInput(bad, "planted.ps1", out _, out var errors);
            Assert.NotEmpty(errors);
            var problems = Lint(ast, "planted.ps1");
            Assert.Contains(problems, p => p.Contains("alias 'gci'", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("alias '%'", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("Write-Host", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("Invoke-Expression", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("empty catch", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("verb 'Do'", StringComparison.Ordinal));

            const string good = "function Get-Thing { Get-ChildItem . | ForEach-Object { $_.Name } }\ntry { Write-Output 'hello' } catch { Write-Error $_ }\n";
            Assert.Empty(Lint(Parser.ParseInput(good, "good.ps1", out _, out var none), "good.ps1"));
            Assert.Empty(none);
        }

        /// <summary>Aliases of a default session, and the Windows ones PowerShell on Linux leaves out (a script must run on both).</summary>
        private static readonly Lazy<HashSet<string>> Aliases = new Lazy<HashSet<string>>(() =>
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var alias in InitialSessionState.CreateDefault2().Commands.OfType<SessionStateAliasEntry>()) names.Add(alias.Name);
            foreach (var windowsOnly in new[] { "ac", "cat", "clear", "compare", "cp", "cpp", "diff", "kill", "lp", "ls", "man", "mount", "mv", "ps", "rm", "rmdir", "sleep", "sort", "start", "tee", "write" })
                names.Add(windowsOnly);
            return names;
        });

        private static readonly Lazy<HashSet<string>> ApprovedVerbs = new Lazy<HashSet<string>>(() =>
            new HashSet<string>(new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity) }
                .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
                .Select(f => (string)f.GetValue(null)!), StringComparer.OrdinalIgnoreCase));

        private static List<string> Lint(Ast ast, string name)
        {
            var problems = new List<string>();
            string At(Ast a) => $"{name}:{a.Extent.StartLineNumber}";
            foreach (var command in ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>())
            {
                var commandName = command.GetCommandName();
                if (commandName == null) continue;
                if (Aliases.Value.Contains(commandName)) problems.Add($"{At(command)}: alias '{commandName}': call the command by its full name");
                if (string.Equals(commandName, "Write-Host", StringComparison.OrdinalIgnoreCase))
                    problems.Add($"{At(command)}: Write-Host: write to the output, verbose or information stream instead");
                if (string.Equals(commandName, "Invoke-Expression", StringComparison.OrdinalIgnoreCase))
                    problems.Add($"{At(command)}: Invoke-Expression: call the command, or a script block");
            }
            foreach (var handler in ast.FindAll(a => a is CatchClauseAst, searchNestedScriptBlocks: true).Cast<CatchClauseAst>())
                if (handler.Body.Statements.Count == 0) problems.Add($"{At(handler)}: empty catch block: handle, report or rethrow the error");
            foreach (var function in ast.FindAll(a => a is FunctionDefinitionAst, searchNestedScriptBlocks: true).Cast<FunctionDefinitionAst>())
            {
                var dash = function.Name.IndexOf('-');
                if (dash > 0 && !ApprovedVerbs.Value.Contains(function.Name.Substring(0, dash)))
                    problems.Add($"{At(function)}: function {function.Name}: verb '{function.Name.Substring(0, dash)}' is not approved (Get-Verb)");
            }
            return problems;
        }
    }
}

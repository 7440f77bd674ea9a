using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Readiness
{
    /// <summary>The XML formats Invoke-PlatformTest writes for CI.</summary>
    public enum PlatformTestOutputFormat
    {
        NUnitXml,
        NUnit3,
        JUnitXml,
    }

    /// <summary>How much Pester prints while the tests run.</summary>
    public enum PlatformTestVerbosity
    {
        None,
        Normal,
        Detailed,
        Diagnostic,
    }

    /// <summary>
    /// Runs the platform's acceptance suite (Pester tests shipped inside the module that check the live platform
    /// through the profile) and the user's own tests, in a child pwsh; writes NUnit or JUnit XML; returns the result.
    /// </summary>
    /// <remarks>
    /// SupportsShouldProcess because it runs test files (which may do anything the platform's own tests do), writes
    /// -OutputFile and records the result for Test-PlatformReadiness. ConfirmImpact is Medium: it replaces only the
    /// file you name and its own record. -WhatIf runs nothing and writes nothing.
    /// </remarks>
    [Cmdlet(VerbsLifecycle.Invoke, "PlatformTest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PlatformTestResult))]
    public sealed class InvokePlatformTestCommand : PlatformCmdlet
    {
        private static readonly string[] HostTags = { "PSHOST" };

        /// <summary>Your own Pester test files or folders, run after the acceptance suite (added to the profile's Readiness.TestPaths).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>Run only your own tests, not the acceptance suite shipped in the module.</summary>
        [Parameter]
        public SwitchParameter ExcludeAcceptance { get; set; }

        /// <summary>Write the results as XML to this file, for CI.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutputFile { get; set; }

        /// <summary>The XML format of -OutputFile: NUnitXml (default), NUnit3 or JUnitXml.</summary>
        [Parameter]
        public PlatformTestOutputFormat OutputFormat { get; set; } = PlatformTestOutputFormat.NUnitXml;

        /// <summary>How much Pester prints: None, Normal (failures and the summary; default), Detailed, Diagnostic.</summary>
        [Parameter]
        public PlatformTestVerbosity Output { get; set; } = PlatformTestVerbosity.Normal;

        /// <summary>Run only tests with these Pester tags.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Tag { get; set; }

        /// <summary>Leave out tests with these Pester tags.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? ExcludeTag { get; set; }

        /// <summary>Seconds the whole run may take.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 900;

        /// <summary>Stop with a terminating error when a test fails (for CI and runbooks), after writing the result.</summary>
        [Parameter]
        public SwitchParameter Assert { get; set; }

        protected override void EndProcessing()
        {
            PlatformProfile? profile = null;
            try { profile = EffectiveProfile; }
            catch (PlatformOpsException ex) { Fail(ex); }
            if (profile == null && !ExcludeAcceptance)
                Fail("PlatformProfileNotLoaded", ErrorCategory.ObjectNotFound, null,
                    "The acceptance suite checks a platform through its profile, and none is loaded. Run Import-PlatformProfile -Path <file>, pass -Profile, or use -ExcludeAcceptance with -Path to run only your own tests.");

            var request = new PlatformTestRequest
            {
                Platform = profile?.Name ?? "platform",
                OutputFormat = OutputFormat.ToString(),
                Verbosity = Output.ToString(),
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
            };
            foreach (var t in Tag ?? Array.Empty<string>()) request.Tag.Add(t);
            foreach (var t in ExcludeTag ?? Array.Empty<string>()) request.ExcludeTag.Add(t);
            request.PwshPath = PlatformTestRunner.FindPwsh(SessionState.PSVariable.GetValue("PSHOME") as string)
                ?? FailWith<string>("PwshNotFound", ErrorCategory.ObjectNotFound, "pwsh",
                    "Invoke-PlatformTest runs the tests in a child PowerShell and found no pwsh: not this process, not in $PSHOME, not on PATH. Install PowerShell 7, or set $env:PLATFORMOPS_PWSH to its path.");
            request.ModulePath = ModulePath();
            request.PesterPath = LoadedPester();

            // Everything below writes (a temporary profile, the output folder and file, the record): ask first.
            if (!ExcludeAcceptance && !Directory.Exists(AcceptanceFolder()))
                Fail("PlatformAcceptanceSuiteMissing", ErrorCategory.ObjectNotFound, AcceptanceFolder(),
                    $"The acceptance suite is missing from the module ({AcceptanceFolder()}). Reinstall PlatformOps, or use -ExcludeAcceptance with -Path.");
            var planned = (ExcludeAcceptance ? new List<string>() : new List<string> { "the acceptance suite" })
                .Concat((profile?.Readiness?.TestPaths ?? new List<string>()).Concat((Path ?? Array.Empty<string>()).Select(GetUnresolvedProviderPathFromPSPath)))
                .ToList();
            var output = OutputFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutputFile);
            if (!ShouldProcess(output ?? request.Platform,
                    $"Run {string.Join(", ", planned)} in a child pwsh"
                    + (output != null ? $", write the {OutputFormat} results to '{output}'" : string.Empty)
                    + (profile != null && !ExcludeAcceptance ? " and record the result for Test-PlatformReadiness" : string.Empty)))
                return;

            var temporaryProfile = (string?)null;
            if (profile != null)
            {
                if (profile.Path != null && File.Exists(profile.Path)) request.ProfilePath = profile.Path;
                else
                {
                    temporaryProfile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"platformops-profile-{Guid.NewGuid():N}.json");
                    AtomicFile.WriteAllText(temporaryProfile, JsonSerializer.Serialize(profile, PlatformProfile.JsonOptions));
                    request.ProfilePath = temporaryProfile;
                }
            }
            if (!ExcludeAcceptance)
            {
                var acceptance = AcceptanceFolder();
                if (!Directory.Exists(acceptance))
                    Fail("PlatformAcceptanceSuiteMissing", ErrorCategory.ObjectNotFound, acceptance,
                        $"The acceptance suite is missing from the module ({acceptance}). Reinstall PlatformOps, or use -ExcludeAcceptance with -Path.");
                request.AcceptancePaths.Add(acceptance);
            }
            foreach (var p in (profile?.Readiness?.TestPaths ?? new List<string>()).Concat((Path ?? Array.Empty<string>()).Select(GetUnresolvedProviderPathFromPSPath)))
            {
                if (!File.Exists(p) && !Directory.Exists(p))
                {
                    Report("PlatformTestPathNotFound", ErrorCategory.ObjectNotFound, p, $"The test path '{p}' does not exist; it is left out.");
                    continue;
                }
                if (!request.UserPaths.Contains(p)) request.UserPaths.Add(p);
            }
            if (request.AcceptancePaths.Count == 0 && request.UserPaths.Count == 0)
                Fail("PlatformTestNothingToRun", ErrorCategory.InvalidArgument, null, "There is no test to run: give -Path, or leave out -ExcludeAcceptance.");
            if (OutputFile != null)
            {
                request.OutputPath = GetUnresolvedProviderPathFromPSPath(OutputFile);
                var folder = System.IO.Path.GetDirectoryName(request.OutputPath);
                if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            }

            WriteVerbose($"Running {string.Join(", ", request.AcceptancePaths.Concat(request.UserPaths))} in {request.PwshPath}" + (request.PesterPath == null ? "." : $" with Pester from {request.PesterPath}."));
            PlatformTestResult result;
            try
            {
                result = RunStreaming(request);
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
                return;
            }
            finally
            {
                if (temporaryProfile != null) try { File.Delete(temporaryProfile); } catch (IOException) { }
            }
            if (profile != null && !ExcludeAcceptance)
            {
                try { PlatformTestRecord.From(result).Save(ReadinessPlan.StateDirectoryOf(profile)); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    WriteWarning($"The result could not be recorded for Test-PlatformReadiness: {ex.Message}");
                }
            }
            WriteObject(result);
            if (Assert && result.Result != "Passed")
                Fail("PlatformTestFailed", ErrorCategory.InvalidResult, result,
                    $"The platform tests failed: {result.Failed} failed, {result.Errors} could not run, {result.Passed} passed."
                    + (result.OutputPath == null ? string.Empty : $" See {result.OutputPath}."));
        }

        /// <summary>Runs the child on the thread pool and writes its lines to the host from the pipeline thread as they come.</summary>
        private PlatformTestResult RunStreaming(PlatformTestRequest request)
        {
            using var lines = new BlockingCollection<string>();
            var task = Task.Run(async () =>
            {
                try { return await PlatformTestRunner.RunAsync(request, l => lines.Add(l), CancellationToken).ConfigureAwait(false); }
                finally { lines.CompleteAdding(); }
            });
            try
            {
                foreach (var line in lines.GetConsumingEnumerable(CancellationToken))
                    if (Output != PlatformTestVerbosity.None) WriteInformation(new HostInformationMessage { Message = line }, HostTags);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            return Await(_ => task);
        }

        private T FailWith<T>(string id, ErrorCategory category, object target, string message)
        {
            Fail(id, category, target, message);
            return default!;
        }

        private static string AcceptanceFolder() => System.IO.Path.Combine(ModuleLayout.Root, "Acceptance");

        /// <summary>The module to import in the child: the module's manifest, else the DLL.</summary>
        private static string ModulePath() => ModuleLayout.ImportPath;

        /// <summary>A Pester 5+ already imported in this session: the child uses the same one.</summary>
        private string? LoadedPester()
        {
            var modules = InvokeCommand.InvokeScript("Get-Module -Name Pester");
            return modules.Select(m => m.BaseObject).OfType<PSModuleInfo>()
                .Where(m => m.Version >= new Version(5, 0))
                .OrderByDescending(m => m.Version)
                .Select(m => m.Path.EndsWith(".psm1", StringComparison.OrdinalIgnoreCase)
                    ? System.IO.Path.Combine(m.ModuleBase, "Pester.psd1") : m.Path)
                .FirstOrDefault(File.Exists);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Xunit;

namespace PlatformOps.Tests.Infrastructure
{
    /// <summary>
    /// One runspace for the whole test run (the first one costs seconds to open), with the module imported from the
    /// assembly the test project builds. Tests run one at a time (xunit.runner.json), so sharing it is safe.
    /// </summary>
    public sealed class PowerShellFixture : IDisposable
    {
        public PowerShellFixture()
        {
            var state = InitialSessionState.CreateDefault2();
            Runspace = RunspaceFactory.CreateRunspace(state);
            Runspace.Open();
            var modulePath = typeof(PlatformOps.Common.PlatformCmdlet).Assembly.Location;
            Invoke("Import-Module -Name $args[0] -ErrorAction Stop", modulePath);
        }

        public Runspace Runspace { get; }

        /// <summary>Runs a script; returns its output and whatever it wrote to the error, warning and verbose streams.</summary>
        public Result Invoke(string script, params object[] arguments)
        {
            using var ps = PowerShell.Create();
            ps.Runspace = Runspace;
            ps.AddScript(script);
            foreach (var a in arguments) ps.AddArgument(a);
            Collection<PSObject> output;
            Exception? terminating = null;
            try
            {
                output = ps.Invoke();
            }
            catch (RuntimeException ex)
            {
                output = new Collection<PSObject>();
                terminating = ex;
            }
            return new Result(output, ps.Streams.Error.ToList(), ps.Streams.Warning.Select(w => w.Message).ToList(),
                ps.Streams.Verbose.Select(v => v.Message).ToList(), terminating);
        }

        public void Dispose() => Runspace.Dispose();

        public sealed class Result
        {
            public Result(IReadOnlyList<PSObject> output, IReadOnlyList<ErrorRecord> errors, IReadOnlyList<string> warnings,
                IReadOnlyList<string> verbose, Exception? terminating)
            {
                Output = output;
                Errors = errors;
                Warnings = warnings;
                Verbose = verbose;
                Terminating = terminating;
            }

            public IReadOnlyList<PSObject> Output { get; }
            public IReadOnlyList<ErrorRecord> Errors { get; }
            public IReadOnlyList<string> Warnings { get; }
            public IReadOnlyList<string> Verbose { get; }
            public Exception? Terminating { get; }

            /// <summary>The error id of the terminating error or the first non-terminating one.</summary>
            public string? ErrorId => (Terminating as IContainsErrorRecord)?.ErrorRecord.FullyQualifiedErrorId.Split(',')[0]
                                      ?? Errors.FirstOrDefault()?.FullyQualifiedErrorId.Split(',')[0];

            /// <summary>The message of the terminating error, or of the first error record (cmdlet-terminating errors land there in a script).</summary>
            public string ErrorMessage => Terminating?.Message ?? Errors.FirstOrDefault()?.Exception.Message ?? string.Empty;

            public IEnumerable<T> Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>();

            /// <summary>Everything the call showed a user, for checks that no secret leaks.</summary>
            public string Transcript => string.Join("\n", Output.Select(o => o?.ToString()))
                + string.Join("\n", Errors.Select(e => e.ToString() + e.ErrorDetails?.Message + e.Exception))
                + string.Join("\n", Warnings) + string.Join("\n", Verbose) + Terminating;

            public void ShouldSucceed()
            {
                Assert.True(Terminating == null, $"Terminating error: {Terminating}");
                Assert.True(Errors.Count == 0, "Errors: " + string.Join("; ", Errors.Select(e => e.ToString())));
            }
        }
    }

    [CollectionDefinition(Name)]
    public sealed class LabCollection : ICollectionFixture<PowerShellFixture>
    {
        public const string Name = "Lab";
    }
}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace PlatformOps.Common
{
    /// <summary>
    /// What a PlatformOps cmdlet leaves behind when Ctrl+C (or any pipeline stop) cuts it short: an error record
    /// <c>&lt;Noun&gt;Cancelled</c> (OperationStopped) in <c>$Error</c> and on the error output, and, when pwsh runs a
    /// script or command non-interactively (<c>pwsh -File job.ps1</c>, <c>pwsh -c ...</c>, no <c>-NoExit</c>), a process
    /// exit code of 130 (128 + SIGINT) instead of the 0 PowerShell itself gives a stopped <c>-File</c> script, so a
    /// scheduler records a failure. An interactive session is never ended: its prompt simply comes back.
    /// </summary>
    internal static class StopReport
    {
        /// <summary>The exit code of a non-interactive pwsh whose PlatformOps cmdlet was cancelled (128 + SIGINT).</summary>
        public const int CancelledExitCode = 130;

        public static ErrorRecord Record(string commandName, string noun, string message)
            => PlatformErrors.Record(noun + "Cancelled", ErrorCategory.OperationStopped, commandName, message);

        /// <summary>
        /// Records the cancellation. The pipeline is stopping, so the cmdlet runtime refuses WriteError and
        /// ThrowTerminatingError: the record goes into $Error and to the host's error output directly.
        /// </summary>
        public static void Publish(PSCmdlet cmdlet, ErrorRecord record)
        {
            try
            {
                if (cmdlet.SessionState.PSVariable.GetValue("global:Error") is ArrayList errors) errors.Insert(0, record);
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is PSInvalidOperationException || ex is NotSupportedException) { }

            var host = cmdlet.Host;
            try
            {
                host?.UI?.WriteErrorLine($"{record.ErrorDetails?.Message ?? record.Exception.Message} [{record.FullyQualifiedErrorId}]");
            }
            catch (Exception ex) when (ex is NotImplementedException || ex is InvalidOperationException || ex is PSInvalidOperationException || ex is System.IO.IOException) { }

            if (host != null && string.Equals(host.Name, "ConsoleHost", StringComparison.Ordinal) && IsNonInteractiveRun(Environment.GetCommandLineArgs()))
            {
                try { host.SetShouldExit(CancelledExitCode); }
                catch (Exception ex) when (ex is NotImplementedException || ex is InvalidOperationException || ex is PSInvalidOperationException) { }
            }
        }

        // pwsh options that take a value (the next argument is theirs, not a script path): full name, shortest prefix.
        private static readonly (string Name, string Shortest)[] ValueOptions =
        {
            ("configurationname", "config"), ("configurationfile", "configurationf"), ("custompipename", "cus"),
            ("executionpolicy", "ex"), ("ep", "ep"), ("inputformat", "inp"), ("if", "if"), ("outputformat", "o"),
            ("of", "of"), ("settingsfile", "settings"), ("workingdirectory", "wo"), ("wd", "wd"), ("windowstyle", "w"),
            ("token", "to"), ("utctimestamp", "utc"), ("encodedarguments", "encodeda"), ("ea", "ea"),
        };

        /// <summary>
        /// True when pwsh's own command line runs a command or a script and then exits: -Command/-c, -CommandWithArgs,
        /// -EncodedCommand, -File/-f or a bare script path, with no -NoExit before it. An interactive shell gives false.
        /// </summary>
        internal static bool IsNonInteractiveRun(IReadOnlyList<string> args)
        {
            var windows = Environment.OSVersion.Platform == PlatformID.Win32NT;
            // args[0] is pwsh.dll (or pwsh.exe); everything after the command or the file belongs to it.
            for (var i = 1; i < args.Count; i++)
            {
                var a = args[i];
                if (a.Length == 0) continue;
                if (!(a[0] == '-' || (windows && a[0] == '/'))) return true; // the first bare argument is the script
                var key = a.TrimStart('-', '/').ToLowerInvariant();
                if (key.Length == 0) return true;                          // "-": commands from stdin, then exit
                if (key.Length >= 3 && "noexit".StartsWith(key, StringComparison.Ordinal)) return false;
                if (key == "cwa" || (key.Length >= 8 && "commandwithargs".StartsWith(key, StringComparison.Ordinal))) return true;
                if ("command".StartsWith(key, StringComparison.Ordinal)) return true;
                if ("file".StartsWith(key, StringComparison.Ordinal)) return true;
                if (key == "ec" || "encodedcommand".StartsWith(key, StringComparison.Ordinal)) return true;
                foreach (var (name, shortest) in ValueOptions)
                {
                    if (key.Length >= shortest.Length && name.StartsWith(key, StringComparison.Ordinal)) { i++; break; }
                }
            }
            return false;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using PlatformOps.Common;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// The command a scheduler runs for one job: pwsh, the module and the profile's path, and a few environment
    /// variables (the trigger, and DOTNET_ROOT / XDG_STATE_HOME as the installing session had them). It never holds a
    /// secret: credentials stay in the pass files the profile names. Rendered once per scheduler's quoting rules.
    /// </summary>
    public sealed class JobCommand
    {
        /// <summary>The variable that tells Invoke-PlatformMaintenance which scheduler started it (for the run log).</summary>
        public const string TriggerVariable = "PLATFORMOPS_MAINTENANCE_TRIGGER";

        public JobCommand(string pwsh, string modulePath, string profilePath, MaintenanceJobName job)
        {
            Pwsh = pwsh;
            ModulePath = modulePath;
            ProfilePath = profilePath;
            Job = job;
        }

        public string Pwsh { get; }
        public string ModulePath { get; }
        public string ProfilePath { get; }
        public MaintenanceJobName Job { get; }
        /// <summary>Variables set for the job besides the trigger (name, value); never secrets.</summary>
        public IList<KeyValuePair<string, string>> Environment { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>What pwsh -Command runs.</summary>
        public string PowerShellText => $"Import-Module -Name {PsQuote(ModulePath)} -ErrorAction Stop; Invoke-PlatformMaintenance -Job {Job} -Profile {PsQuote(ProfilePath)}";

        public IReadOnlyList<string> Arguments => new[] { "-NoProfile", "-NonInteractive", "-Command", PowerShellText };

        private IEnumerable<KeyValuePair<string, string>> Variables(MaintenanceScheduler trigger)
            => new[] { new KeyValuePair<string, string>(TriggerVariable, trigger.ToString()) }.Concat(Environment);

        /// <summary>A /bin/sh command line for a crontab: NAME='value' ... 'pwsh' args, every word single-quoted.</summary>
        public string ForShell()
        {
            foreach (var text in new[] { Pwsh, ModulePath, ProfilePath }.Concat(Environment.Select(e => e.Value)))
            {
                if (text.IndexOf('%') >= 0 || text.IndexOf('\n') >= 0)
                    throw new MaintenanceException("PlatformMaintenancePathUnsupported", MaintenanceErrorKind.NotSupported, text,
                        $"'{text}' holds a % sign or a line break, which a crontab line cannot carry. Move it to a path without them.");
            }
            var env = string.Join(" ", Variables(MaintenanceScheduler.Cron).Select(v => v.Key + "=" + ShQuote(v.Value)));
            return env + " " + string.Join(" ", new[] { Pwsh }.Concat(Arguments).Select(ShQuote));
        }

        /// <summary>An ExecStart= value: every word in double quotes with systemd's escapes ($ and % doubled).</summary>
        public string ForSystemd() => string.Join(" ", new[] { Pwsh }.Concat(Arguments).Select(SystemdQuote));

        /// <summary>Environment= lines for a service.</summary>
        public IEnumerable<string> SystemdEnvironment()
            => Variables(MaintenanceScheduler.Systemd).Select(v => "Environment=" + SystemdQuote(v.Key + "=" + v.Value));

        /// <summary>The argument string of a Windows task's action (the C runtime's quoting rules).</summary>
        public string ForWindows() => string.Join(" ", Arguments.Select(ProcessRunner.Quote));

        /// <summary>The PowerShell text for a Windows task: the trigger variable is set inside the command (a task action has no environment).</summary>
        public string WindowsArguments()
        {
            var set = string.Concat(Variables(MaintenanceScheduler.TaskScheduler).Select(v => $"$env:{v.Key} = {PsQuote(v.Value)}; "));
            return string.Join(" ", new[] { "-NoProfile", "-NonInteractive", "-Command", set + PowerShellText }.Select(ProcessRunner.Quote));
        }

        public static string PsQuote(string text) => "'" + text.Replace("'", "''") + "'";

        public static string ShQuote(string text) => "'" + text.Replace("'", "'\\''") + "'";

        public static string SystemdQuote(string text)
        {
            var sb = new StringBuilder("\"");
            foreach (var c in text)
            {
                switch (c)
                {
                    case '\\': sb.Append("\\\\"); break;
                    case '"': sb.Append("\\\""); break;
                    case '$': sb.Append("$$"); break;
                    case '%': sb.Append("%%"); break;
                    case '\n': sb.Append("\\n"); break;
                    default: sb.Append(c); break;
                }
            }
            return sb.Append('"').ToString();
        }

        /// <summary>Escapes specifiers in free text of a unit (Description=): % is doubled.</summary>
        public static string SystemdText(string text) => text.Replace("%", "%%").Replace("\n", " ");
    }
}

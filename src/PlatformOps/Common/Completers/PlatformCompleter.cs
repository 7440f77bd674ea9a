using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;

namespace PlatformOps.Common.Completers
{
    /// <summary>
    /// The base of every PlatformOps argument completer. Tab completion must be fast and silent: the candidates are
    /// gathered off the pipeline thread within <see cref="Budget"/>, anything that fails or runs late gives no
    /// candidate (never an error, never output), and a server's answer is reused for <see cref="CacheFor"/>.
    /// </summary>
    public abstract class PlatformCompleter : IArgumentCompleter
    {
        /// <summary>How long a completer may take before it gives up quietly.</summary>
        public static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(1500);

        /// <summary>How long a list read from a server or a folder is reused by the next Tab.</summary>
        public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(20);

        private static readonly ConcurrentDictionary<string, (DateTime At, IReadOnlyList<CompletionCandidate> Items)> Cache =
            new ConcurrentDictionary<string, (DateTime, IReadOnlyList<CompletionCandidate>)>(StringComparer.Ordinal);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                // Everything that needs the runspace (the session's profile) is read here, on the pipeline thread.
                var request = new CompletionRequest(commandName, parameterName, fakeBoundParameters, ProfileOf(fakeBoundParameters));
                using var cancel = new CancellationTokenSource(Budget);
                var work = Task.Run(() => Cached(request, cancel.Token), cancel.Token);
                if (!work.Wait(Budget)) return Array.Empty<CompletionResult>();
                return Filter(work.Result, wordToComplete).ToList();
            }
            catch (Exception)
            {
                // A completer never throws or prints: no candidates is the answer to every failure.
                return Array.Empty<CompletionResult>();
            }
        }

        /// <summary>The candidates for this request. Runs off the pipeline thread; honour the token.</summary>
        protected abstract IReadOnlyList<CompletionCandidate> Candidates(CompletionRequest request, CancellationToken cancellationToken);

        /// <summary>A cache key for the request, or null to ask every time (cheap, local candidates).</summary>
        protected virtual string? CacheKey(CompletionRequest request) => null;

        private IReadOnlyList<CompletionCandidate> Cached(CompletionRequest request, CancellationToken cancellationToken)
        {
            var key = CacheKey(request);
            if (key == null) return Candidates(request, cancellationToken);
            key = GetType().FullName + "|" + key;
            if (Cache.TryGetValue(key, out var hit) && DateTime.UtcNow - hit.At < CacheFor) return hit.Items;
            var items = Candidates(request, cancellationToken);
            Cache[key] = (DateTime.UtcNow, items);
            return items;
        }

        internal static IEnumerable<CompletionResult> Filter(IEnumerable<CompletionCandidate> candidates, string? wordToComplete)
        {
            var word = Unquote(wordToComplete ?? string.Empty);
            var pattern = WildcardPattern.Get(WildcardPattern.ContainsWildcardCharacters(word) ? word : WildcardPattern.Escape(word) + "*", WildcardOptions.IgnoreCase);
            return candidates
                .Where(c => !string.IsNullOrEmpty(c.Text) && pattern.IsMatch(c.Text))
                .GroupBy(c => c.Text, StringComparer.Ordinal).Select(g => g.First())
                .OrderBy(c => c.Text, StringComparer.OrdinalIgnoreCase)
                .Select(c => new CompletionResult(Quote(c.Text), c.Text, CompletionResultType.ParameterValue, string.IsNullOrEmpty(c.ToolTip) ? c.Text : c.ToolTip));
        }

        internal static string Unquote(string word)
        {
            word = word.Trim();
            if (word.Length > 0 && (word[0] == '\'' || word[0] == '"')) word = word.Substring(1);
            if (word.Length > 0 && (word[word.Length - 1] == '\'' || word[word.Length - 1] == '"')) word = word.Substring(0, word.Length - 1);
            return word.Replace("''", "'");
        }

        /// <summary>The text to insert: single-quoted when PowerShell would otherwise split or expand it.</summary>
        internal static string Quote(string text)
        {
            foreach (var ch in text)
            {
                if (!(char.IsLetterOrDigit(ch) || ch == '_' || ch == '-' || ch == '.' || ch == ':' || ch == '/'))
                    return "'" + text.Replace("'", "''") + "'";
            }
            return text.Length > 0 && text[0] == '-' ? "'" + text + "'" : text;
        }

        /// <summary>-Profile as typed (an object or a path), then the session's, then $env:PLATFORMOPS_PROFILE.</summary>
        private static PlatformProfile? ProfileOf(IDictionary bound)
        {
            try
            {
                var given = bound?["Profile"];
                if (given is PSObject pso) given = pso.BaseObject;
                if (given is PlatformProfile p) return p;
                if (given is string path && path.Length > 0) return PlatformProfile.Load(path);
                return SessionProfile.Current ?? SessionProfile.FromEnvironment();
            }
            catch (Exception)
            {
                return null;
            }
        }
    }

    /// <summary>One candidate: the value, and what the tooltip says about it.</summary>
    public sealed class CompletionCandidate
    {
        public CompletionCandidate(string text, string? toolTip = null)
        {
            Text = text;
            ToolTip = toolTip;
        }

        public string Text { get; }
        public string? ToolTip { get; }
    }

    /// <summary>What a completer knows: the command, the parameter, the parameters typed so far, the profile in force.</summary>
    public sealed class CompletionRequest
    {
        private readonly IDictionary _bound;

        public CompletionRequest(string commandName, string parameterName, IDictionary? bound, PlatformProfile? profile)
        {
            CommandName = commandName ?? string.Empty;
            ParameterName = parameterName ?? string.Empty;
            _bound = bound ?? new Hashtable();
            Profile = profile;
        }

        public string CommandName { get; }
        public string ParameterName { get; }
        public PlatformProfile? Profile { get; }

        /// <summary>A typed parameter's value as a string (the first of an array), or null.</summary>
        public string? Value(params string[] names)
        {
            foreach (var name in names)
            {
                var value = _bound.Contains(name) ? _bound[name] : null;
                if (value is PSObject pso) value = pso.BaseObject;
                if (value is object[] array) value = array.FirstOrDefault();
                if (value is PSObject inner) value = inner.BaseObject;
                if (value != null && value is not PSCredential) return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            return null;
        }

        public int? Number(string name) => int.TryParse(Value(name), out var n) ? n : (int?)null;

        public PSCredential? Credential()
        {
            var value = _bound.Contains("Credential") ? _bound["Credential"] : null;
            if (value is PSObject pso) value = pso.BaseObject;
            return value as PSCredential;
        }
    }
}

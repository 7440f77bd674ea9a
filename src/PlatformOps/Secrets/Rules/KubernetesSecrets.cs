using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace PlatformOps.Secrets.Rules
{
    /// <summary>
    /// Values under data: (base64) and stringData: (plain) of a Kubernetes Secret manifest, document by document
    /// (a Secret's data: may come before or after its kind: line).
    /// </summary>
    internal static class KubernetesSecrets
    {
        private static readonly Regex KindSecret = new Regex(@"(?im)^kind:[ \t]*[""']?Secret[""']?[ \t]*\r?$", RegexOptions.CultureInvariant);
        private static readonly Regex Block = new Regex(@"(?m)^(?<indent>[ \t]*)(?<block>data|stringData):[ \t]*\r?$", RegexOptions.CultureInvariant);
        private static readonly Regex Entry = new Regex(@"\G(?<indent>[ \t]+)(?<key>[\w.\-]+):[ \t]*(?<q>[""']?)(?<value>[^\s""'#]*)\k<q>[ \t]*\r?$", RegexOptions.CultureInvariant | RegexOptions.Multiline);

        public static void Scan(string text, string? path, List<RawFinding> found)
        {
            if (path != null && !(path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))) return;
            var documentStart = 0;
            foreach (var documentEnd in DocumentEnds(text))
            {
                var document = text.Substring(documentStart, documentEnd - documentStart);
                if (KindSecret.IsMatch(document)) ScanDocument(text, documentStart, document, found);
                documentStart = documentEnd;
            }
        }

        private static IEnumerable<int> DocumentEnds(string text)
        {
            var at = 0;
            while (true)
            {
                var sep = text.IndexOf("\n---", at, StringComparison.Ordinal);
                if (sep < 0) break;
                yield return sep + 1;
                at = sep + 4;
            }
            yield return text.Length;
        }

        private static void ScanDocument(string text, int offset, string document, List<RawFinding> found)
        {
            foreach (Match block in Block.Matches(document))
            {
                var plain = block.Groups["block"].Value == "stringData";
                var blockIndent = block.Groups["indent"].Value.Length;
                var position = document.IndexOf('\n', block.Index);
                while (position >= 0 && position + 1 < document.Length)
                {
                    var entry = Entry.Match(document, position + 1);
                    if (!entry.Success || entry.Groups["indent"].Value.Length <= blockIndent) break;
                    var value = entry.Groups["value"].Value;
                    if (Accept(value, plain))
                    {
                        var g = entry.Groups["value"];
                        found.Add(new RawFinding
                        {
                            Start = offset + g.Index,
                            Length = g.Length,
                            Rule = "kubernetes-secret",
                            Description = plain ? "Value in a Kubernetes Secret's stringData" : "Value in a Kubernetes Secret's data (base64 is not encryption)",
                            Severity = SecretSeverity.High,
                            Key = entry.Groups["key"].Value,
                            Redacted = SecretText.Redact(value, 0),
                            Secret = plain ? value : Decode(value) ?? value,
                            Priority = 2,
                        });
                    }
                    position = document.IndexOf('\n', entry.Index);
                }
            }
        }

        private static bool Accept(string value, bool plain)
        {
            if (value.Length == 0 || SecretText.IsPlaceholder(value) || SecretText.IsReference(value)) return false;
            if (plain) return SecretText.LooksLikePassword(value);
            var decoded = Decode(value);
            return decoded != null && decoded.Length >= 4 && !SecretText.IsPlaceholder(decoded) && !SecretText.IsReference(decoded);
        }

        private static string? Decode(string base64)
        {
            if (base64.Length < 4 || base64.Any(c => !(char.IsLetterOrDigit(c) || c == '+' || c == '/' || c == '='))) return null;
            try
            {
                var padded = base64.Length % 4 == 0 ? base64 : base64 + new string('=', 4 - base64.Length % 4);
                return Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}

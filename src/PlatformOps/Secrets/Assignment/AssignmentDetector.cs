using System;
using System.Collections.Generic;

namespace PlatformOps.Secrets.Assignment
{
    /// <summary>
    /// The name-based rule: a real-looking literal assigned to a name that sounds secret, in any of the ways files write it
    /// (NAME=value, name: value, "name": "value", $name = 'value', var name string = "...", name ::= value, $name .= "...",
    /// setProperty("name", "value"), &lt;name&gt;value&lt;/name&gt;, key="name" value="...", -Name 'value', --name value).
    /// Three steps, each in its own method: read the name around the keyword, read the operator and the value after it,
    /// judge the value.
    /// </summary>
    internal static class AssignmentDetector
    {
        /// <summary>Tries the name around <paramref name="index"/>; returns where the name ends, so each name is analysed once.</summary>
        public static int TryAt(string text, int index, FileKind kind, List<RawFinding> found)
        {
            var name = AssignmentName.Read(text, index, kind);
            if (name == null) return index + 1;
            var nameKind = SecretText.ClassifyName(name.Text);
            if (nameKind == SecretNameKind.None) return name.End;
            var value = AssignmentValue.Read(text, name, kind);
            if (value == null) return name.End;
            var verdict = JudgeValue(value, nameKind, kind);
            if (verdict == null) return name.End;
            found.Add(new RawFinding
            {
                Start = value.Start,
                Length = value.Text.Length,
                Rule = verdict,
                Description = verdict == "secret-assignment" ? "High-entropy value assigned to a secret-sounding name"
                    : verdict == "connection-string-password" ? "Password in a connection string" : "Password assigned in the clear",
                Severity = verdict == "connection-string-password" ? SecretSeverity.High : SecretSeverity.Medium,
                Key = name.Text,
                Redacted = SecretText.Redact(value.Text, 0),
                Secret = value.Text,
                Priority = 1,
            });
            return name.End;
        }

        /// <summary>The rule id when the value is a real secret, null when it is not.</summary>
        private static string? JudgeValue(AssignmentValue value, SecretNameKind nameKind, FileKind kind)
        {
            var v = value.Text;
            if (v.Length == 0 || SecretText.IsPlaceholder(v) || SecretText.IsReference(v) || SecretText.IsMasked(v)) return null;
            if (v.Length >= 16 && Judge.IsPublic(v)) return null;
            if (SecretText.IsRegexFragment(v)) return null;
            // A value with templates or interpolation in it ("pre${X}post", "$host:5432", f"{name}") counts only by what
            // is literal: a secret with a variable spliced in is still a secret if enough of it is written out.
            var literal = SecretText.LiteralPart(v, interpolation: kind == FileKind.Code || kind == FileKind.Shell);
            var partial = literal.Length != v.Length;
            if (partial && (literal.Length < 8 || SecretText.IsPlaceholder(literal))) return null;
            if (nameKind == SecretNameKind.Password)
            {
                if (!SecretText.LooksLikePassword(partial ? literal : v)) return null;
                return value.ConnectionString ? "connection-string-password" : "password-assignment";
            }
            if (partial ? SecretText.LooksRandom(literal, 8) : SecretText.LooksRandom(v) || SecretText.IsUuid(v)) return "secret-assignment";
            return null;
        }
    }
}

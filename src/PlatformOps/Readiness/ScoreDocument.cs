using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using PlatformOps.Common;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// A health score as JSON: what Get-PlatformHealthScore -OutFile writes and -Previous reads. Reports carry the same
    /// document in a comment (base64), so that the next report can show the change since this one.
    /// </summary>
    public sealed class ScoreDocument
    {
        public const string SchemaName = "platformops-health-score/1";
        internal const string Marker = "platformops-health-score";
        private static readonly Regex Embedded = new Regex(Marker + @":([A-Za-z0-9+/=]+)", RegexOptions.Compiled | RegexOptions.CultureInvariant);

        public string Schema { get; set; } = SchemaName;
        public string Platform { get; set; } = string.Empty;
        public DateTime MeasuredAt { get; set; }
        public double? Overall { get; set; }
        public string Verdict { get; set; } = string.Empty;
        public double MinimumScore { get; set; }
        public List<CategoryEntry> Categories { get; set; } = new List<CategoryEntry>();
        public List<CheckEntry> Checks { get; set; } = new List<CheckEntry>();

        public sealed class CategoryEntry
        {
            public string Category { get; set; } = string.Empty;
            public double? Score { get; set; }
            public double Weight { get; set; }
            public int Passed { get; set; }
            public int Warned { get; set; }
            public int Failed { get; set; }
            public int Skipped { get; set; }
            public string? Note { get; set; }
        }

        public sealed class CheckEntry
        {
            public string Id { get; set; } = string.Empty;
            public string Category { get; set; } = string.Empty;
            public string Item { get; set; } = string.Empty;
            public string Status { get; set; } = string.Empty;
            public string Evidence { get; set; } = string.Empty;
            public string Remedy { get; set; } = string.Empty;
            public string? Target { get; set; }
            public double? Value { get; set; }
            public string? Unit { get; set; }
            public double Weight { get; set; }
        }

        private static readonly JsonSerializerOptions Json = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNameCaseInsensitive = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };

        private static readonly JsonSerializerOptions Compact = new JsonSerializerOptions { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

        public static ScoreDocument From(PlatformHealthScore score) => new ScoreDocument
        {
            Platform = score.Platform,
            MeasuredAt = score.MeasuredAt,
            Overall = score.Overall,
            Verdict = score.Verdict,
            MinimumScore = score.MinimumScore,
            Categories = score.Categories.Select(c => new CategoryEntry
            {
                Category = c.Category.ToString(), Score = c.Score, Weight = c.Weight, Passed = c.Passed, Warned = c.Warned,
                Failed = c.Failed, Skipped = c.Skipped, Note = c.Note,
            }).ToList(),
            Checks = score.Checks.Select(c => new CheckEntry
            {
                Id = c.Id, Category = c.Category.ToString(), Item = c.Item, Status = c.Status.ToString(), Evidence = c.Evidence,
                Remedy = c.Remedy, Target = c.Target, Value = c.Value, Unit = c.Unit, Weight = c.Weight,
            }).ToList(),
        };

        public string ToJson() => JsonSerializer.Serialize(this, Json);

        /// <summary>The document as one comment-safe token (base64 of the compact JSON).</summary>
        public string ToEmbedded()
        {
            var compact = JsonSerializer.Serialize(this, Compact);
            return Marker + ":" + Convert.ToBase64String(Encoding.UTF8.GetBytes(compact));
        }

        /// <summary>Turns the document back into a score (without the measured objects behind each check).</summary>
        public PlatformHealthScore ToScore()
        {
            var checks = Checks.Select(c =>
            {
                var category = ReadinessCategories.TryParse(c.Category, out var parsed) ? parsed : ReadinessCategory.Infrastructure;
                var status = Enum.TryParse<ReadinessStatus>(c.Status, true, out var s) ? s : ReadinessStatus.Skipped;
                return new ReadinessCheck(c.Id, category, c.Item)
                {
                    Status = status, Evidence = c.Evidence, Remedy = c.Remedy, Target = c.Target, Value = c.Value, Unit = c.Unit,
                    Weight = c.Weight, CheckedAt = MeasuredAt,
                };
            }).ToList();
            var categories = Categories.Select(e =>
            {
                var category = ReadinessCategories.TryParse(e.Category, out var parsed) ? parsed : ReadinessCategory.Infrastructure;
                return new CategoryScore
                {
                    Category = category, Score = e.Score, Weight = e.Weight, Passed = e.Passed, Warned = e.Warned, Failed = e.Failed,
                    Skipped = e.Skipped, Note = e.Note, Checks = checks.Where(c => c.Category == category).ToList(),
                };
            }).ToList();
            return new PlatformHealthScore
            {
                Platform = Platform, MeasuredAt = MeasuredAt, Overall = Overall, Verdict = Verdict, MinimumScore = MinimumScore,
                Categories = categories, Checks = checks,
            };
        }

        public static ScoreDocument Parse(string json, string source)
        {
            ScoreDocument? document;
            try
            {
                document = JsonSerializer.Deserialize<ScoreDocument>(json, Json);
            }
            catch (JsonException ex)
            {
                throw new PlatformOpsException("PlatformHealthScoreInvalid", ErrorCategory.InvalidData, source,
                    $"'{source}' is not a saved health score: {ex.Message}. Save one with Get-PlatformHealthScore -OutFile.", ex);
            }
            if (document == null || !string.Equals(document.Schema, SchemaName, StringComparison.Ordinal))
                throw new PlatformOpsException("PlatformHealthScoreInvalid", ErrorCategory.InvalidData, source,
                    $"'{source}' is not a saved health score (schema '{document?.Schema}', expected '{SchemaName}'). Save one with Get-PlatformHealthScore -OutFile.");
            return document;
        }

        /// <summary>Reads a saved score: a JSON file from -OutFile, or an HTML or Markdown report from Export-PlatformReport.</summary>
        public static ScoreDocument Load(string path)
        {
            if (!File.Exists(path))
                throw new PlatformOpsException("PlatformHealthScoreNotFound", ErrorCategory.ObjectNotFound, path,
                    $"The earlier score '{path}' does not exist. Save one with Get-PlatformHealthScore -OutFile, or name an earlier report.");
            var text = File.ReadAllText(path);
            return TryExtract(text) ?? Parse(text, path);
        }

        /// <summary>The score embedded in a report, if the text has one.</summary>
        public static ScoreDocument? TryExtract(string text)
        {
            var match = Embedded.Match(text);
            if (!match.Success) return null;
            try
            {
                return Parse(Encoding.UTF8.GetString(Convert.FromBase64String(match.Groups[1].Value)), "report");
            }
            catch (FormatException)
            {
                return null;
            }
            catch (PlatformOpsException)
            {
                return null;
            }
        }

        public void Save(string path)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            AtomicFile.WriteAllText(path, ToJson());
        }
    }
}

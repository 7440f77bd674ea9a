using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using PlatformOps.Common;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// What one readiness run remembers for the next: each container's restart count, so that "restart counts are
    /// not climbing" compares with an earlier measurement instead of guessing. Kept in the platform's state folder.
    /// </summary>
    public sealed class ReadinessState
    {
        public const string FileName = "readiness-state.json";

        public DateTime CheckedAt { get; set; }
        public Dictionary<string, ContainerMark> Containers { get; set; } = new Dictionary<string, ContainerMark>(StringComparer.Ordinal);

        internal static readonly JsonSerializerOptions Json = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNameCaseInsensitive = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter() },
        };

        /// <summary>Reads the state; null when there is none or it cannot be read (a damaged file is treated as no earlier run).</summary>
        public static ReadinessState? Load(string directory)
        {
            var path = Path.Combine(directory, FileName);
            try
            {
                return File.Exists(path) ? JsonSerializer.Deserialize<ReadinessState>(File.ReadAllText(path), Json) : null;
            }
            catch (Exception ex) when (ex is IOException || ex is JsonException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        public void Save(string directory)
        {
            Directory.CreateDirectory(directory);
            AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));
        }
    }

    /// <summary>A container as the previous run saw it.</summary>
    public sealed class ContainerMark
    {
        public string Id { get; set; } = string.Empty;
        public long RestartCount { get; set; }
        public DateTime? StartedAt { get; set; }
    }
}

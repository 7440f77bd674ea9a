using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace PlatformOps.Postgres
{
    // PostgreSQL's names for WAL: segments (timeline + segment number, 24 hex digits), LSNs, and the other files an
    // archive holds (.partial, .backup and .history files), as the server writes them.

    /// <summary>A WAL segment as named on disk: timeline + segment number (24 hex digits).</summary>
    public readonly struct WalSegment : IComparable<WalSegment>, IEquatable<WalSegment>
    {
        public const long DefaultSegmentSize = 16L * 1024 * 1024;
        private static readonly Regex Pattern = new Regex("^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$", RegexOptions.CultureInvariant);

        public WalSegment(uint timeline, ulong number, long segmentSize)
        {
            Timeline = timeline;
            Number = number;
            SegmentSize = segmentSize;
        }

        public uint Timeline { get; }
        /// <summary>The segment number: LSN / segment size.</summary>
        public ulong Number { get; }
        public long SegmentSize { get; }

        private ulong SegmentsPerId => 0x100000000UL / (ulong)SegmentSize;

        public string Name => string.Format(CultureInfo.InvariantCulture, "{0:X8}{1:X8}{2:X8}", Timeline, Number / SegmentsPerId, Number % SegmentsPerId);

        /// <summary>The first LSN after this segment.</summary>
        public ulong EndLsn => (Number + 1) * (ulong)SegmentSize;

        public WalSegment Next => new WalSegment(Timeline, Number + 1, SegmentSize);

        public static bool TryParse(string? name, long segmentSize, out WalSegment segment)
        {
            segment = default;
            if (name == null) return false;
            var m = Pattern.Match(name);
            if (!m.Success) return false;
            var tli = uint.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var log = ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var seg = ulong.Parse(m.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var perId = 0x100000000UL / (ulong)segmentSize;
            if (seg >= perId) return false;
            segment = new WalSegment(tli, log * perId + seg, segmentSize);
            return true;
        }

        public static WalSegment Parse(string name, long segmentSize)
        {
            if (!TryParse(name, segmentSize, out var segment)) throw new FormatException($"'{name}' is not a WAL segment name.");
            return segment;
        }

        /// <summary>The segment holding <paramref name="lsn"/> (as pg_walfile_name does, an LSN on a boundary belongs to the one before).</summary>
        public static WalSegment Containing(uint timeline, ulong lsn, long segmentSize, bool boundaryBelongsToPrevious = false)
        {
            var number = lsn / (ulong)segmentSize;
            if (boundaryBelongsToPrevious && lsn % (ulong)segmentSize == 0 && number > 0) number--;
            return new WalSegment(timeline, number, segmentSize);
        }

        /// <summary>Parses "16/B374D848".</summary>
        public static ulong ParseLsn(string text)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            var slash = text.IndexOf('/');
            if (slash <= 0) throw new FormatException($"'{text}' is not an LSN.");
            var hi = ulong.Parse(text.Substring(0, slash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var lo = ulong.Parse(text.Substring(slash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return (hi << 32) | lo;
        }

        public static string FormatLsn(ulong lsn) => string.Format(CultureInfo.InvariantCulture, "{0:X}/{1:X}", lsn >> 32, lsn & 0xFFFFFFFF);

        public int CompareTo(WalSegment other)
        {
            var c = Number.CompareTo(other.Number);
            return c != 0 ? c : Timeline.CompareTo(other.Timeline);
        }

        public bool Equals(WalSegment other) => Timeline == other.Timeline && Number == other.Number && SegmentSize == other.SegmentSize;
        public override bool Equals(object? obj) => obj is WalSegment s && Equals(s);
        public override int GetHashCode() => unchecked((int)Timeline * 397 ^ Number.GetHashCode());
        public static bool operator ==(WalSegment a, WalSegment b) => a.Equals(b);
        public static bool operator !=(WalSegment a, WalSegment b) => !a.Equals(b);
        public static bool operator <(WalSegment a, WalSegment b) => a.CompareTo(b) < 0;
        public static bool operator >(WalSegment a, WalSegment b) => a.CompareTo(b) > 0;
        public static bool operator <=(WalSegment a, WalSegment b) => a.CompareTo(b) <= 0;
        public static bool operator >=(WalSegment a, WalSegment b) => a.CompareTo(b) >= 0;
        public override string ToString() => Name;
    }

    /// <summary>What a file in a WAL archive is, by its name.</summary>
    public enum WalFileKind
    {
        /// <summary>A WAL segment, plain or compressed (000000010000000000000003, ...gz).</summary>
        Segment,
        /// <summary>A segment a promotion left unfinished (....partial).</summary>
        Partial,
        /// <summary>A backup history file (000000010000000000000003.00000028.backup).</summary>
        Backup,
        /// <summary>A timeline history file (00000002.history).</summary>
        History,
    }

    /// <summary>A WAL archive file name taken apart; anything else (a .tmp being copied, a stray file) does not parse and is left alone.</summary>
    public readonly struct WalArchiveFile
    {
        private static readonly string[] CompressedSuffixes = { ".gz", ".zst", ".lz4", ".bz2", ".xz" };

        private WalArchiveFile(string segment, WalFileKind kind, bool compressed)
        {
            Segment = segment;
            Kind = kind;
            Compressed = compressed;
        }

        /// <summary>The 24-digit segment name the file belongs to (for a .history file: its 8-digit timeline).</summary>
        public string Segment { get; }
        public WalFileKind Kind { get; }
        public bool Compressed { get; }

        public static bool TryParse(string name, out WalArchiveFile file)
        {
            file = default;
            if (name == null) return false;
            if (name.Length == 16 && name.EndsWith(".history", StringComparison.Ordinal) && IsHex(name, 0, 8))
            {
                file = new WalArchiveFile(name.Substring(0, 8), WalFileKind.History, false);
                return true;
            }
            if (name.Length < 24 || !IsHex(name, 0, 24)) return false;
            var segment = name.Substring(0, 24);
            var rest = name.Substring(24);
            if (rest.Length == 0) { file = new WalArchiveFile(segment, WalFileKind.Segment, false); return true; }
            if (Array.IndexOf(CompressedSuffixes, rest) >= 0) { file = new WalArchiveFile(segment, WalFileKind.Segment, true); return true; }
            foreach (var suffix in CompressedSuffixes.Concat(new[] { string.Empty }))
            {
                if (rest == ".partial" + suffix) { file = new WalArchiveFile(segment, WalFileKind.Partial, suffix.Length > 0); return true; }
                if (rest.Length == 16 + suffix.Length && rest[0] == '.' && IsHex(rest, 1, 8) && rest.Substring(9) == ".backup" + suffix)
                {
                    file = new WalArchiveFile(segment, WalFileKind.Backup, suffix.Length > 0);
                    return true;
                }
            }
            return false;
        }

        private static bool IsHex(string s, int start, int length)
        {
            for (var i = start; i < start + length; i++)
            {
                var c = s[i];
                if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
            }
            return true;
        }
    }
}

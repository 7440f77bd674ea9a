using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace PlatformOps.Redis
{
    /// <summary>
    /// Reads an RDB file far enough to count its keys per database: the RESIZEDB size that follows each SELECTDB,
    /// else the keys walked. Values are skipped, not decoded. Types it cannot skip (modules of unknown layout,
    /// newer types) end the walk and mark the result partial.
    /// </summary>
    internal static class RdbKeyCounter
    {
        public static (Dictionary<string, long> Keys, bool Partial) Count(string path)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new BinaryReader(new BufferedStream(file, 1 << 16));
            var magic = Encoding.ASCII.GetString(reader.ReadBytes(9));
            if (!magic.StartsWith("REDIS", StringComparison.Ordinal))
                throw new InvalidDataException("not an RDB file (no REDIS header)");
            var resized = new Dictionary<long, long>();
            var walked = new Dictionary<long, long>();
            long db = 0;
            var partial = false;
            try
            {
                while (true)
                {
                    var op = reader.ReadByte();
                    switch (op)
                    {
                        case 0xFF: goto done;
                        case 0xFE: db = Len(reader); continue;
                        case 0xFB: resized[db] = Len(reader); Len(reader); continue;
                        case 0xFA: SkipString(reader); SkipString(reader); continue;
                        case 0xFD: reader.ReadBytes(4); continue;
                        case 0xFC: reader.ReadBytes(8); continue;
                        case 0xF9: reader.ReadByte(); continue;
                        case 0xF8: Len(reader); continue;
                        case 0xF7: Len(reader); Len(reader); Len(reader); SkipModuleValue(reader); continue;
                        case 0xF5: SkipString(reader); continue;
                        case 0xF4: Len(reader); Len(reader); Len(reader); continue;
                    }
                    SkipString(reader); // the key
                    if (!SkipValue(reader, op)) { partial = true; goto done; }
                    walked[db] = (walked.TryGetValue(db, out var n) ? n : 0) + 1;
                }
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException("the RDB file ends early (truncated)");
            }
        done:
            var keys = new Dictionary<string, long>();
            foreach (var d in new HashSet<long>(resized.Keys).Union(walked.Keys))
                keys[d.ToString(CultureInfo.InvariantCulture)] = resized.TryGetValue(d, out var r) ? r : walked[d];
            return (keys, partial);
        }

        private static long Len(BinaryReader r) => Len(r, out _);

        private static long Len(BinaryReader r, out int special)
        {
            special = -1;
            var b = r.ReadByte();
            switch (b >> 6)
            {
                case 0: return b & 0x3F;
                case 1: return ((b & 0x3F) << 8) | r.ReadByte();
                case 2:
                    if (b == 0x80) return BigEndian(r, 4);
                    if (b == 0x81) return BigEndian(r, 8);
                    throw new InvalidDataException("bad length encoding");
                default:
                    special = b & 0x3F;
                    return 0;
            }
        }

        private static long BigEndian(BinaryReader r, int bytes)
        {
            long v = 0;
            for (var i = 0; i < bytes; i++) v = (v << 8) | r.ReadByte();
            return v;
        }

        private static void Skip(BinaryReader r, long count)
        {
            var stream = r.BaseStream;
            while (count > 0)
            {
                var chunk = (int)Math.Min(count, 1 << 16);
                if (r.ReadBytes(chunk).Length < chunk) throw new EndOfStreamException();
                count -= chunk;
            }
            _ = stream;
        }

        private static void SkipString(BinaryReader r)
        {
            var len = Len(r, out var special);
            switch (special)
            {
                case -1: Skip(r, len); return;
                case 0: Skip(r, 1); return;
                case 1: Skip(r, 2); return;
                case 2: Skip(r, 4); return;
                case 3:
                    var compressed = Len(r);
                    Len(r);
                    Skip(r, compressed);
                    return;
                default: throw new InvalidDataException("bad string encoding");
            }
        }

        private static void SkipModuleValue(BinaryReader r)
        {
            while (true)
            {
                var opcode = Len(r);
                switch (opcode)
                {
                    case 0: return;
                    case 1:
                    case 2: Len(r); break;
                    case 3: Skip(r, 4); break;
                    case 4: Skip(r, 8); break;
                    case 5: SkipString(r); break;
                    default: throw new InvalidDataException("bad module value");
                }
            }
        }

        /// <summary>Skips one value of the given type; false when the type is not known.</summary>
        private static bool SkipValue(BinaryReader r, byte type)
        {
            long n;
            switch (type)
            {
                case 0: SkipString(r); return true;
                case 1:
                case 2:
                case 14:
                    n = Len(r);
                    for (long i = 0; i < n; i++) SkipString(r);
                    return true;
                case 3:
                    n = Len(r);
                    for (long i = 0; i < n; i++)
                    {
                        SkipString(r);
                        var dl = r.ReadByte();
                        if (dl < 253) Skip(r, dl);
                    }
                    return true;
                case 4:
                    n = Len(r);
                    for (long i = 0; i < 2 * n; i++) SkipString(r);
                    return true;
                case 5:
                    n = Len(r);
                    for (long i = 0; i < n; i++) { SkipString(r); Skip(r, 8); }
                    return true;
                case 7: Len(r); SkipModuleValue(r); return true;
                case 9:
                case 10:
                case 11:
                case 12:
                case 13:
                case 16:
                case 17:
                case 20:
                    SkipString(r);
                    return true;
                case 18:
                    n = Len(r);
                    for (long i = 0; i < n; i++) { Len(r); SkipString(r); }
                    return true;
                case 15:
                case 19:
                case 21:
                    SkipStream(r, type);
                    return true;
                default:
                    return false;
            }
        }

        private static void SkipStream(BinaryReader r, byte type)
        {
            var listpacks = Len(r);
            for (long i = 0; i < listpacks; i++) { SkipString(r); SkipString(r); }
            Len(r); Len(r); Len(r);                                   // length, last id
            if (type >= 19) { Len(r); Len(r); Len(r); Len(r); Len(r); } // first id, max deleted id, entries added
            var groups = Len(r);
            for (long g = 0; g < groups; g++)
            {
                SkipString(r);
                Len(r); Len(r);
                if (type >= 19) Len(r);
                var pel = Len(r);
                for (long p = 0; p < pel; p++) { Skip(r, 16); Skip(r, 8); Len(r); }
                var consumers = Len(r);
                for (long c = 0; c < consumers; c++)
                {
                    SkipString(r);
                    Skip(r, 8);
                    if (type >= 21) Skip(r, 8);
                    var cpel = Len(r);
                    Skip(r, 16 * cpel);
                }
            }
        }
    }
}

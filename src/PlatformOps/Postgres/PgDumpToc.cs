using System;
using System.IO;
using System.Text;

namespace PlatformOps.Postgres
{
    /// <summary>
    /// Reads what a Directory-format dump says about itself in its toc.dat (pg_backup_archiver.c's header and table of
    /// contents): the database it was dumped from and the owner of its DATABASE entry, so a manifest's values can be
    /// checked against the dump. Archive versions 1.12 to 1.16 (PostgreSQL 9.6 to 17) are read; others are not.
    /// </summary>
    internal sealed class PgDumpToc
    {
        public string Version { get; private set; } = string.Empty;
        public string? DatabaseName { get; private set; }
        /// <summary>The DATABASE entry's tag (the database) and owner; null when the dump has no such entry.</summary>
        public string? DatabaseEntry { get; private set; }
        public string? DatabaseOwner { get; private set; }

        /// <summary>Reads toc.dat; null when its archive version is one this reader does not know.</summary>
        public static PgDumpToc? Read(string tocPath)
        {
            using var stream = new FileStream(tocPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            var magic = reader.ReadBytes(5);
            if (magic.Length != 5 || Encoding.ASCII.GetString(magic) != "PGDMP") throw new InvalidDataException("toc.dat is not a pg_dump archive (no PGDMP header)");
            int major = reader.ReadByte(), minor = reader.ReadByte();
            reader.ReadByte(); // revision
            var version = major * 100 + minor;
            var toc = new PgDumpToc { Version = major + "." + minor };
            if (version < 112 || version > 116) return null;
            var intSize = reader.ReadByte();
            reader.ReadByte(); // offset size
            reader.ReadByte(); // format
            if (intSize < 1 || intSize > 8) throw new InvalidDataException($"toc.dat has an integer size of {intSize}");
            if (version >= 115) reader.ReadByte(); // compression algorithm
            else ReadInt(reader, intSize);        // compression level
            for (var i = 0; i < 7; i++) ReadInt(reader, intSize); // creation time
            toc.DatabaseName = ReadStr(reader, intSize);
            ReadStr(reader, intSize); // server version
            ReadStr(reader, intSize); // pg_dump version
            var count = ReadInt(reader, intSize);
            if (count < 0 || count > 10_000_000) throw new InvalidDataException($"toc.dat claims {count} entries");
            for (var n = 0; n < count; n++)
            {
                ReadInt(reader, intSize); // dump id
                ReadInt(reader, intSize); // had dumper
                ReadStr(reader, intSize); // table oid
                ReadStr(reader, intSize); // oid
                var tag = ReadStr(reader, intSize);
                var desc = ReadStr(reader, intSize);
                ReadInt(reader, intSize); // section
                ReadStr(reader, intSize); // definition
                ReadStr(reader, intSize); // drop statement
                ReadStr(reader, intSize); // copy statement
                ReadStr(reader, intSize); // namespace
                ReadStr(reader, intSize); // tablespace
                if (version >= 114) ReadStr(reader, intSize); // table access method
                if (version >= 116) ReadInt(reader, intSize); // relkind
                var owner = ReadStr(reader, intSize);
                ReadStr(reader, intSize); // "with oids"
                while (ReadStr(reader, intSize) != null) { } // dependencies, ended by a null string
                ReadStr(reader, intSize); // the Directory format's file name of the entry's data
                if (desc == "DATABASE")
                {
                    toc.DatabaseEntry = tag;
                    toc.DatabaseOwner = owner;
                    break;
                }
            }
            return toc;
        }

        private static long ReadInt(BinaryReader reader, int intSize)
        {
            var negative = reader.ReadByte() != 0;
            long value = 0;
            for (var i = 0; i < intSize; i++) value |= (long)reader.ReadByte() << (8 * i);
            return negative ? -value : value;
        }

        private static string? ReadStr(BinaryReader reader, int intSize)
        {
            var length = ReadInt(reader, intSize);
            if (length < 0) return null;
            if (length > 64 << 20) throw new InvalidDataException($"toc.dat holds a string of {length} bytes");
            var bytes = reader.ReadBytes((int)length);
            if (bytes.Length != length) throw new EndOfStreamException();
            return Encoding.UTF8.GetString(bytes);
        }
    }
}

using System;
using System.Formats.Asn1;
using System.IO;

namespace PlatformOps.Certificates
{
    /// <summary>
    /// DER through System.Formats.Asn1 (AsnReader/AsnWriter with <see cref="AsnEncodingRules.DER"/>): minimal lengths,
    /// no indefinite forms, no trailing bytes. Bytes from a file or a live endpoint are untrusted: every reader here
    /// throws <see cref="AsnContentException"/> (or <see cref="InvalidDataException"/>) on anything else, never an index
    /// or overflow failure, and never allocates what a length octet merely claims.
    /// </summary>
    internal static class Der
    {
        public const AsnEncodingRules Rules = AsnEncodingRules.DER;

        /// <summary>The most a certificate, request or key may weigh; anything larger is refused before it is parsed.</summary>
        public const int MaxLength = 1 << 20;

        public static readonly Asn1Tag Context0 = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        public static readonly Asn1Tag Context1 = new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true);
        public static readonly Asn1Tag Context3 = new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true);

        public static AsnReader Reader(byte[] data)
        {
            if (data.Length > MaxLength) throw new AsnContentException($"{data.Length} bytes is larger than any certificate or key ({MaxLength} at most).");
            return new AsnReader(data, Rules);
        }

        /// <summary>Runs <paramref name="write"/> on a fresh DER writer and returns the encoding.</summary>
        public static byte[] Encode(Action<AsnWriter> write)
        {
            var writer = new AsnWriter(Rules);
            write(writer);
            return writer.Encode();
        }

        /// <summary>Writes a SEQUENCE whose content <paramref name="content"/> writes.</summary>
        public static void Sequence(this AsnWriter writer, Action<AsnWriter> content, Asn1Tag? tag = null)
        {
            using (writer.PushSequence(tag)) content(writer);
        }

        /// <summary>An INTEGER from an unsigned big-endian magnitude (leading zeros dropped; AsnWriter adds the sign octet).</summary>
        public static void WriteUnsignedInteger(this AsnWriter writer, byte[] magnitude)
        {
            var start = 0;
            while (start < magnitude.Length - 1 && magnitude[start] == 0) start++;
            if (magnitude.Length == 0) writer.WriteIntegerUnsigned(new byte[] { 0 });
            else writer.WriteIntegerUnsigned(new ReadOnlySpan<byte>(magnitude, start, magnitude.Length - start));
        }

        /// <summary>An INTEGER's magnitude as unsigned big-endian bytes (the sign octet dropped); negative values are refused.</summary>
        public static byte[] ReadUnsignedInteger(this AsnReader reader)
        {
            var content = reader.ReadIntegerBytes().Span;
            if ((content[0] & 0x80) != 0) throw new AsnContentException("A negative INTEGER where an unsigned one belongs.");
            var start = content.Length > 1 && content[0] == 0 ? 1 : 0;
            return content.Slice(start).ToArray();
        }

        /// <summary>A BIT STRING holding whole octets (keys, signatures).</summary>
        public static byte[] ReadOctetAlignedBits(this AsnReader reader)
        {
            var bits = reader.ReadBitString(out var unused);
            if (unused != 0) throw new AsnContentException("A BIT STRING of keys or signatures must hold whole octets.");
            return bits;
        }

        /// <summary>Reads an AlgorithmIdentifier: the OID and, when it is an OID, the parameter (a named curve).</summary>
        public static (string Oid, string? ParameterOid) ReadAlgorithm(this AsnReader reader)
        {
            var algorithm = reader.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            string? parameter = null;
            if (algorithm.HasData)
            {
                if (algorithm.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier)) parameter = algorithm.ReadObjectIdentifier();
                else algorithm.ReadEncodedValue();
            }
            algorithm.ThrowIfNotEmpty();
            return (oid, parameter);
        }

        /// <summary>A Validity time: UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5).</summary>
        public static void WriteTime(this AsnWriter writer, DateTime value)
        {
            var utc = new DateTimeOffset(DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Utc));
            utc = utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerSecond));
            if (utc.Year < 2050) writer.WriteUtcTime(utc);
            else writer.WriteGeneralizedTime(utc, omitFractionalSeconds: true);
        }

        public static DateTime ReadTime(this AsnReader reader)
        {
            var tag = reader.PeekTag();
            if (tag.HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.UtcTime))) return reader.ReadUtcTime().UtcDateTime;
            if (tag.HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.GeneralizedTime))) return reader.ReadGeneralizedTime().UtcDateTime;
            throw new AsnContentException("A validity time must be UTCTime or GeneralizedTime.");
        }

        /// <summary>A named-bit BIT STRING (keyUsage): bit 0 is the most significant bit; DER drops trailing zero bits.</summary>
        public static void WriteNamedBits(this AsnWriter writer, params int[] bits)
        {
            var highest = -1;
            foreach (var b in bits) highest = Math.Max(highest, b);
            var bytes = new byte[highest / 8 + 1];
            foreach (var b in bits) bytes[b / 8] |= (byte)(0x80 >> (b % 8));
            writer.WriteBitString(highest < 0 ? Array.Empty<byte>() : bytes, highest < 0 ? 0 : 7 - highest % 8);
        }
    }
}

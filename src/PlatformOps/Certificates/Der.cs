using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace PlatformOps.Certificates
{
    /// <summary>
    /// The small part of ASN.1 DER that certificates, requests and keys need, written by hand because .NET Standard 2.0
    /// has no AsnWriter, CertificateRequest or PEM helpers. Every encoder returns a complete TLV.
    /// </summary>
    internal static class Der
    {
        public const byte Boolean = 0x01, Integer = 0x02, BitString = 0x03, OctetString = 0x04, Null = 0x05, Oid = 0x06,
            Utf8String = 0x0C, PrintableString = 0x13, Ia5String = 0x16, UtcTime = 0x17, GeneralizedTime = 0x18,
            Sequence = 0x30, Set = 0x31;

        public static byte[] Tlv(byte tag, byte[] content)
        {
            var length = EncodeLength(content.Length);
            var result = new byte[1 + length.Length + content.Length];
            result[0] = tag;
            Buffer.BlockCopy(length, 0, result, 1, length.Length);
            Buffer.BlockCopy(content, 0, result, 1 + length.Length, content.Length);
            return result;
        }

        public static byte[] Tlv(byte tag, params byte[][] children) => Tlv(tag, Concat(children));

        public static byte[] Seq(params byte[][] children) => Tlv(Sequence, Concat(children));
        public static byte[] Seq(IEnumerable<byte[]> children) => Tlv(Sequence, Concat(children.ToArray()));

        /// <summary>A context-specific constructed tag [n] (EXPLICIT wrapping).</summary>
        public static byte[] Explicit(int n, params byte[][] children) => Tlv((byte)(0xA0 | n), Concat(children));

        public static byte[] Concat(params byte[][] parts)
        {
            var total = 0;
            foreach (var p in parts) total += p.Length;
            var result = new byte[total];
            var offset = 0;
            foreach (var p in parts)
            {
                Buffer.BlockCopy(p, 0, result, offset, p.Length);
                offset += p.Length;
            }
            return result;
        }

        private static byte[] EncodeLength(int length)
        {
            if (length < 0x80) return new[] { (byte)length };
            var bytes = new List<byte>();
            for (var l = length; l > 0; l >>= 8) bytes.Insert(0, (byte)(l & 0xFF));
            bytes.Insert(0, (byte)(0x80 | bytes.Count));
            return bytes.ToArray();
        }

        /// <summary>An INTEGER from an unsigned big-endian magnitude (leading zeros dropped, a 0x00 added when the top bit is set).</summary>
        public static byte[] UnsignedInteger(byte[] magnitude)
        {
            var start = 0;
            while (start < magnitude.Length - 1 && magnitude[start] == 0) start++;
            var trimmed = new byte[magnitude.Length - start];
            Buffer.BlockCopy(magnitude, start, trimmed, 0, trimmed.Length);
            if (trimmed.Length == 0) trimmed = new byte[] { 0 };
            if ((trimmed[0] & 0x80) != 0) trimmed = Concat(new byte[] { 0 }, trimmed);
            return Tlv(Integer, trimmed);
        }

        public static byte[] SmallInteger(int value)
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(value));
            var bytes = new List<byte>();
            do { bytes.Insert(0, (byte)(value & 0xFF)); value >>= 8; } while (value > 0);
            if ((bytes[0] & 0x80) != 0) bytes.Insert(0, 0);
            return Tlv(Integer, bytes.ToArray());
        }

        public static byte[] Bool(bool value) => Tlv(Boolean, new[] { value ? (byte)0xFF : (byte)0x00 });
        public static byte[] NullValue() => new byte[] { Null, 0 };
        public static byte[] Octets(byte[] value) => Tlv(OctetString, value);
        public static byte[] Bits(byte[] value, int unusedBits = 0) => Tlv(BitString, Concat(new[] { (byte)unusedBits }, value));
        public static byte[] Ia5(string value) => Tlv(Ia5String, Encoding.ASCII.GetBytes(value));
        public static byte[] Utf8(string value) => Tlv(Utf8String, Encoding.UTF8.GetBytes(value));

        /// <summary>A named-bit BIT STRING (e.g. keyUsage): bit 0 is the most significant bit; trailing zero bits dropped.</summary>
        public static byte[] NamedBits(params int[] bits)
        {
            if (bits.Length == 0) return Bits(Array.Empty<byte>());
            var highest = bits.Max();
            var bytes = new byte[highest / 8 + 1];
            foreach (var b in bits) bytes[b / 8] |= (byte)(0x80 >> (b % 8));
            var unused = 7 - highest % 8;
            return Bits(bytes, unused);
        }

        public static byte[] ObjectId(string dotted)
        {
            var parts = dotted.Split('.').Select(p => ulong.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            var bytes = new List<byte> { (byte)(parts[0] * 40 + parts[1]) };
            for (var i = 2; i < parts.Length; i++)
            {
                var v = parts[i];
                var chunk = new List<byte> { (byte)(v & 0x7F) };
                v >>= 7;
                while (v > 0) { chunk.Insert(0, (byte)(0x80 | (v & 0x7F))); v >>= 7; }
                bytes.AddRange(chunk);
            }
            return Tlv(Oid, bytes.ToArray());
        }

        public static string DecodeObjectId(byte[] content)
        {
            if (content.Length == 0) return string.Empty;
            var sb = new StringBuilder();
            sb.Append(content[0] / 40).Append('.').Append(content[0] % 40);
            ulong v = 0;
            for (var i = 1; i < content.Length; i++)
            {
                v = (v << 7) | (uint)(content[i] & 0x7F);
                if ((content[i] & 0x80) == 0)
                {
                    sb.Append('.').Append(v.ToString(CultureInfo.InvariantCulture));
                    v = 0;
                }
            }
            return sb.ToString();
        }

        /// <summary>UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5).</summary>
        public static byte[] Time(DateTime value)
        {
            var utc = value.ToUniversalTime();
            return utc.Year < 2050
                ? Tlv(UtcTime, Encoding.ASCII.GetBytes(utc.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture) + "Z"))
                : Tlv(GeneralizedTime, Encoding.ASCII.GetBytes(utc.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "Z"));
        }
    }

    /// <summary>One decoded TLV: its tag, its content, and the whole encoding (for signatures over exact bytes).</summary>
    internal sealed class DerElement
    {
        public DerElement(byte tag, byte[] content, byte[] encoded)
        {
            Tag = tag;
            Content = content;
            Encoded = encoded;
        }

        public byte Tag { get; }
        public byte[] Content { get; }
        public byte[] Encoded { get; }
        public bool IsConstructed => (Tag & 0x20) != 0;

        public IReadOnlyList<DerElement> Children() => DerReader.ReadAll(Content);

        /// <summary>An INTEGER's magnitude as unsigned big-endian bytes (the sign byte dropped).</summary>
        public byte[] UnsignedInteger()
        {
            var c = Content;
            var start = 0;
            while (start < c.Length - 1 && c[start] == 0) start++;
            var result = new byte[c.Length - start];
            Buffer.BlockCopy(c, start, result, 0, result.Length);
            return result;
        }

        public string ObjectId() => Der.DecodeObjectId(Content);

        /// <summary>A BIT STRING's bytes without the unused-bits octet.</summary>
        public byte[] BitStringBytes()
        {
            if (Content.Length == 0) return Content;
            var result = new byte[Content.Length - 1];
            Buffer.BlockCopy(Content, 1, result, 0, result.Length);
            return result;
        }
    }

    internal static class DerReader
    {
        public static DerElement Read(byte[] data)
        {
            var offset = 0;
            var element = ReadOne(data, ref offset);
            return element;
        }

        public static IReadOnlyList<DerElement> ReadAll(byte[] data)
        {
            var list = new List<DerElement>();
            var offset = 0;
            while (offset < data.Length) list.Add(ReadOne(data, ref offset));
            return list;
        }

        private static DerElement ReadOne(byte[] data, ref int offset)
        {
            var start = offset;
            if (offset + 2 > data.Length) throw new InvalidDataException("Truncated DER element.");
            var tag = data[offset++];
            if ((tag & 0x1F) == 0x1F) throw new InvalidDataException("Multi-byte DER tags are not supported.");
            int length = data[offset++];
            if ((length & 0x80) != 0)
            {
                var count = length & 0x7F;
                if (count == 0 || count > 4) throw new InvalidDataException("Unsupported DER length.");
                length = 0;
                for (var i = 0; i < count; i++)
                {
                    if (offset >= data.Length) throw new InvalidDataException("Truncated DER length.");
                    length = (length << 8) | data[offset++];
                }
                if (length < 0) throw new InvalidDataException("Invalid DER length.");
            }
            if (offset + length > data.Length) throw new InvalidDataException("Truncated DER content.");
            var content = new byte[length];
            Buffer.BlockCopy(data, offset, content, 0, length);
            offset += length;
            var encoded = new byte[offset - start];
            Buffer.BlockCopy(data, start, encoded, 0, encoded.Length);
            return new DerElement(tag, content, encoded);
        }
    }
}

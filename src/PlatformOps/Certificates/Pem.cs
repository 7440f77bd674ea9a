using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace PlatformOps.Certificates
{
    /// <summary>One PEM block: its label (CERTIFICATE, PRIVATE KEY, ...) and its DER bytes.</summary>
    internal sealed class PemBlock
    {
        public PemBlock(string label, byte[] data, bool legacyEncrypted)
        {
            Label = label;
            Data = data;
            LegacyEncrypted = legacyEncrypted;
        }

        public string Label { get; }
        public byte[] Data { get; }
        /// <summary>An OpenSSL traditional key with a Proc-Type: 4,ENCRYPTED header.</summary>
        public bool LegacyEncrypted { get; }
    }

    /// <summary>PEM encoding (RFC 7468), which .NET Standard 2.0 lacks.</summary>
    internal static class Pem
    {
        private static readonly Regex Block = new Regex(
            @"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", RegexOptions.Singleline | RegexOptions.CultureInvariant | RegexOptions.Compiled);

        public static string Encode(string label, byte[] der)
        {
            var base64 = Convert.ToBase64String(der);
            var sb = new StringBuilder();
            sb.Append("-----BEGIN ").Append(label).Append("-----\n");
            for (var i = 0; i < base64.Length; i += 64)
                sb.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
            sb.Append("-----END ").Append(label).Append("-----\n");
            return sb.ToString();
        }

        public static IReadOnlyList<PemBlock> Decode(string text)
        {
            var blocks = new List<PemBlock>();
            foreach (Match m in Block.Matches(text))
            {
                var body = m.Groups[2].Value;
                var encrypted = body.IndexOf("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal) >= 0;
                var sb = new StringBuilder();
                foreach (var rawLine in body.Split('\n'))
                {
                    var line = rawLine.Trim();
                    if (line.Length == 0 || line.IndexOf(':') >= 0) continue;   // headers (Proc-Type, DEK-Info)
                    sb.Append(line);
                }
                byte[] data;
                try
                {
                    data = Convert.FromBase64String(sb.ToString());
                }
                catch (FormatException)
                {
                    continue;
                }
                blocks.Add(new PemBlock(m.Groups[1].Value, data, encrypted));
            }
            return blocks;
        }

        public static bool LooksLikePem(byte[] data)
        {
            var head = Encoding.ASCII.GetString(data, 0, Math.Min(data.Length, 4096));
            return head.IndexOf("-----BEGIN ", StringComparison.Ordinal) >= 0;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using PlatformOps.Certificates;
using PlatformOps.Common;
using Xunit;

namespace PlatformOps.Tests.Certificates
{
    /// <summary>
    /// A certificate from a live endpoint is untrusted input: whatever bytes arrive, reading them ends in a
    /// PlatformCertificateMalformed error (or a certificate), never an index, overflow or out-of-memory failure,
    /// and in bounded time and memory. The real certificate is made by OpenSSL, the outside judge.
    /// </summary>
    public sealed class MalformedCertificateTests : IDisposable
    {
        private readonly string _dir = Tool.TempFolder("po-malformed");
        private readonly byte[] _der;

        public MalformedCertificateTests()
        {
            var key = Path.Combine(_dir, "k.pem");
            var crt = Path.Combine(_dir, "c.der");
            Tool.OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", "/CN=fuzz/O=PlatformOps",
                "-addext", "subjectAltName=DNS:fuzz.test,IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE",
                "-keyout", key, "-outform", "DER", "-out", crt);
            _der = File.ReadAllBytes(crt);
        }

        public void Dispose()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { }
        }

        private static void AssertMalformed(byte[] der, string what)
        {
            var ex = Record(der);
            Assert.True(ex is PlatformOpsException, $"{what}: expected PlatformCertificateMalformed, got {(ex == null ? "a certificate" : ex.GetType().Name + ": " + ex.Message)}");
            Assert.Equal("PlatformCertificateMalformed", ((PlatformOpsException)ex!).ErrorId);
        }

        private static Exception? Record(byte[] der)
        {
            try
            {
                CertificateReader.FromDer(der, "fuzz");
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }

        [Fact]
        public void The_real_certificate_reads_as_OpenSSL_made_it()
        {
            var cert = CertificateReader.FromDer(_der, "openssl");
            Assert.Equal("O=PlatformOps, CN=fuzz", cert.Subject);
            Assert.Equal(new[] { "fuzz.test" }, cert.DnsNames);
            Assert.Equal(new[] { "127.0.0.1" }, cert.IPAddresses);
            Assert.True(cert.IsSelfSigned);
            Assert.Equal("ECDSA", cert.KeyAlgorithm);
            Assert.Equal(256, cert.KeySize);
        }

        [Fact]
        public void Every_truncation_is_a_clean_malformed_error()
        {
            for (var length = 0; length < _der.Length; length++)
                AssertMalformed(_der.Take(length).ToArray(), $"the first {length} of {_der.Length} bytes");
        }

        [Fact]
        public void Trailing_bytes_after_the_certificate_are_malformed()
        {
            AssertMalformed(_der.Concat(new byte[] { 0x05, 0x00 }).ToArray(), "two trailing bytes");
        }

        [Fact]
        public void A_non_minimal_length_is_refused_as_DER_requires()
        {
            // The outer SEQUENCE is 30 82 HH LL; write the same length with a needless leading zero octet: 30 83 00 HH LL.
            Assert.Equal(0x30, _der[0]);
            Assert.Equal(0x82, _der[1]);
            var overlong = new byte[] { 0x30, 0x83, 0x00, _der[2], _der[3] }.Concat(_der.Skip(4)).ToArray();
            AssertMalformed(overlong, "a length in three octets where two suffice");
            // The TBSCertificate inside, also 30 82 HH LL, as 30 84 00 00 HH LL.
            var inner = _der.Skip(4).ToArray();
            Assert.Equal(0x82, inner[1]);
            var body = new byte[] { 0x30, 0x84, 0x00, 0x00, inner[2], inner[3] }.Concat(inner.Skip(4)).ToArray();
            var outerLength = body.Length;
            AssertMalformed(new byte[] { 0x30, 0x82, (byte)(outerLength >> 8), (byte)outerLength }.Concat(body).ToArray(), "an inner length with two needless zeros");
            // A short length written in long form: 30 81 05 ...
            AssertMalformed(new byte[] { 0x30, 0x81, 0x03, 0x02, 0x01, 0x01 }, "a length under 128 in long form");
        }

        [Fact]
        public void Huge_and_impossible_lengths_are_refused_without_allocating_them()
        {
            var cases = new List<(string, byte[])>
            {
                ("outer 0x7FFFFFF0", new byte[] { 0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xF0 }.Concat(_der.Skip(4)).ToArray()),
                ("outer 0xFFFFFFFF", new byte[] { 0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF }.Concat(_der.Skip(4)).ToArray()),
                ("outer eight length octets", new byte[] { 0x30, 0x88, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF }.Concat(_der.Skip(4)).ToArray()),
                ("indefinite length", new byte[] { 0x30, 0x80 }.Concat(_der.Skip(4)).Concat(new byte[] { 0, 0 }).ToArray()),
                ("tbs 0x7FFFFFFF", _der.Take(4).Concat(new byte[] { 0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF }).Concat(_der.Skip(8)).ToArray()),
                ("empty", Array.Empty<byte>()),
                ("one byte", new byte[] { 0x30 }),
            };
            foreach (var (what, bytes) in cases)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var clock = Stopwatch.StartNew();
                AssertMalformed(bytes, what);
                Assert.True(clock.ElapsedMilliseconds < 1000, $"{what}: {clock.ElapsedMilliseconds} ms");
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated < 8 << 20, $"{what}: allocated {allocated} bytes");
            }
        }

        [Fact]
        public void Ten_thousand_random_mutations_of_a_real_certificate_each_end_cleanly()
        {
            var random = new Random(9);   // fixed seed: a failure is reproducible
            var failures = new List<string>();
            var clock = Stopwatch.StartNew();
            var slowest = TimeSpan.Zero;
            var parsed = 0;
            for (var i = 0; i < 10_000; i++)
            {
                var mutant = Mutate(_der, random);
                var one = Stopwatch.StartNew();
                var ex = Record(mutant);
                if (one.Elapsed > slowest) slowest = one.Elapsed;
                if (ex == null) parsed++;
                else if (!(ex is PlatformOpsException p && p.ErrorId == "PlatformCertificateMalformed"))
                    failures.Add($"#{i}: {ex.GetType().Name}: {ex.Message} [{Convert.ToHexString(mutant.Take(24).ToArray())}...]");
            }
            Assert.True(failures.Count == 0, $"{failures.Count} of 10000 mutations ended uncleanly; first: " + string.Join(" | ", failures.Take(5)));
            Assert.True(slowest < TimeSpan.FromSeconds(1), $"the slowest mutation took {slowest}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"10000 mutations took {clock.Elapsed}");
            Assert.True(parsed < 10_000, "some mutations must have been refused");
        }

        /// <summary>One to four edits: bit flips, random bytes, length octets rewritten, cuts, insertions.</summary>
        private static byte[] Mutate(byte[] original, Random random)
        {
            var data = original.ToList();
            var edits = random.Next(1, 5);
            for (var e = 0; e < edits && data.Count > 0; e++)
            {
                var at = random.Next(data.Count);
                switch (random.Next(7))
                {
                    case 0: data[at] ^= (byte)(1 << random.Next(8)); break;
                    case 1: data[at] = (byte)random.Next(256); break;
                    case 2: data[at] = (byte)(0x80 | random.Next(1, 9)); break;                       // a long-form length header
                    case 3: data[at] = 0xFF; if (at + 1 < data.Count) data[at + 1] = 0xFF; break;
                    case 4: data.RemoveRange(at, Math.Min(data.Count - at, random.Next(1, 16))); break;
                    case 5: data.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256))); break;
                    default: data.RemoveRange(at, data.Count - at); break;
                }
            }
            return data.ToArray();
        }
    }
}

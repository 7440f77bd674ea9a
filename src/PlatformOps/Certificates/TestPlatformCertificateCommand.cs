using System;
using System.IO;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>
    /// Gives a certificate a verdict (Pass, Warn, Fail) with reasons: expired or expiring, an issuer chain that does not
    /// reach a trusted CA (the system store, or -CaPath), key mismatch, key file readable by others, host names missing
    /// from the SANs, served certificate different from the file, weak key or signature.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "PlatformCertificate", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PlatformCertificateTest))]
    public sealed class TestPlatformCertificateCommand : PlatformCmdlet
    {
        private const string PathSet = "Path";
        private const string CertificateSet = "Certificate";

        [Parameter(ParameterSetName = PathSet, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? KeyPath { get; set; }

        [Parameter(ParameterSetName = CertificateSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PlatformCertificate? Certificate { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        [Alias("ComputerName")]
        [ValidateNotNullOrEmpty]
        public string? Server { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        public TlsProtocolKind Protocol { get; set; } = TlsProtocolKind.Auto;

        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string? ServerName { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? HostName { get; set; }

        [Parameter]
        [ValidateRange(0, 3650)]
        public int WarningDays { get; set; } = 30;

        [Parameter]
        [ValidateRange(1024, 16384)]
        public int MinimumRsaKeySize { get; set; } = 2048;

        [Parameter(ParameterSetName = PathSet)]
        [ValidateRange(1, 300)]
        public int TimeoutSec { get; set; } = 10;

        /// <summary>The CA certificate file(s) to judge the issuer chain against, instead of the system trust store.</summary>
        [Parameter]
        [Alias("CaFile", "AuthorityPath")]
        [ValidateNotNullOrEmpty]
        public string[]? CaPath { get; set; }

        private bool _sawInput;
        private TrustAnchors? _trust;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (CaPath == null) return;
            try
            {
                _trust = TrustAnchors.Load(System.Linq.Enumerable.Select(CaPath, p => GetUnresolvedProviderPathFromPSPath(p)));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }

        /// <summary>Returns only $true (every result passed) or $false, for gates: if (-not (... -Quiet)) { exit 1 }.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == CertificateSet)
            {
                _sawInput = true;
                Emit(Certificate!.Path != null ? Certificate : null, Certificate.Path == null ? Certificate : null, Certificate.Source);
                return;
            }
            if (Path == null) return;
            _sawInput = true;
            TestPathAndServer(Path);
        }

        protected override void EndProcessing()
        {
            if (!_sawInput)
            {
                if (Server != null) TestPathAndServer(null);
                else TestPathAndServer(System.IO.Path.Combine("ssl", "certificate.crt"));
            }
            WriteQuietVerdict(Quiet);
        }

        private void TestPathAndServer(string? path)
        {
            PlatformCertificate? file = null;
            PlatformCertificate? served = null;
            var target = path ?? Server!;
            try
            {
                if (path != null)
                {
                    var full = GetUnresolvedProviderPathFromPSPath(path);
                    target = full;
                    file = CertificateReader.ReadFile(full, KeyPath == null ? null : GetUnresolvedProviderPathFromPSPath(KeyPath));
                }
                if (Server != null)
                {
                    var (host, port, kind) = ServedCertificateReader.Locate(Server, Port, Protocol, EffectiveProfile);
                    WriteVerbose($"Reading the certificate served at {host}:{port} ({kind}).");
                    served = Await(ct => ServedCertificateReader.ReadAsync(host, port, kind, ServerName, TimeSpan.FromSeconds(TimeoutSec), ct));
                }
            }
            catch (PlatformOpsException ex)
            {
                Report(ex);
                return;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.Cryptography.CryptographicException)
            {
                Report("PlatformCertificateUnreadable", ErrorCategory.ReadError, target, $"Cannot read '{target}': {PlatformErrors.Reason(ex)}", ex);
                return;
            }
            Emit(file, served, target);
        }

        private void Emit(PlatformCertificate? file, PlatformCertificate? served, string target)
        {
            var options = new CertificateTestOptions { WarningDays = WarningDays, MinimumRsaKeySize = MinimumRsaKeySize, Trust = _trust ?? TrustAnchors.SystemStore };
            if (HostName != null) foreach (var h in HostName) options.HostNames.Add(h);
            var result = CertificateTester.Test(file, served, options);
            foreach (var check in result.Checks) WriteVerbose(check.ToString());
            WriteResult(result, result.Status != Verdict.Fail, Quiet);
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>The parameters every cmdlet that makes a key shares: the algorithm, its size, and -Force to replace files.</summary>
    public abstract class NewCertificateCmdlet : PlatformCmdlet
    {
        /// <summary>RSA (default) or ECDSA.</summary>
        [Parameter]
        public CertificateKeyAlgorithm KeyAlgorithm { get; set; } = CertificateKeyAlgorithm.RSA;

        /// <summary>2048, 3072, 4096 for RSA (default 4096); 256 (default) or 384 for ECDSA.</summary>
        [Parameter]
        [ValidateSet("2048", "3072", "4096", "256", "384")]
        public int? KeySize { get; set; }

        /// <summary>Replace existing files.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }
    }

    /// <summary>
    /// Creates a TLS key and certificate as PEM (certificate.crt, key.pem with mode 0600): self-signed, or signed by a local
    /// CA with -Authority. RSA 4096 for 365 days unless told otherwise.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "PlatformCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PlatformCertificate))]
    public sealed class NewPlatformCertificateCommand : NewCertificateCmdlet
    {
        /// <summary>The folder to write into. Default: ssl under the current location.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "ssl";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? DnsName { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? IPAddress { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Subject { get; set; }

        [Parameter]
        [Alias("Days")]
        [ValidateRange(1, 36500)]
        public int ValidityDays { get; set; } = 365;

        [Parameter]
        public DateTime? NotBefore { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [CertificatePathTransformation]
        public string? Authority { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AuthorityKeyPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string CertificateFileName { get; set; } = "certificate.crt";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string KeyFileName { get; set; } = "key.pem";

        protected override void EndProcessing()
        {
            try
            {
                var (dns, ips) = CertificateBuilder.SplitNames(DnsName, IPAddress);
                if (DnsName == null && IPAddress == null)
                {
                    dns.Add("localhost");
                    ips.Add(System.Net.IPAddress.Loopback);
                }
                var options = new NewCertificateOptions
                {
                    Folder = GetUnresolvedProviderPathFromPSPath(Path),
                    CertificateFileName = CertificateFileName,
                    KeyFileName = KeyFileName,
                    Subject = Subject ?? "CN=" + (dns.FirstOrDefault() ?? ips.First().ToString()),
                    DnsNames = dns,
                    IPAddresses = ips,
                    Algorithm = KeyAlgorithm,
                    KeySize = KeySize ?? CertificateFactory.DefaultKeySize(KeyAlgorithm),
                    ValidityDays = ValidityDays,
                    NotBefore = NotBefore,
                    Force = Force,
                    AuthorityCertificatePath = Authority == null ? null : GetUnresolvedProviderPathFromPSPath(Authority),
                    AuthorityKeyPath = AuthorityKeyPath == null ? null : GetUnresolvedProviderPathFromPSPath(AuthorityKeyPath),
                };
                var existing = CertificateFactory.Existing(options.KeyPath, options.CertificatePath);
                var action = existing.Count > 0 && Force
                    ? $"Replace the key and certificate ({options.Subject}, {KeyAlgorithm} {options.KeySize}, {ValidityDays} days)"
                    : $"Create a key and certificate ({options.Subject}, {KeyAlgorithm} {options.KeySize}, {ValidityDays} days, " +
                      (Authority == null ? "self-signed)" : "signed by " + options.AuthorityCertificatePath + ")");
                if (!ShouldProcess(System.IO.Path.Combine(options.Folder, "{" + CertificateFileName + "," + KeyFileName + "}"), action)) return;
                WriteVerbose($"Generating a {KeyAlgorithm} {options.KeySize}-bit key; the key file is created with mode 0600.");
                WriteObject(CertificateFactory.Create(options));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }

    /// <summary>Creates a local certificate authority (ca.crt, ca-key.pem) that New-PlatformCertificate -Authority signs with.</summary>
    [Cmdlet(VerbsCommon.New, "PlatformCertificateAuthority", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PlatformCertificate))]
    public sealed class NewPlatformCertificateAuthorityCommand : NewCertificateCmdlet
    {
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = System.IO.Path.Combine("ssl", "ca");

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Subject { get; set; } = "CN=PlatformOps Local CA";

        [Parameter]
        [Alias("Days")]
        [ValidateRange(1, 36500)]
        public int ValidityDays { get; set; } = 3650;

        [Parameter]
        public DateTime? NotBefore { get; set; }

        protected override void EndProcessing()
        {
            try
            {
                var options = new NewCertificateOptions
                {
                    Folder = GetUnresolvedProviderPathFromPSPath(Path),
                    CertificateFileName = "ca.crt",
                    KeyFileName = "ca-key.pem",
                    Subject = Subject,
                    Algorithm = KeyAlgorithm,
                    KeySize = KeySize ?? CertificateFactory.DefaultKeySize(KeyAlgorithm),
                    ValidityDays = ValidityDays,
                    NotBefore = NotBefore,
                    Force = Force,
                    IsAuthority = true,
                };
                var existing = CertificateFactory.Existing(options.KeyPath, options.CertificatePath);
                var verb = existing.Count > 0 && Force ? "Replace" : "Create";
                if (!ShouldProcess(options.Folder, $"{verb} the local certificate authority '{Subject}' ({KeyAlgorithm} {options.KeySize}, {ValidityDays} days)")) return;
                WriteObject(CertificateFactory.Create(options));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }

    /// <summary>Writes a PKCS#10 certificate signing request (and a new key, unless -KeyPath names one) for a production CA.</summary>
    [Cmdlet(VerbsCommon.New, "PlatformCertificateRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PlatformCertificateRequest))]
    public sealed class NewPlatformCertificateRequestCommand : NewCertificateCmdlet
    {
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "ssl";

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string[] DnsName { get; set; } = Array.Empty<string>();

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? IPAddress { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Subject { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KeyPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string RequestFileName { get; set; } = "request.csr";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string KeyFileName { get; set; } = "key.pem";

        protected override void EndProcessing()
        {
            try
            {
                var (dns, ips) = CertificateBuilder.SplitNames(DnsName, IPAddress);
                var folder = GetUnresolvedProviderPathFromPSPath(Path);
                var options = new NewCertificateOptions
                {
                    Folder = folder,
                    KeyFileName = KeyFileName,
                    Subject = Subject ?? "CN=" + (dns.FirstOrDefault() ?? ips.First().ToString()),
                    DnsNames = dns,
                    IPAddresses = ips,
                    Algorithm = KeyAlgorithm,
                    KeySize = KeySize ?? CertificateFactory.DefaultKeySize(KeyAlgorithm),
                    Force = Force,
                };
                var requestPath = System.IO.Path.Combine(folder, RequestFileName);
                var existingKey = KeyPath == null ? null : GetUnresolvedProviderPathFromPSPath(KeyPath);
                if (existingKey != null && !File.Exists(existingKey))
                    Fail("PlatformCertificateKeyNotFound", ErrorCategory.ObjectNotFound, KeyPath, $"The key '{existingKey}' does not exist. Omit -KeyPath to create a new key.");
                var what = existingKey == null ? $"a new {KeyAlgorithm} {options.KeySize} key and a request" : $"a request signed by {existingKey}";
                if (!ShouldProcess(requestPath, $"Write {what} for '{options.Subject}'")) return;
                WriteObject(CertificateFactory.CreateRequest(options, requestPath, existingKey));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }
    }
}

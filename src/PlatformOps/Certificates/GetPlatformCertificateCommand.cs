using System;
using System.IO;
using System.Management.Automation;
using PlatformOps.Common;

namespace PlatformOps.Certificates
{
    /// <summary>Reads a certificate from a file (with its key's match and mode) or the one a live TLS endpoint serves.</summary>
    [Cmdlet(VerbsCommon.Get, "PlatformCertificate", DefaultParameterSetName = FileSet)]
    [OutputType(typeof(PlatformCertificate))]
    public sealed class GetPlatformCertificateCommand : PlatformCmdlet
    {
        private const string FileSet = "File";
        private const string EndpointSet = "Endpoint";

        [Parameter(ParameterSetName = FileSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = { System.IO.Path.Combine("ssl", "certificate.crt") };

        [Parameter(ParameterSetName = FileSet)]
        [ValidateNotNullOrEmpty]
        public string? KeyPath { get; set; }

        [Parameter(ParameterSetName = EndpointSet, Mandatory = true)]
        [Alias("ComputerName", "HostName")]
        [ValidateNotNullOrEmpty]
        public string Server { get; set; } = string.Empty;

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        public TlsProtocolKind Protocol { get; set; } = TlsProtocolKind.Auto;

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateNotNullOrEmpty]
        public string? ServerName { get; set; }

        [Parameter(ParameterSetName = EndpointSet)]
        [ValidateRange(1, 300)]
        public int TimeoutSec { get; set; } = 10;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == EndpointSet) return;
            foreach (var item in Path)
            {
                var resolved = ResolveFiles(item);
                foreach (var file in resolved)
                {
                    try
                    {
                        WriteObject(CertificateReader.ReadFile(file, KeyPath == null ? null : GetUnresolvedProviderPathFromPSPath(KeyPath)));
                    }
                    catch (PlatformOpsException ex)
                    {
                        Report(ex);
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.Cryptography.CryptographicException)
                    {
                        Report("PlatformCertificateUnreadable", ErrorCategory.ReadError, file, $"Cannot read '{file}': {PlatformErrors.Reason(ex)}", ex);
                    }
                }
            }
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName != EndpointSet) return;
            try
            {
                var (host, port, kind) = ServedCertificateReader.Locate(Server, Port, Protocol, EffectiveProfile);
                WriteVerbose($"Reading the certificate served at {host}:{port} ({kind}).");
                WriteObject(Await(ct => ServedCertificateReader.ReadAsync(host, port, kind, ServerName, TimeSpan.FromSeconds(TimeoutSec), ct)));
            }
            catch (PlatformOpsException ex)
            {
                Fail(ex);
            }
        }

        private string[] ResolveFiles(string item)
        {
            if (WildcardPattern.ContainsWildcardCharacters(item))
            {
                try
                {
                    var paths = GetResolvedProviderPathFromPSPath(item, out _);
                    return System.Linq.Enumerable.ToArray(paths);
                }
                catch (ItemNotFoundException)
                {
                    return Array.Empty<string>();
                }
            }
            return new[] { GetUnresolvedProviderPathFromPSPath(item) };
        }
    }
}

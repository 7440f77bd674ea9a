using System.Management.Automation;

namespace PlatformOps.Certificates
{
    /// <summary>Lets -Authority take a path or the object New-PlatformCertificateAuthority / Get-PlatformCertificate wrote.</summary>
    public sealed class CertificatePathTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            return value switch
            {
                PlatformCertificate cert when cert.Path != null => cert.Path,
                PlatformCertificate cert => throw new ArgumentTransformationMetadataException(
                    $"The certificate '{cert.Subject}' was read from {cert.Source}, not from a file; give the CA certificate's path."),
                System.IO.FileSystemInfo info => info.FullName,
                _ => inputData,
            };
        }
    }
}

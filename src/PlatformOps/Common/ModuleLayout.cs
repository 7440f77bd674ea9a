using System.IO;

namespace PlatformOps.Common
{
    /// <summary>
    /// Where the installed module's files are. The built module keeps PlatformOps.dll and its dependencies in bin/
    /// (PowerShell 7 loads that folder into the module's own load context) and the manifest, the acceptance suite
    /// and the runbooks one level up; a bare build output (xUnit) has everything in one folder.
    /// </summary>
    internal static class ModuleLayout
    {
        private static string? _root;

        /// <summary>The folder of PlatformOps.dll.</summary>
        public static string AssemblyFolder => Path.GetDirectoryName(typeof(ModuleLayout).Assembly.Location) ?? ".";

        /// <summary>The module's folder: the one that holds PlatformOps.psd1 (the parent of bin/), else the assembly's.</summary>
        public static string Root => _root ??= FindRoot(AssemblyFolder);

        /// <summary>The manifest to import in a child pwsh, else the assembly itself.</summary>
        public static string ImportPath
        {
            get
            {
                var manifest = Path.Combine(Root, "PlatformOps.psd1");
                return File.Exists(manifest) ? manifest : typeof(ModuleLayout).Assembly.Location;
            }
        }

        internal static string FindRoot(string assemblyFolder)
        {
            if (File.Exists(Path.Combine(assemblyFolder, "PlatformOps.psd1"))) return assemblyFolder;
            var parent = Path.GetDirectoryName(assemblyFolder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
            if (parent != null && File.Exists(Path.Combine(parent, "PlatformOps.psd1"))) return parent;
            return assemblyFolder;
        }
    }
}

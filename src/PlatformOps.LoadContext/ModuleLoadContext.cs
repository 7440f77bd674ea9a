using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace PlatformOps.LoadContext
{
    /// <summary>
    /// The private load context of PlatformOps on PowerShell 7: PlatformOps.dll and every dependency shipped in the
    /// module's bin folder load here, not in the default context, so a module that brought another Npgsql (or
    /// StackExchange.Redis, Docker.DotNet, ...) before or after us keeps its own and we keep ours.
    /// Framework assemblies (System.*, netstandard, Microsoft.Win32.*, System.Management.Automation and the rest of
    /// the host's trusted platform assemblies) are left to the default context whenever it has the version asked for:
    /// a package's netstandard2.0 System.Memory loaded here would make a second Span&lt;T&gt;, and a second
    /// System.Management.Automation would make cmdlets PowerShell cannot see.
    /// </summary>
    public sealed class ModuleLoadContext : AssemblyLoadContext
    {
        private static readonly object Sync = new object();
        private static ModuleLoadContext? _instance;

        private readonly string _folder;
        private readonly Dictionary<string, string> _platformAssemblies;
        private readonly Assembly _moduleAssembly;

        private ModuleLoadContext(string moduleAssemblyPath)
            : base("PlatformOps", isCollectible: false)
        {
            _folder = Path.GetDirectoryName(moduleAssemblyPath) ?? ".";
            _platformAssemblies = TrustedPlatformAssemblies();
            _moduleAssembly = LoadFromAssemblyPath(moduleAssemblyPath);
        }

        /// <summary>The folder the private assemblies come from.</summary>
        public string Folder => _folder;

        /// <summary>
        /// Creates the context once per process (later calls, from another runspace or a re-import, get the same
        /// one) and returns PlatformOps.dll loaded in it, for Import-Module -Assembly.
        /// </summary>
        public static Assembly Initialize(string moduleAssemblyPath)
        {
            if (string.IsNullOrEmpty(moduleAssemblyPath)) throw new ArgumentException("The path of PlatformOps.dll is required.", nameof(moduleAssemblyPath));
            lock (Sync)
            {
                _instance ??= new ModuleLoadContext(Path.GetFullPath(moduleAssemblyPath));
                return _instance._moduleAssembly;
            }
        }

        /// <summary>The context once initialized, else null.</summary>
        public static ModuleLoadContext? Instance
        {
            get { lock (Sync) return _instance; }
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var name = assemblyName.Name;
            if (string.IsNullOrEmpty(name)) return null;
            if (IsFramework(name, assemblyName.Version)) return null;
            var path = Path.Combine(_folder, name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        /// <summary>
        /// True when the default context should give this assembly: the host's own copy of it is at least the
        /// version asked for. A dependency the host does not have, or has only in an older version, loads privately.
        /// </summary>
        private bool IsFramework(string name, Version? requested)
        {
            if (string.Equals(name, "System.Management.Automation", StringComparison.OrdinalIgnoreCase)) return true;
            if (!_platformAssemblies.TryGetValue(name, out var path)) return false;
            if (requested == null) return true;
            try
            {
                var available = AssemblyName.GetAssemblyName(path).Version;
                return available != null && available >= requested;
            }
            catch (Exception ex) when (ex is IOException || ex is BadImageFormatException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        private static Dictionary<string, string> TrustedPlatformAssemblies()
        {
            var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
            {
                foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                {
                    var file = Path.GetFileNameWithoutExtension(path);
                    if (!map.ContainsKey(file)) map[file] = path;
                }
            }
            return map;
        }
    }
}

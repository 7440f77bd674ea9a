using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Architecture
{
    /// <summary>
    /// The rooms of the house (the folders under src/PlatformOps) must not import each other in a circle, and the
    /// readiness room uses other rooms' engines, never their cmdlet classes. Edges are read from the source by the C#
    /// compiler itself: every `using PlatformOps.X`, every qualified name (PlatformOps.X.Y, or X.Y from inside
    /// PlatformOps.*), and every name that binds to a type or member declared in another folder.
    /// </summary>
    public sealed class RoomDependencyTests
    {
        private static readonly Lazy<RoomGraph> House = new Lazy<RoomGraph>(() => RoomGraph.Read(SourceFiles()));

        private static IEnumerable<(string Path, string Text)> SourceFiles()
        {
            var root = Path.Combine(Lab.RepositoryRoot, "src", "PlatformOps");
            var sep = Path.DirectorySeparatorChar;
            return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{sep}bin{sep}", StringComparison.Ordinal) && !f.Contains($"{sep}obj{sep}", StringComparison.Ordinal))
                .Select(f => (Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText(f)));
        }

        /// <summary>Circles tolerated as a ratchet: none since issue 10 broke the last one (Backup/Postgres/Roles/Wal).</summary>
        private static readonly string[][] KnownCircles = Array.Empty<string[]>();

        [Fact]
        public void No_two_rooms_import_each_other_directly_or_through_others()
        {
            var graph = House.Value;
            var circles = graph.Circles().Select(c => c.OrderBy(r => r, StringComparer.Ordinal).ToArray()).ToList();
            var known = KnownCircles.Select(c => string.Join(",", c)).ToHashSet(StringComparer.Ordinal);
            var found = circles.Select(c => string.Join(",", c)).ToHashSet(StringComparer.Ordinal);
            var fresh = circles.Where(c => !known.Contains(string.Join(",", c))).ToList();
            Assert.True(fresh.Count == 0, "Rooms that import each other in a circle (move what both need to the room it belongs to, or to Common/):\n"
                + string.Join("\n\n", fresh.Select(graph.Describe)));
            var gone = known.Where(k => !found.Contains(k)).ToList();
            Assert.True(gone.Count == 0, $"The known circle(s) {string.Join("; ", gone)} changed or are gone: narrow or remove them in {nameof(KnownCircles)}. Circles now:\n"
                + string.Join("\n\n", circles.Select(graph.Describe)));
        }

        [Fact]
        public void The_house_has_the_rooms_and_edges_the_check_relies_on()
        {
            // A guard against a check that reads nothing: the rooms are found and the well-known edges are seen.
            var graph = House.Value;
            foreach (var room in new[] { "Backup", "Certificates", "Common", "Health", "Readiness", "Redis", "Secrets", "Services", "Wal" })
                Assert.Contains(room, graph.Rooms);
            Assert.True(graph.Has("Backup", "Common"), "Backup -> Common is not seen");
            Assert.True(graph.Has("Backup", "Redis"), "Backup -> Redis is not seen");
            Assert.True(graph.Has("Health", "Services"), "Health -> Services is not seen");
            Assert.True(graph.Has("Readiness", "Certificates"), "Readiness -> Certificates is not seen");
        }

        [Fact]
        public void Readiness_uses_other_rooms_engines_not_their_cmdlets()
        {
            var uses = House.Value.CmdletUses.Where(u => u.From == "Readiness" && u.To != "Readiness" && u.To != "Common").ToList();
            Assert.True(uses.Count == 0, "Readiness uses cmdlet classes of other rooms (move the logic into an engine both call):\n"
                + string.Join("\n", uses.Select(u => $"  {u.Evidence}")));
        }

        [Fact]
        public void The_check_finds_a_planted_circle_in_each_way_a_room_can_name_another()
        {
            // Four rooms, three ways to name another room: a using directive, a fully qualified name, and the short
            // X.Y form C# resolves from inside PlatformOps.*; one clean room on the side.
            var planted = new[]
            {
                ("Alpha/A.cs", "using PlatformOps.Beta;\nnamespace PlatformOps.Alpha { public static class A { public static int One => B.Two - 1; } }"),
                ("Beta/B.cs", "namespace PlatformOps.Beta { public static class B { public static int Two => PlatformOps.Gamma.G.Three - 1; } }"),
                ("Gamma/G.cs", "namespace PlatformOps.Gamma { public static class G { public static int Three => Alpha.A.One + 2; } }"),
                ("Delta/D.cs", "using PlatformOps.Alpha;\nnamespace PlatformOps.Delta { public static class D { public static int Four => A.One + 3; } }"),
            };
            var graph = RoomGraph.Read(planted);
            var circles = graph.Circles();
            Assert.Single(circles);
            Assert.Equal(new[] { "Alpha", "Beta", "Gamma" }, circles[0].OrderBy(r => r, StringComparer.Ordinal));
            Assert.Contains("Gamma/G.cs", graph.Describe(circles[0]));
            Assert.True(graph.Has("Delta", "Alpha"));
            Assert.False(graph.Has("Alpha", "Delta"));

            var clean = RoomGraph.Read(planted.Where(f => !f.Item1.StartsWith("Gamma", StringComparison.Ordinal))
                .Append(("Gamma/G.cs", "namespace PlatformOps.Gamma { public static class G { public static int Three => 3; } }")));
            Assert.Empty(clean.Circles());
        }

        [Fact]
        public void The_check_finds_a_cmdlet_class_used_as_a_library()
        {
            var files = new[]
            {
                ("Certs/GetCertCommand.cs", "namespace PlatformOps.Certs { [System.Management.Automation.Cmdlet(\"Get\", \"Cert\")] public sealed class GetCertCommand : System.Management.Automation.PSCmdlet { internal static int Read() => 1; } }"),
                ("Readiness/Check.cs", "namespace PlatformOps.Readiness { internal static class Check { public static int Run() => PlatformOps.Certs.GetCertCommand.Read(); } }"),
            };
            var uses = RoomGraph.Read(files).CmdletUses.Where(u => u.From == "Readiness" && u.To == "Certs").ToList();
            Assert.Single(uses);
            Assert.Contains("GetCertCommand", uses[0].Evidence);
        }
    }

    /// <summary>The folders under src/PlatformOps and which of them name which, with the first place each edge is seen.</summary>
    internal sealed class RoomGraph
    {
        private readonly Dictionary<string, SortedDictionary<string, string>> _edges = new Dictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);

        public SortedSet<string> Rooms { get; } = new SortedSet<string>(StringComparer.Ordinal);

        /// <summary>Places where a room names a cmdlet class (a Cmdlet subclass) declared in a room.</summary>
        public List<(string From, string To, string Evidence)> CmdletUses { get; } = new List<(string, string, string)>();

        public bool Has(string from, string to) => _edges.TryGetValue(from, out var to2) && to2.ContainsKey(to);

        private static string RoomOf(string relativePath)
        {
            var slash = relativePath.IndexOf('/');
            return slash < 0 ? string.Empty : relativePath.Substring(0, slash);
        }

        private void Add(string from, string to, string evidence)
        {
            if (from.Length == 0 || to.Length == 0 || from == to) return;
            if (!_edges.TryGetValue(from, out var targets)) _edges[from] = targets = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (!targets.ContainsKey(to)) targets[to] = evidence;
        }

        public static RoomGraph Read(IEnumerable<(string Path, string Text)> files)
        {
            var graph = new RoomGraph();
            var options = new CSharpParseOptions(LanguageVersion.Latest);
            var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Text, options, path: f.Path)).ToList();
            // The framework and every library the test process has (PowerShell, Npgsql, StackExchange.Redis, Docker.DotNet,
            // ...), but not PlatformOps.dll: its names must bind to these sources.
            var references = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Where(p => !Path.GetFileName(p).StartsWith("PlatformOps", StringComparison.OrdinalIgnoreCase))
                .Select(p => MetadataReference.CreateFromFile(p));
            var compilation = CSharpCompilation.Create("RoomGraph", trees, references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

            // Which rooms declare each namespace (PlatformOps.Readiness.Reports is declared in Readiness/Reports).
            var declaredIn = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var tree in trees)
            {
                var room = RoomOf(tree.FilePath);
                if (room.Length > 0) graph.Rooms.Add(room);
                foreach (var ns in tree.GetRoot().DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
                {
                    var name = ns.Name.ToString();
                    if (!declaredIn.TryGetValue(name, out var rooms)) declaredIn[name] = rooms = new HashSet<string>(StringComparer.Ordinal);
                    rooms.Add(room);
                }
            }

            // Only names that can bind to something declared here are asked about (binding every name of the house
            // costs the compiler most of a minute): the source's type, member and namespace names.
            var declaredNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tree in trees)
            {
                foreach (var node in tree.GetRoot().DescendantNodes())
                {
                    switch (node)
                    {
                        case BaseTypeDeclarationSyntax t: declaredNames.Add(t.Identifier.ValueText); break;
                        case DelegateDeclarationSyntax d: declaredNames.Add(d.Identifier.ValueText); break;
                        case MethodDeclarationSyntax m: declaredNames.Add(m.Identifier.ValueText); break;
                        case PropertyDeclarationSyntax p: declaredNames.Add(p.Identifier.ValueText); break;
                        case VariableDeclaratorSyntax v when v.Parent?.Parent is FieldDeclarationSyntax: declaredNames.Add(v.Identifier.ValueText); break;
                        case EnumMemberDeclarationSyntax e: declaredNames.Add(e.Identifier.ValueText); break;
                        case BaseNamespaceDeclarationSyntax n:
                            foreach (var part in n.Name.ToString().Split('.')) declaredNames.Add(part);
                            break;
                    }
                }
            }

            var cmdletUsesSeen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tree in trees)
            {
                var from = RoomOf(tree.FilePath);
                var model = compilation.GetSemanticModel(tree);
                foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
                {
                    if (!declaredNames.Contains(name.Identifier.ValueText)) continue;
                    var info = model.GetSymbolInfo(name);
                    var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                    if (symbol == null) continue;
                    var line = name.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    var evidence = $"{tree.FilePath}:{line} {name.Parent?.ToString() ?? name.ToString()}";
                    if (evidence.Length > 160) evidence = string.Concat(evidence.AsSpan(0, 160), "...");
                    if (symbol is INamespaceSymbol ns)
                    {
                        if (declaredIn.TryGetValue(ns.ToDisplayString(), out var rooms))
                            foreach (var to in rooms) graph.Add(from, to, evidence);
                        continue;
                    }
                    var declaring = symbol is ITypeSymbol ? symbol : symbol.ContainingType ?? symbol;
                    foreach (var location in declaring.OriginalDefinition.Locations.Where(l => l.IsInSource && l.SourceTree != null))
                    {
                        var to = RoomOf(location.SourceTree!.FilePath);
                        graph.Add(from, to, evidence);
                        if (to != from && declaring is INamedTypeSymbol type && IsCmdlet(type) && cmdletUsesSeen.Add($"{tree.FilePath}:{line}:{type.Name}"))
                            graph.CmdletUses.Add((from, to, evidence));
                    }
                }
            }
            return graph;
        }

        private static bool IsCmdlet(INamedTypeSymbol type)
        {
            for (var t = type.BaseType; t != null; t = t.BaseType)
                if (t.ToDisplayString() == "System.Management.Automation.Cmdlet") return true;
            return false;
        }

        /// <summary>Every set of two or more rooms that reach each other (Tarjan's strongly connected components).</summary>
        public List<List<string>> Circles()
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var low = new Dictionary<string, int>(StringComparer.Ordinal);
            var stack = new Stack<string>();
            var onStack = new HashSet<string>(StringComparer.Ordinal);
            var result = new List<List<string>>();
            var next = 0;

            void Visit(string v)
            {
                index[v] = low[v] = next++;
                stack.Push(v);
                onStack.Add(v);
                foreach (var w in _edges.TryGetValue(v, out var targets) ? targets.Keys : Enumerable.Empty<string>())
                {
                    if (!index.TryGetValue(w, out var seen)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                    else if (onStack.Contains(w)) low[v] = Math.Min(low[v], seen);
                }
                if (low[v] != index[v]) return;
                var component = new List<string>();
                string x;
                do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
                if (component.Count > 1) result.Add(component);
            }

            foreach (var room in _edges.Keys.Concat(Rooms).Distinct(StringComparer.Ordinal).OrderBy(r => r, StringComparer.Ordinal))
                if (!index.ContainsKey(room)) Visit(room);
            return result;
        }

        /// <summary>The edges inside a circle, each with the first place it is seen.</summary>
        public string Describe(IEnumerable<string> circle)
        {
            var rooms = new HashSet<string>(circle, StringComparer.Ordinal);
            return string.Join("\n", rooms.OrderBy(r => r, StringComparer.Ordinal).SelectMany(from =>
                _edges.TryGetValue(from, out var targets)
                    ? targets.Where(t => rooms.Contains(t.Key)).Select(t => $"  {from} -> {t.Key}: {t.Value}")
                    : Enumerable.Empty<string>()));
        }
    }
}

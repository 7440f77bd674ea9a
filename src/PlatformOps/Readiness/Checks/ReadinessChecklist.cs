using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace PlatformOps.Readiness
{
    /// <summary>
    /// The production readiness checklist: every item, in the order the report shows them. Each category lives in
    /// its own file beside this one.
    /// </summary>
    internal static partial class ReadinessChecklist
    {
        /// <summary>The reason a check that needs a capability this build of the module does not have is Skipped.</summary>
        public const string NotAvailable = "capability not available in this build";

        public static IReadOnlyList<ReadinessItem> Items(ReadinessPlan plan)
            => Infrastructure(plan).Concat(Security(plan)).Concat(DataManagement(plan)).Concat(Quality(plan)).Concat(Documentation(plan)).ToList();

        /// <summary>Every item id with its category and text, without running anything (for documentation and tests).</summary>
        public static IReadOnlyList<ReadinessDefinition> Definitions(ReadinessPlan plan) => Items(plan).Select(i => i.Definition).ToList();

        private static ReadinessItem Item(string id, ReadinessCategory category, string text, string remedy, string? target,
            System.Func<ReadinessContext, ReadinessDefinition, Task<ReadinessCheck>> run)
            => new ReadinessItem(new ReadinessDefinition(id, category, text, remedy, target), run);

        private static ReadinessItem Unavailable(string id, ReadinessCategory category, string text, string remedy, string? target = null)
            => Item(id, category, text, remedy, target, (_, d) => Task.FromResult(d.Skip(NotAvailable)));
    }
}

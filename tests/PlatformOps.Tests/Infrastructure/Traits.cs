namespace PlatformOps.Tests.Infrastructure
{
    /// <summary>Trait values: tests marked Docker need the Docker lab; build.ps1 -ExcludeTag Docker skips them.</summary>
    public static class Category
    {
        public const string Name = "Category";
        public const string Docker = "Docker";
        public const string Plain = "Plain";
    }
}

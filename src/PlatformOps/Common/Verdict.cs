namespace PlatformOps.Common
{
    /// <summary>The outcome of one check: ordered from best to worst so that a roll-up takes the maximum.</summary>
    public enum Verdict
    {
        Pass = 0,
        Warn = 1,
        Fail = 2,
    }
}

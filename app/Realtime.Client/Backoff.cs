namespace Realtime.Client;

/// <summary>
/// Exponential backoff with full jitter: attempt n waits a uniformly random time between zero and
/// min(max, min × 2ⁿ), so the clients of a node that went away do not all come back at once.
/// </summary>
internal static class Backoff
{
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }
}

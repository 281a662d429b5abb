namespace Realtime.AspNetCore.Application;

/// <summary>
/// How many distinct channels one connection may write to (publish, claim, release) per minute: each
/// new channel costs the cache a history for its lifetime, so a client spraying messages over fresh
/// channel names is refused long before it fills memory. A fixed one-minute window; touched only by
/// the connection's receive loop.
/// </summary>
public sealed class ChannelQuota(int perMinute, TimeProvider time)
{
    private readonly HashSet<string> _channels = new(StringComparer.Ordinal);
    private long _windowStart = time.GetTimestamp();

    /// <summary>True when <paramref name="channel"/> was written this minute or fits in it.</summary>
    public bool TryUse(string channel)
    {
        if (time.GetElapsedTime(_windowStart) >= TimeSpan.FromMinutes(1))
        {
            _channels.Clear();
            _windowStart = time.GetTimestamp();
        }

        return _channels.Contains(channel) || (_channels.Count < perMinute && _channels.Add(channel));
    }
}

namespace Realtime.Client;

/// <summary>
/// The resume bookkeeping, apart from any socket: which channels are subscribed, the offset of the
/// last message delivered on each, what to send after a reconnect, and whether a reply or a <c>gap</c>
/// frame means messages were lost.
/// </summary>
internal sealed class SubscriptionTracker
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private sealed class Entry(bool presence, string? offset)
    {
        public bool Presence { get; } = presence;

        public string? Offset { get; set; } = offset;
    }

    public bool Add(string channel, bool presence, string? since)
    {
        lock (_gate)
        {
            return _entries.TryAdd(channel, new Entry(presence, since));
        }
    }

    public void Remove(string channel)
    {
        lock (_gate)
        {
            _entries.Remove(channel);
        }
    }

    public string? OffsetOf(string channel)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(channel, out var entry) ? entry.Offset : null;
        }
    }

    /// <summary>A message was delivered: a resume starts after it.</summary>
    public void Delivered(string channel, string offset)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(channel, out var entry))
            {
                entry.Offset = offset;
            }
        }
    }

    /// <summary>The subscribe requests to send on a (new) connection: each channel with its last offset.</summary>
    public IReadOnlyList<(string Channel, bool Presence, string? Since)> ResumeRequests()
    {
        lock (_gate)
        {
            return _entries.Select(e => (e.Key, e.Value.Presence, e.Value.Offset)).ToList();
        }
    }

    /// <summary>
    /// Applies a <c>gap</c> frame: the server dropped messages of this subscription that cannot be
    /// replayed and live delivery goes on after <paramref name="offset"/>, so a resume starts there
    /// (asking for the lost ones would not bring them back). Without an offset the position is kept.
    /// Returns true when the channel is tracked, that is when the app must hear of the gap.
    /// </summary>
    public bool Gap(string channel, string? offset)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(channel, out var entry))
            {
                return false;
            }

            if (offset is not null)
            {
                entry.Offset = offset;
            }

            return true;
        }
    }

    /// <summary>
    /// Applies a <c>subscribed</c> reply. Returns true when messages were missed and could not be
    /// replayed (a gap the app must handle); the channel then continues from the latest offset.
    /// </summary>
    public bool Subscribed(string channel, string? latest, bool recovered)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(channel, out var entry))
            {
                return false;
            }

            var gap = entry.Offset is not null && !recovered;
            if (entry.Offset is null || gap)
            {
                entry.Offset = latest;
            }

            return gap;
        }
    }
}

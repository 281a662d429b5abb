namespace Realtime.Server.Backplane;

/// <summary>
/// Carries messages between nodes and keeps each channel's history. A publish is appended to the
/// channel's history and handed to every node subscribed to the channel in one atomic step, so
/// history and live delivery agree on order and offsets.
/// </summary>
public interface IBackplane
{
    /// <summary>True when publishes and subscriptions can reach the other nodes.</summary>
    bool IsConnected { get; }

    /// <summary>Appends and fans out; returns the message's offset. Throws <see cref="BackplaneUnavailableException"/>.</summary>
    ValueTask<string> PublishAsync(string channel, ReadOnlyMemory<byte> data, HistoryPolicy history, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts delivering the channel's messages and presence events to <paramref name="onMessage"/>,
    /// one at a time and in order, until the returned handle is disposed. One per channel per node suffices.
    /// </summary>
    ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Action<BackplaneMessage> onMessage, CancellationToken cancellationToken = default);

    /// <summary>The channel's current offset and, when <paramref name="since"/> is given, up to <paramref name="limit"/> + 1 messages after it.</summary>
    ValueTask<HistorySlice> ReadHistoryAsync(string channel, ChannelOffset? since, int limit, CancellationToken cancellationToken = default);
}

/// <summary>How much of a channel's past to keep (from its namespace).</summary>
public readonly record struct HistoryPolicy(int Length, int TtlSeconds);

public enum BackplaneMessageKind
{
    Message,
    Join,
    Leave,
}

/// <summary>One published message (or presence event) as every node receives it.</summary>
/// <param name="Offset">The message's offset; null for presence events, which are not kept.</param>
/// <param name="PublishedAtMs">Unix milliseconds when the backplane accepted it (for the delivery-lag metric).</param>
public sealed record BackplaneMessage(string Channel, string? Offset, ReadOnlyMemory<byte> Data, long PublishedAtMs, BackplaneMessageKind Kind = BackplaneMessageKind.Message);

/// <summary>
/// What the history holds relative to an offset.
/// </summary>
/// <param name="Epoch">The stream's epoch; null when the channel has no history at all.</param>
/// <param name="Latest">The newest position ever written (even if trimmed since).</param>
/// <param name="Complete">Every entry after the requested position is still kept (trimming removes the oldest first).</param>
/// <param name="Messages">Messages after the requested offset, oldest first, at most limit + 1.</param>
public sealed record HistorySlice(string? Epoch, StreamOffset Latest, bool Complete, IReadOnlyList<BackplaneMessage> Messages)
{
    public string? LatestOffset => Epoch is null ? null : new ChannelOffset(Epoch, Latest).ToString();
}

/// <summary>The backplane cannot be reached; the request must fail visibly, never succeed silently.</summary>
public sealed class BackplaneUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

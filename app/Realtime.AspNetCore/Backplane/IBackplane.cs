namespace Realtime.AspNetCore.Backplane;

/// <summary>
/// Carries messages between nodes and keeps each channel's history. A publish is appended to the
/// channel's history under the channel's next sequence number and handed to every node subscribed
/// to the channel in one atomic step, so history and live delivery agree on order and offsets.
/// </summary>
public interface IBackplane
{
    /// <summary>True when publishes and subscriptions can reach the other nodes (the subscription link included).</summary>
    bool IsConnected { get; }

    /// <summary>
    /// Counts the drops of the node's subscription link. Live messages published while it was down
    /// never arrive: a channel that last checked its history under an older value must check again.
    /// </summary>
    long LinkGeneration { get; }

    /// <summary>Raised after the subscription link came back (and the node's channels are subscribed again).</summary>
    event Action? LinkRestored;

    /// <summary>
    /// Appends and fans out; returns the message's offset. With an <paramref name="id"/>, a second
    /// publish of the same id on the same channel within the idempotency window appends nothing and
    /// returns the first one's offset. Throws <see cref="BackplaneUnavailableException"/> (not
    /// written) or <see cref="BackplaneOutcomeUnknownException"/> (maybe written).
    /// </summary>
    ValueTask<string> PublishAsync(string channel, ReadOnlyMemory<byte> data, HistoryPolicy history, string? id = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts delivering the channel's messages and presence events to <paramref name="onMessage"/>,
    /// one at a time and in order, until the returned handle is disposed. One per channel per node
    /// suffices. A subscription that fails leaves nothing subscribed.
    /// </summary>
    ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Action<BackplaneMessage> onMessage, CancellationToken cancellationToken = default);

    /// <summary>The channel's current offset and, when <paramref name="since"/> is given, up to <paramref name="limit"/> + 1 messages after it.</summary>
    ValueTask<HistorySlice> ReadHistoryAsync(string channel, ChannelOffset? since, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives a channel without history an empty one (an epoch at sequence 0, expiring as a history
    /// does), so that a subscriber has an offset to resume from before the first message, and
    /// returns the history as it is afterwards (another node's, if one came first). Without it, a
    /// client that subscribed to a quiet channel and reconnected would miss, untold, what was
    /// published while it was away.
    /// </summary>
    ValueTask<HistorySlice> StartHistoryAsync(string channel, HistoryPolicy history, CancellationToken cancellationToken = default);

    /// <summary>
    /// The history fell behind what a node delivered under <paramref name="epoch"/> (a failover to a
    /// replica that lacked the newest entries, whose sequence numbers are now being reused): gives it a
    /// new epoch, unless another node did already, so no offset past the loss can resume into other
    /// messages. Returns the history's epoch, latest sequence and base afterwards (no messages).
    /// </summary>
    ValueTask<HistorySlice> RenewEpochAsync(string channel, string epoch, CancellationToken cancellationToken = default);
}

/// <summary>How much of a channel's past to keep (from its namespace: entries and bytes of data), and how long a publish id is remembered.</summary>
public readonly record struct HistoryPolicy(int Length, int TtlSeconds, int IdempotencySeconds = 120, long MaxBytes = 16L * 1024 * 1024);

/// <summary>One published message, or a passing event, as every node receives it.</summary>
/// <param name="Position">The message's place in its channel; null for events, which are not kept.</param>
/// <param name="PublishedAtMs">Unix milliseconds when the backplane accepted it (for the delivery-lag metric).</param>
/// <param name="Event">
/// For a passing event (not kept, no offset, not ordered with the messages), its name: what the
/// stores built on the backplane announce, such as presence's <c>join</c> and <c>leave</c>. Null for a message.
/// </param>
/// <param name="OffsetText">The offset as it arrived, when it did as text (saves formatting it again).</param>
public sealed record BackplaneMessage(string Channel, ChannelOffset? Position, ReadOnlyMemory<byte> Data, long PublishedAtMs, string? Event = null, string? OffsetText = null)
{
    /// <summary>The offset as the wire carries it, made once per message and node.</summary>
    public string? Offset { get; } = OffsetText ?? Position?.ToString();
}

/// <summary>
/// What the history holds relative to an offset.
/// </summary>
/// <param name="Epoch">The history's epoch; null when the channel has no history at all.</param>
/// <param name="Latest">The sequence of the newest event ever appended (even if trimmed since); 0 for none.</param>
/// <param name="Complete">Every entry after the requested position is still kept and the position is not past <paramref name="Latest"/>.</param>
/// <param name="Messages">Messages after the requested offset, oldest first, at most limit + 1.</param>
/// <param name="FirstKept">The sequence of the oldest event still kept (<paramref name="Latest"/> + 1 when none is).</param>
/// <param name="Base">Events up to this sequence were written under an earlier epoch (see <see cref="IBackplane.RenewEpochAsync"/>); 0 for a history that began with its epoch.</param>
public sealed record HistorySlice(string? Epoch, long Latest, bool Complete, IReadOnlyList<BackplaneMessage> Messages, long FirstKept = 1, long Base = 0)
{
    public string? LatestOffset => Epoch is null ? null : new ChannelOffset(Epoch, Latest).ToString();

    /// <summary>
    /// Whether every event after <paramref name="since"/> can be read: the same epoch, not ahead of
    /// the newest (a failover that lost entries the reader saw), and nothing after it trimmed.
    /// </summary>
    public static bool Covers(string? epoch, long latest, long firstKept, ChannelOffset since) =>
        epoch is not null
        && since.Epoch == epoch
        && since.Sequence <= latest
        && since.Sequence >= firstKept - 1; // firstKept is latest + 1 when nothing is kept
}

/// <summary>The backplane cannot be reached; nothing was written. The request must fail visibly, never succeed silently.</summary>
public sealed class BackplaneUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The request reached the backplane but its answer did not come back (a timeout, or the link
/// dropped after the command was sent): it may or may not have been applied.
/// </summary>
public sealed class BackplaneOutcomeUnknownException(string message, Exception? inner = null) : Exception(message, inner);

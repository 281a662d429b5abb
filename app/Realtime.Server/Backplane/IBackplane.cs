namespace Realtime.Server.Backplane;

/// <summary>
/// Carries messages between nodes. A publish is appended to the channel's history and handed to
/// every node subscribed to the channel, in one atomic step, so history and live delivery agree
/// on order and offsets.
/// </summary>
public interface IBackplane
{
    /// <summary>True when publishes and subscriptions can reach the other nodes.</summary>
    bool IsConnected { get; }

    /// <summary>Appends and fans out; returns the message's offset. Throws <see cref="BackplaneUnavailableException"/>.</summary>
    ValueTask<string> PublishAsync(string channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts delivering the channel's messages to <paramref name="onMessage"/>, one at a time and in
    /// order, until the returned handle is disposed. One subscription per channel per node suffices.
    /// </summary>
    ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Action<BackplaneMessage> onMessage, CancellationToken cancellationToken = default);
}

/// <summary>One published message as every node receives it.</summary>
/// <param name="PublishedAtMs">Unix milliseconds when the backplane accepted it (for the delivery-lag metric).</param>
public sealed record BackplaneMessage(string Channel, string Offset, ReadOnlyMemory<byte> Data, long PublishedAtMs);

/// <summary>The backplane cannot be reached; the request must fail visibly, never succeed silently.</summary>
public sealed class BackplaneUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

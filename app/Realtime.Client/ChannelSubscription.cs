using System.Text.Json;
using System.Threading.Channels;

namespace Realtime.Client;

/// <summary>One message of a channel, as delivered to the app.</summary>
public sealed record ChannelMessage(string Channel, string Offset, JsonElement Data);

/// <summary>
/// A subscription that follows reconnects: read its messages with <see cref="ReadAllAsync"/>; after
/// a reconnect it resumes from the last message read. <see cref="Gap"/> tells when missed messages
/// could not be replayed, or when the server dropped messages of a live subscription.
/// </summary>
public sealed class ChannelSubscription
{
    private readonly Channel<ChannelMessage> _messages = System.Threading.Channels.Channel.CreateUnbounded<ChannelMessage>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly RealtimeClient _client;

    internal ChannelSubscription(RealtimeClient client, string channel, bool presence)
    {
        _client = client;
        Channel = channel;
        Presence = presence;
    }

    public string Channel { get; }

    public bool Presence { get; }

    /// <summary>
    /// False when messages were lost for good: the last (re)subscribe could not replay everything missed,
    /// or the server has since reported a <c>gap</c>. A later resume that recovers sets it back to true.
    /// </summary>
    public bool Recovered { get; internal set; } = true;

    /// <summary>
    /// Raised with the offset after which delivery continues (null when the server did not say) when
    /// messages were missed and cannot be replayed: reload your state. Raised on the client's receive
    /// loop for a <c>gap</c> frame, so a handler must neither block nor throw.
    /// </summary>
    public event Action<ChannelSubscription, string?>? Gap;

    public IAsyncEnumerable<ChannelMessage> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _messages.Reader.ReadAllAsync(cancellationToken);

    public ValueTask UnsubscribeAsync(CancellationToken cancellationToken = default) => _client.UnsubscribeAsync(this, cancellationToken);

    internal void Deliver(ChannelMessage message) => _messages.Writer.TryWrite(message);

    internal void RaiseGap(string? offset) => Gap?.Invoke(this, offset);

    /// <summary>Ends the messages; with <paramref name="error"/>, a reader's loop throws it (the server refused the subscription).</summary>
    internal void Complete(Exception? error = null) => _messages.Writer.TryComplete(error);
}

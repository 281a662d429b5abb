using Realtime.Server.Backplane;
using Realtime.Server.Connections;
using Realtime.Server.Hosting;
using Realtime.Server.Protocol;

namespace Realtime.Server.Channels;

/// <summary>
/// One channel's subscribers on this node. Membership changes under <see cref="Gate"/> and swaps an
/// immutable array, so delivery (on the backplane's thread) reads it without locking.
/// </summary>
internal sealed class LocalChannel(string name, RealtimeMetrics metrics, TimeProvider time)
{
    private Subscriber[] _subscribers = [];

    public string Name { get; } = name;

    /// <summary>Serializes subscribe and unsubscribe of this channel (they await the backplane).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public IAsyncDisposable? Subscription { get; set; }

    /// <summary>Removed from the registry; a subscriber that finds it retired starts over.</summary>
    public bool Retired { get; set; }

    public int Count => Volatile.Read(ref _subscribers).Length;

    public Subscriber? Find(RealtimeConnection connection) =>
        Array.Find(Volatile.Read(ref _subscribers), s => s.Connection == connection);

    public void Add(Subscriber subscriber) => Volatile.Write(ref _subscribers, [.. _subscribers, subscriber]);

    public bool Remove(RealtimeConnection connection)
    {
        var index = Array.FindIndex(_subscribers, s => s.Connection == connection);
        if (index < 0)
        {
            return false;
        }

        Volatile.Write(ref _subscribers, [.. _subscribers[..index], .. _subscribers[(index + 1)..]]);
        return true;
    }

    /// <summary>Serializes the message once and queues the same bytes to every local subscriber.</summary>
    public void Deliver(BackplaneMessage message)
    {
        var subscribers = Volatile.Read(ref _subscribers);
        if (subscribers.Length == 0)
        {
            return;
        }

        if (message.Kind != BackplaneMessageKind.Message)
        {
            DeliverPresence(message, subscribers);
            return;
        }

        var frame = ServerFrames.Message(Name, message.Offset!, message.Data.Span);
        var delivered = 0;
        foreach (var subscriber in subscribers)
        {
            if (subscriber.Deliver(message, frame))
            {
                delivered++;
            }
            else
            {
                metrics.Dropped();
            }
        }

        var lag = Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - message.PublishedAtMs);
        metrics.Delivered(delivered, lag);
    }

    private void DeliverPresence(BackplaneMessage message, Subscriber[] subscribers)
    {
        ReadOnlyMemory<byte>? frame = null;
        foreach (var subscriber in subscribers)
        {
            if (subscriber.PresenceEvents)
            {
                frame ??= ServerFrames.PresenceEvent(message.Kind == BackplaneMessageKind.Join ? "join" : "leave", Name, message.Data.Span);
                subscriber.Deliver(message, frame.Value);
            }
        }
    }
}

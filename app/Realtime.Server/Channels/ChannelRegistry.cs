using System.Collections.Concurrent;
using Realtime.Server.Backplane;
using Realtime.Server.Connections;
using Realtime.Server.Hosting;

namespace Realtime.Server.Channels;

/// <summary>
/// The node's local channels: who is subscribed here, and one backplane subscription per channel
/// that has at least one local subscriber (taken by the first, dropped with the last).
/// </summary>
public sealed class ChannelRegistry(IBackplane backplane, RealtimeMetrics metrics, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, LocalChannel> _channels = new(StringComparer.Ordinal);

    /// <summary>Local subscribers of <paramref name="channel"/> (diagnostics and tests).</summary>
    public int SubscriberCount(string channel) => _channels.TryGetValue(channel, out var local) ? local.Count : 0;

    /// <summary>
    /// Adds the connection to the channel's local subscribers, taking the node's backplane
    /// subscription if it is the first. The returned subscriber holds live messages until
    /// <see cref="Subscriber.Release"/>: the caller replays history first.
    /// </summary>
    internal async ValueTask<Subscriber> SubscribeAsync(string channel, RealtimeConnection connection, bool presenceEvents, int maxHeld, CancellationToken cancellationToken)
    {
        while (true)
        {
            var local = _channels.GetOrAdd(channel, static (name, state) => new LocalChannel(name, state.metrics, state.time), (metrics, time));
            await local.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (local.Retired)
                {
                    continue; // its last subscriber left while we waited: start over with a fresh one
                }

                if (local.Subscription is null)
                {
                    try
                    {
                        local.Subscription = await backplane.SubscribeAsync(channel, local.Deliver, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        if (local.Count == 0)
                        {
                            Retire(local);
                        }

                        throw;
                    }
                }

                var subscriber = new Subscriber(connection, presenceEvents, maxHeld);
                local.Add(subscriber);
                return subscriber;
            }
            finally
            {
                local.Gate.Release();
            }
        }
    }

    public async ValueTask UnsubscribeAsync(string channel, RealtimeConnection connection)
    {
        if (!_channels.TryGetValue(channel, out var local))
        {
            return;
        }

        IAsyncDisposable? subscription = null;
        await local.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (local.Remove(connection) && local.Count == 0)
            {
                subscription = local.Subscription;
                Retire(local);
            }
        }
        finally
        {
            local.Gate.Release();
        }

        if (subscription is not null)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Retire(LocalChannel local)
    {
        local.Retired = true;
        _channels.TryRemove(new KeyValuePair<string, LocalChannel>(local.Name, local));
    }
}

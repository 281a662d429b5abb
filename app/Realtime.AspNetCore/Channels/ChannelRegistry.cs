using System.Collections.Concurrent;
using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Channels;

/// <summary>
/// The node's local channels: who is subscribed here, and one backplane subscription per channel
/// that has at least one local subscriber (taken by the first, dropped with the last). When the
/// backplane's subscription link comes back, every local channel checks its history for what the
/// link missed.
/// </summary>
public sealed class ChannelRegistry
{
    private readonly ConcurrentDictionary<string, LocalChannel> _channels = new(StringComparer.Ordinal);
    private readonly IBackplane _backplane;
    private readonly RealtimeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ChannelRegistry> _logger;
    private readonly int _maxReplay;

    /// <param name="maxReplay">Most messages one history read returns while a channel fills a hole (<c>Realtime:MaxReplay</c>).</param>
    public ChannelRegistry(IBackplane backplane, RealtimeMetrics metrics, int maxReplay, TimeProvider time, ILogger<ChannelRegistry> logger)
    {
        _backplane = backplane;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _maxReplay = maxReplay;
        backplane.LinkRestored += CheckEveryChannel;
    }

    /// <summary>Local subscribers of <paramref name="channel"/> (diagnostics and tests).</summary>
    public int SubscriberCount(string channel) => _channels.TryGetValue(channel, out var local) ? local.Count : 0;

    /// <summary>
    /// Adds the connection to the channel's local subscribers, taking the node's backplane
    /// subscription if it is the first. The returned subscriber holds live messages until
    /// <see cref="Subscriber.Release"/>: the caller replays history first.
    /// </summary>
    internal async ValueTask<Subscriber> SubscribeAsync(string channel, IFrameReceiver connection, bool presenceEvents, int maxHeld, CancellationToken cancellationToken)
    {
        while (true)
        {
            var local = _channels.GetOrAdd(channel, static (name, registry) => registry.NewChannel(name), this);
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
                        local.Subscription = await _backplane.SubscribeAsync(channel, local.Deliver, cancellationToken).ConfigureAwait(false);
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

    public async ValueTask UnsubscribeAsync(string channel, IFrameReceiver connection)
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

    /// <summary>Starts a channel's position at what its first subscriber's history read found.</summary>
    internal void Seed(string channel, string? epoch, long latest, long generation)
    {
        if (_channels.TryGetValue(channel, out var local))
        {
            local.Seed(epoch, latest, generation);
        }
    }

    private LocalChannel NewChannel(string name) => new(name, _backplane, _maxReplay, _metrics, _time, _logger);

    private void CheckEveryChannel()
    {
        BackplaneLog.LinkRestored(_logger, _channels.Count);
        foreach (var local in _channels.Values)
        {
            local.CheckHistory();
        }
    }

    private void Retire(LocalChannel local)
    {
        local.Retired = true;
        _channels.TryRemove(new KeyValuePair<string, LocalChannel>(local.Name, local));
    }
}

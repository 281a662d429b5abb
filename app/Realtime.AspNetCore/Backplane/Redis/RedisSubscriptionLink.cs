using System.Collections.Concurrent;
using System.Net;
using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// The node's pub/sub links to Redis, one per server: counts their drops (<see cref="Generation"/>),
/// says whether all are up, and announces (<see cref="Restored"/>) once the channels are subscribed
/// again, so they look for what they missed. Live messages published while a link is down or while
/// a channel moves to another server never arrive: every such moment bumps the generation.
/// </summary>
/// <remarks>
/// On a cluster a dead primary's link never comes back: its replica takes over its slots. The
/// multiplexer learns that only when it reads the topology again, which a node that merely listens
/// never makes it do: its channels would stay subscribed to nothing. So after a drop, or a slot that
/// moved, the node has the topology read again every <see cref="TopologyPoll"/> until it is whole: a
/// down link is let go once its server serves no slot any more, and every channel is subscribed on
/// a connected server again. Only then is the link up and restored; the announcement is repeated
/// once after <see cref="Settle"/>, in case a re-subscription was answered late.
/// </remarks>
internal sealed class RedisSubscriptionLink
{
    internal static readonly TimeSpan TopologyPoll = TimeSpan.FromMilliseconds(500);
    internal static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    private readonly IConnectionMultiplexer _redis;
    private readonly Func<bool> _isCluster;
    private readonly Func<IEnumerable<RedisChannel>> _channels;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<EndPoint, byte> _down = new();
    private long _generation;
    private int _watching;
    private int _watchRequested;
    private int _announcing;
    private int _announceRequested;

    /// <param name="channels">The channels the node is subscribed to now.</param>
    public RedisSubscriptionLink(IConnectionMultiplexer redis, Func<bool> isCluster, Func<IEnumerable<RedisChannel>> channels, ILogger logger)
    {
        _redis = redis;
        _isCluster = isCluster;
        _channels = channels;
        _logger = logger;
        _redis.ConnectionFailed += OnConnectionFailed;
        _redis.ConnectionRestored += OnConnectionRestored;
        _redis.HashSlotMoved += OnHashSlotMoved;
    }

    /// <summary>
    /// No pub/sub link down to a server the node needs. A replica's link does not count (nothing is
    /// subscribed there; one replaced by ElastiCache never comes back), nor, on a cluster, one to a
    /// server that no longer serves slots. A slot on the move does not make the node unready either:
    /// every node would turn unready together for what is one channel's hiccup.
    /// </summary>
    public bool IsUp => _down.IsEmpty || _down.Keys.All(IsReplica);

    public long Generation => Interlocked.Read(ref _generation);

    public event Action? Restored;

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (!IsSubscriptionLink(e.ConnectionType))
        {
            return;
        }

        Interlocked.Increment(ref _generation);
        if (e.EndPoint is { } endpoint)
        {
            _down[endpoint] = 0;
        }

        if (_isCluster())
        {
            _ = WatchTopologyAsync();
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (!IsSubscriptionLink(e.ConnectionType))
        {
            return;
        }

        if (e.EndPoint is { } endpoint)
        {
            _down.TryRemove(endpoint, out _);
        }

        _ = AnnounceAsync();
    }

    /// <summary>A slot moved: its channels must be subscribed on the new owner, and what was published meanwhile looked for.</summary>
    private void OnHashSlotMoved(object? sender, HashSlotMovedEventArgs e)
    {
        Interlocked.Increment(ref _generation);
        Volatile.Write(ref _watchRequested, 1);
        _ = WatchTopologyAsync();
    }

    /// <summary>
    /// Until the cluster is whole for this node: no slot served from a down server, every channel
    /// subscribed on a connected one. Then the channels are told to look for what they missed.
    /// </summary>
    private async Task WatchTopologyAsync()
    {
        if (Interlocked.Exchange(ref _watching, 1) == 1)
        {
            return;
        }

        try
        {
            while (true)
            {
                Volatile.Write(ref _watchRequested, 0);
                await Task.Delay(TopologyPoll).ConfigureAwait(false);
                try
                {
                    if (await ServingEndpointsAsync().ConfigureAwait(false) is not { } serving)
                    {
                        continue; // no server answers yet
                    }

                    foreach (var (endpoint, _) in _down)
                    {
                        if (!serving.Contains(endpoint))
                        {
                            _down.TryRemove(endpoint, out _);
                        }
                    }

                    if (_down.IsEmpty && Orphans() == 0)
                    {
                        break;
                    }
                }
                catch (ObjectDisposedException)
                {
                    return; // the node is shutting down
                }
                catch (Exception e)
                {
                    BackplaneLog.TopologyCheckFailed(_logger, e);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _watching, 0);
        }

        if (!_down.IsEmpty || Volatile.Read(ref _watchRequested) == 1)
        {
            _ = WatchTopologyAsync(); // changed again as the last look ended
            return;
        }

        _ = AnnounceAsync();
    }

    /// <summary>
    /// How many of the node's channels the multiplexer holds on no connected subscription link. It
    /// subscribes them again on the slot's owner once it has read the topology that names it.
    /// </summary>
    private int Orphans()
    {
        var subscriber = _redis.GetSubscriber();
        return _channels().Count(channel => subscriber.SubscribedEndpoint(channel) is null || !subscriber.IsConnected(channel));
    }

    /// <summary>
    /// The primaries serving slots, as the multiplexer sees the topology after reading it again (its
    /// own copy: CLUSTER NODES itself needs admin mode); null when no server answers.
    /// </summary>
    private async Task<HashSet<EndPoint>?> ServingEndpointsAsync()
    {
        try
        {
            await _redis.ConfigureAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
            return null;
        }

        var configuration = _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).Select(s => s.ClusterConfiguration).FirstOrDefault(c => c is not null);
        return configuration is null
            ? null
            : [.. configuration.Nodes.Where(n => !n.IsReplica && !n.IsFail && n.Slots.Count > 0 && n.EndPoint is not null).Select(n => n.EndPoint!)];
    }

    /// <summary>
    /// Announces once the links are back, one announcement at a time: a request while one runs is
    /// folded into one more round after it.
    /// </summary>
    private async Task AnnounceAsync()
    {
        Volatile.Write(ref _announceRequested, 1);
        if (Interlocked.Exchange(ref _announcing, 1) == 1)
        {
            return;
        }

        try
        {
            while (Interlocked.Exchange(ref _announceRequested, 0) == 1)
            {
                await AnnounceOnceAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            Volatile.Write(ref _announcing, 0);
        }

        if (Volatile.Read(ref _announceRequested) == 1)
        {
            _ = AnnounceAsync(); // requested as the last round ended
        }
    }

    /// <summary>
    /// The multiplexer queues its re-subscriptions before it raises ConnectionRestored; a PING on the
    /// same link is answered after them, so once it returns the channels are subscribed again and a
    /// history read sees everything that live delivery will not. On a cluster, announced again after
    /// <see cref="Settle"/>.
    /// </summary>
    private async Task AnnounceOnceAsync()
    {
        var generation = Generation;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _redis.GetSubscriber().PingAsync().ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is RedisException or ObjectDisposedException)
            {
                if (Generation != generation)
                {
                    return; // down again: the next restore announces
                }

                // Up but slow: announce anyway after a while, a late check beats none.
                if (attempt >= 5)
                {
                    break;
                }

                await Task.Delay(200).ConfigureAwait(false);
            }
        }

        Raise();
        if (_isCluster())
        {
            await Task.Delay(Settle).ConfigureAwait(false);
            Raise();
        }
    }

    private void Raise()
    {
        try
        {
            Restored?.Invoke();
        }
        catch (Exception e)
        {
            BackplaneLog.RestoreHandlerFailed(_logger, e);
        }
    }

    private bool IsReplica(EndPoint endpoint)
    {
        try
        {
            return _redis.GetServer(endpoint).IsReplica;
        }
        catch (ArgumentException)
        {
            return true; // no longer known to the multiplexer: nothing is subscribed there
        }
    }

    // Under RESP3 subscriptions share the interactive connection.
    private bool IsSubscriptionLink(ConnectionType type) =>
        type == ConnectionType.Subscription || (type == ConnectionType.Interactive && IsResp3);

    private bool IsResp3 => _redis.GetServers().FirstOrDefault()?.Protocol == RedisProtocol.Resp3;
}

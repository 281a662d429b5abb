using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// The backplane across nodes: one shared multiplexer; publish = one Lua script (sequence, stream
/// append, PUBLISH); one pub/sub subscription per channel per node, restored by StackExchange.Redis
/// after a reconnect or failover; history read in one script so epoch, trim point and entries agree.
/// The subscription links are watched (<see cref="RedisSubscriptionLink"/>): while one is down the
/// node is not connected, and when it comes back <see cref="LinkRestored"/> tells the channels to
/// look for what they missed. On a Redis Cluster every channel is a sharded pub/sub channel on the
/// shard that owns its slot, and the scripts publish with <c>SPUBLISH</c>: all of a channel's keys
/// and its pub/sub channel share the <c>{channel}</c> hash tag, so each script runs on one slot.
/// </summary>
public sealed class RedisBackplane : IBackplane
{
    /// <summary>How often a script refused with TRYAGAIN (its slot being migrated) is tried, <see cref="TryAgainDelay"/> apart.</summary>
    internal const int TryAgainAttempts = 10;

    internal static readonly TimeSpan TryAgainDelay = TimeSpan.FromMilliseconds(100);

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly ILogger<RedisBackplane> _logger;
    private readonly int _maxReplayBytes;
    private readonly RedisSubscriptionLink _link;

    // The scripts as a cluster runs them (sharded publish), made once per script.
    private readonly ConcurrentDictionary<string, string> _clusterScripts = new(ReferenceEqualityComparer.Instance);

    // The pub/sub channels subscribed now, each with its subscription (the link watches that a cluster
    // failover leaves none of them subscribed nowhere).
    private readonly ConcurrentDictionary<RedisChannel, Subscription> _subscribed = new();

    // 0 until a connected server tells: 1 standalone, 2 cluster.
    private int _mode;

    public RedisBackplane(IConnectionMultiplexer redis, RedisBackplaneSettings settings, ILogger<RedisBackplane> logger)
    {
        _redis = redis;
        _keys = new RedisKeys(settings.KeyPrefix);
        _maxReplayBytes = settings.MaxReplayBytes;
        _logger = logger;
        _link = new RedisSubscriptionLink(redis, () => Cluster, () => _subscribed.Keys, logger);
    }

    public bool IsConnected => _redis.IsConnected && _link.IsUp;

    public long LinkGeneration => _link.Generation;

    public event Action? LinkRestored
    {
        add => _link.Restored += value;
        remove => _link.Restored -= value;
    }

    /// <summary>
    /// True on a Redis Cluster, as the server says (<c>cluster_enabled</c>): channels use sharded
    /// pub/sub and scripts <c>SPUBLISH</c> on their slot. Decided once, by the first connected server.
    /// </summary>
    internal bool Cluster
    {
        get
        {
            var mode = Volatile.Read(ref _mode);
            return (mode == 0 ? DetectMode() : mode) == 2;
        }
    }

    internal RedisKeys Keys => _keys;

    public async ValueTask<string> PublishAsync(string channel, ReadOnlyMemory<byte> data, HistoryPolicy history, string? id = null, CancellationToken cancellationToken = default)
    {
        var window = id is null ? 0L : history.IdempotencySeconds * 1000L;
        var offset = await RunAsync(channel, RedisScripts.Publish, [.. _keys.History(channel), _keys.PublishId(channel, id ?? "")],
            [.. AppendArguments(channel, data, history), window], mutates: true).ConfigureAwait(false);
        return offset.ToString();
    }

    /// <summary>The arguments of the scripts' shared append step, in their order.</summary>
    internal RedisValue[] AppendArguments(string channel, ReadOnlyMemory<byte> data, HistoryPolicy history) =>
        [data, history.Length, history.TtlSeconds * 1000L, _keys.MessagesName(channel), ChannelOffset.NewEpoch(), history.MaxBytes];

    public async ValueTask<HistorySlice> ReadHistoryAsync(string channel, ChannelOffset? since, int limit, CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await RunAsync(channel, RedisScripts.History, _keys.History(channel),
            [since?.Sequence.ToString(CultureInfo.InvariantCulture) ?? "", limit + 1, since?.Epoch ?? "", _maxReplayBytes], mutates: false).ConfigureAwait(false))!;
        if (result[0].IsNull)
        {
            return new HistorySlice(null, 0, false, []);
        }

        var epoch = result[0].ToString();
        var latest = (long)result[1];
        var firstKept = (long)result[2];
        var messages = new List<BackplaneMessage>();
        foreach (var entry in (RedisResult[])result[3]!)
        {
            var fields = (RedisResult[])entry!;
            var values = (RedisResult[])fields[1]!;
            messages.Add(new BackplaneMessage(channel, new ChannelOffset(epoch, SequenceOf(fields[0].ToString())), (byte[])values[1]!, (long)values[3]));
        }

        var complete = since is { } from && HistorySlice.Covers(epoch, latest, firstKept, from);
        return new HistorySlice(epoch, latest, complete, messages, firstKept, (long)result[4]);
    }

    public async ValueTask<HistorySlice> StartHistoryAsync(string channel, HistoryPolicy history, CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await RunAsync(channel, RedisScripts.StartHistory, _keys.History(channel),
            [ChannelOffset.NewEpoch(), history.TtlSeconds * 1000L], mutates: false).ConfigureAwait(false))!;
        var latest = (long)result[1];
        return new HistorySlice(result[0].ToString(), latest, Complete: false, [], FirstKept: latest + 1);
    }

    public async ValueTask<HistorySlice> RenewEpochAsync(string channel, string epoch, CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await RunAsync(channel, RedisScripts.RenewEpoch, _keys.History(channel),
            [epoch, ChannelOffset.NewEpoch()], mutates: false).ConfigureAwait(false))!;
        return result[0].IsNull
            ? new HistorySlice(null, 0, false, [])
            : new HistorySlice(result[0].ToString(), (long)result[1], false, [], Base: (long)result[2]);
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Action<BackplaneMessage> onMessage, CancellationToken cancellationToken = default)
    {
        var subscriber = _redis.GetSubscriber();
        var name = _keys.Messages(channel, Cluster);
        ChannelMessageQueue queue;
        try
        {
            queue = await subscriber.SubscribeAsync(name).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            // The multiplexer keeps a failed subscription in its table and subscribes it again on
            // reconnect, into a queue nobody reads: take it out.
            BackplaneLog.SubscribeFailed(_logger, channel);
            await ForgetAsync(subscriber, name).ConfigureAwait(false);
            throw new BackplaneUnavailableException("the backplane is unreachable", e);
        }

        // OnMessage hands messages over one at a time, in the order Redis sent them.
        queue.OnMessage(message =>
        {
            try
            {
                onMessage(Decode(channel, (byte[])message.Message!));
            }
            catch (Exception e)
            {
                BackplaneLog.DeliveryFailed(_logger, channel, e);
            }
        });
        var subscription = new Subscription(queue, name, _subscribed);
        _subscribed[name] = subscription;
        return subscription;
    }

    /// <summary>
    /// Runs a script. Not sent (Redis unreachable) becomes <see cref="BackplaneUnavailableException"/>;
    /// sent but not answered becomes <see cref="BackplaneOutcomeUnknownException"/> for a script that
    /// <paramref name="mutates"/>, since Redis may have run it.
    /// </summary>
    internal async Task<RedisResult> RunAsync(string channel, string script, RedisKey[] keys, RedisValue[] values, bool mutates)
    {
        try
        {
            var source = Cluster ? _clusterScripts.GetOrAdd(script, RedisScripts.ForCluster) : script;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await _redis.GetDatabase().ScriptEvaluateAsync(source, keys, values).ConfigureAwait(false);
                }
                catch (RedisServerException e) when (attempt < TryAgainAttempts && e.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal))
                {
                    // The channel's slot is moving between shards and some of the script's keys are not
                    // there (the publish id's, say, which rarely exist): nothing ran. Moves of one
                    // channel's keys take milliseconds, so the request waits for it rather than fail.
                    await Task.Delay(TryAgainDelay).ConfigureAwait(false);
                }
            }
        }
        catch (RedisServerException e) when (e.Message.StartsWith("OOM", StringComparison.Ordinal))
        {
            // maxmemory with noeviction: the script's first write was refused, so nothing was written.
            BackplaneLog.CommandFailed(_logger, channel, e.Message);
            throw new BackplaneUnavailableException("the backplane is full; nothing was written", e);
        }
        catch (RedisServerException e) when (NotServing(e.Message))
        {
            // A server loading its data after a restart, a demoted primary, a busy script, a slot
            // being moved (TRYAGAIN) or moved (a MOVED the multiplexer did not follow, as it does not
            // after an ASK): the script did not run (or stopped at its first write), so nothing was written.
            BackplaneLog.CommandFailed(_logger, channel, e.Message);
            throw new BackplaneUnavailableException("the backplane is not serving; nothing was written", e);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            if (mutates && MayHaveRun(e))
            {
                BackplaneLog.OutcomeUnknown(_logger, channel, e.Message);
                throw new BackplaneOutcomeUnknownException("the backplane did not answer; the request may have been applied", e);
            }

            BackplaneLog.CommandFailed(_logger, channel, e.Message);
            throw new BackplaneUnavailableException("the backplane is unreachable", e);
        }
    }

    /// <summary>Redis errors that refuse a command before it runs: nothing was written.</summary>
    private static bool NotServing(string error) =>
        error.StartsWith("LOADING", StringComparison.Ordinal) || error.StartsWith("READONLY", StringComparison.Ordinal)
        || error.StartsWith("MASTERDOWN", StringComparison.Ordinal) || error.StartsWith("BUSY", StringComparison.Ordinal)
        || error.StartsWith("TRYAGAIN", StringComparison.Ordinal) || error.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
        || error.StartsWith("MOVED ", StringComparison.Ordinal) || error.StartsWith("ASK ", StringComparison.Ordinal)
        || error.StartsWith("Key has MOVED", StringComparison.Ordinal);

    /// <summary>"EPOCH:SEQ\nMS\nDATA" for a message, "!EVENT\nDATA" for a passing event (an offset never starts with '!').</summary>
    internal static BackplaneMessage Decode(string channel, byte[] payload)
    {
        var newline = Array.IndexOf(payload, (byte)'\n');
        var head = Encoding.ASCII.GetString(payload, 0, newline);
        if (head.StartsWith('!'))
        {
            return new BackplaneMessage(channel, null, payload.AsMemory(newline + 1), NowMs(), Event: head[1..]);
        }

        var second = Array.IndexOf(payload, (byte)'\n', newline + 1);
        var publishedAt = long.Parse(payload.AsSpan(newline + 1, second - newline - 1), NumberStyles.None, CultureInfo.InvariantCulture);
        if (!ChannelOffset.TryParse(head, out var offset))
        {
            throw new FormatException($"'{head}' is not an offset");
        }

        return new BackplaneMessage(channel, offset, payload.AsMemory(second + 1), publishedAt, OffsetText: head);

        static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    }

    private static long SequenceOf(string streamId) =>
        long.Parse(streamId.AsSpan(0, streamId.IndexOf('-', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);

    private int DetectMode()
    {
        if (_redis.GetServers().FirstOrDefault(s => s.IsConnected) is not { } server)
        {
            return 0; // nothing connected: whatever runs now fails as unavailable
        }

        var mode = server.ServerType == ServerType.Cluster ? 2 : 1;
        if (Interlocked.CompareExchange(ref _mode, mode, 0) == 0)
        {
            BackplaneLog.Mode(_logger, mode == 2 ? "a Redis Cluster: sharded pub/sub per channel" : "a standalone Redis: classic pub/sub");
        }

        return mode;
    }

    private static async Task ForgetAsync(ISubscriber subscriber, RedisChannel channel)
    {
        try
        {
            await subscriber.UnsubscribeAsync(channel, handler: null, CommandFlags.FireAndForget).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            // Not connected: the local table entry is gone all the same.
        }
    }

    private static bool MayHaveRun(Exception e) => e switch
    {
        RedisTimeoutException timeout => timeout.Commandstatus is CommandStatus.Sent or CommandStatus.Unknown,
        RedisConnectionException connection => connection.CommandStatus is CommandStatus.Sent or CommandStatus.Unknown,
        _ => false,
    };

    private static bool IsRedisFailure(Exception e) => e is RedisConnectionException or RedisTimeoutException or ObjectDisposedException;

    private sealed class Subscription(ChannelMessageQueue queue, RedisChannel name, ConcurrentDictionary<RedisChannel, Subscription> subscribed) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // Only this subscription's entry: a later subscribe of the same channel may have replaced it.
            subscribed.TryRemove(new KeyValuePair<RedisChannel, Subscription>(name, this));
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (IsRedisFailure(e))
            {
                // The connection is gone, and with it the subscription.
            }
        }
    }
}

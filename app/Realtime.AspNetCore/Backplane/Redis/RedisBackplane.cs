using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// The backplane across nodes: one shared multiplexer; publish = one Lua script (sequence, stream
/// append, PUBLISH); one pub/sub subscription per channel per node, restored by StackExchange.Redis
/// after a reconnect or failover; history read in one script so epoch, trim point and entries agree.
/// The subscription link is watched: while it is down the node is not connected, and when it comes
/// back <see cref="LinkRestored"/> tells the channels to look for what they missed.
/// </summary>
public sealed class RedisBackplane : IBackplane
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly ILogger<RedisBackplane> _logger;
    private readonly int _maxReplayBytes;
    private long _linkGeneration;
    private int _linkDown;

    public RedisBackplane(IConnectionMultiplexer redis, RedisBackplaneSettings settings, ILogger<RedisBackplane> logger)
    {
        _redis = redis;
        _keys = new RedisKeys(settings.KeyPrefix);
        _maxReplayBytes = settings.MaxReplayBytes;
        _logger = logger;
        _redis.ConnectionFailed += OnConnectionFailed;
        _redis.ConnectionRestored += OnConnectionRestored;
    }

    public bool IsConnected => _redis.IsConnected && Volatile.Read(ref _linkDown) == 0;

    public long LinkGeneration => Interlocked.Read(ref _linkGeneration);

    public event Action? LinkRestored;

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
        ChannelMessageQueue queue;
        try
        {
            queue = await subscriber.SubscribeAsync(_keys.Messages(channel)).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            // The multiplexer keeps a failed subscription in its table and subscribes it again on
            // reconnect, into a queue nobody reads: take it out.
            BackplaneLog.SubscribeFailed(_logger, channel);
            await ForgetAsync(subscriber, _keys.Messages(channel)).ConfigureAwait(false);
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
        return new Subscription(queue);
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
            return await _redis.GetDatabase().ScriptEvaluateAsync(script, keys, values).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("OOM", StringComparison.Ordinal))
        {
            // maxmemory with noeviction: the script's first write was refused, so nothing was written.
            BackplaneLog.CommandFailed(_logger, channel, e.Message);
            throw new BackplaneUnavailableException("the backplane is full; nothing was written", e);
        }
        catch (RedisServerException e) when (NotServing(e.Message))
        {
            // A server loading its data after a restart, a demoted primary, a busy script: the
            // script did not run (or stopped at its first write), so nothing was written.
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

    /// <summary>"EPOCH:SEQ\nMS\nDATA" for a message, "!EVENT\nDATA" for a passing event (an offset never starts with '!').</summary>
    private static bool NotServing(string error) =>
        error.StartsWith("LOADING", StringComparison.Ordinal) || error.StartsWith("READONLY", StringComparison.Ordinal)
        || error.StartsWith("MASTERDOWN", StringComparison.Ordinal) || error.StartsWith("BUSY", StringComparison.Ordinal)
        || error.StartsWith("TRYAGAIN", StringComparison.Ordinal) || error.StartsWith("CLUSTERDOWN", StringComparison.Ordinal);

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

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (IsSubscriptionLink(e.ConnectionType))
        {
            Interlocked.Increment(ref _linkGeneration);
            Volatile.Write(ref _linkDown, 1);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (!IsSubscriptionLink(e.ConnectionType))
        {
            return;
        }

        Volatile.Write(ref _linkDown, 0);
        _ = AnnounceRestoredAsync();
    }

    /// <summary>
    /// The multiplexer queues its re-subscriptions before it raises ConnectionRestored; a PING on the
    /// same link is answered after them, so once it returns the channels are subscribed again and a
    /// history read sees everything that live delivery will not.
    /// </summary>
    private async Task AnnounceRestoredAsync()
    {
        var generation = LinkGeneration;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _redis.GetSubscriber().PingAsync().ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (IsRedisFailure(e))
            {
                if (LinkGeneration != generation)
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

        try
        {
            LinkRestored?.Invoke();
        }
        catch (Exception e)
        {
            BackplaneLog.DeliveryFailed(_logger, "*", e);
        }
    }

    // Under RESP3 subscriptions share the interactive connection.
    private bool IsSubscriptionLink(ConnectionType type) =>
        type == ConnectionType.Subscription || (type == ConnectionType.Interactive && IsResp3);

    private bool IsResp3 => _redis.GetServers().FirstOrDefault()?.Protocol == RedisProtocol.Resp3;

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

    private sealed class Subscription(ChannelMessageQueue queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
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

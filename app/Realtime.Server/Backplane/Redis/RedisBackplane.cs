using System.Text;
using Microsoft.Extensions.Options;
using Realtime.Server.Hosting;
using StackExchange.Redis;

namespace Realtime.Server.Backplane.Redis;

/// <summary>
/// The backplane across nodes: one shared multiplexer; publish = one Lua script (stream append +
/// PUBLISH); one pub/sub subscription per channel per node, restored by StackExchange.Redis after a
/// reconnect or failover; history read in one script so epoch, trim point and entries agree.
/// </summary>
public sealed class RedisBackplane : IBackplane
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly ILogger<RedisBackplane> _logger;

    public RedisBackplane(IConnectionMultiplexer redis, IOptions<RealtimeOptions> options, ILogger<RedisBackplane> logger)
    {
        _redis = redis;
        _keys = new RedisKeys(options.Value.Redis.KeyPrefix);
        _logger = logger;
    }

    public bool IsConnected => _redis.IsConnected;

    public async ValueTask<string> PublishAsync(string channel, ReadOnlyMemory<byte> data, HistoryPolicy history, CancellationToken cancellationToken = default)
    {
        var offset = await RunAsync(channel, RedisScripts.Publish, [_keys.Stream(channel), _keys.Epoch(channel)], [.. AppendArguments(channel, data, history)]).ConfigureAwait(false);
        return offset.ToString();
    }

    /// <summary>The arguments of the scripts' shared append step, in their order.</summary>
    internal RedisValue[] AppendArguments(string channel, ReadOnlyMemory<byte> data, HistoryPolicy history) =>
        [data, history.Length, history.TtlSeconds * 1000L, _keys.MessagesName(channel), ChannelOffset.NewEpoch()];

    public async ValueTask<HistorySlice> ReadHistoryAsync(string channel, ChannelOffset? since, int limit, CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await RunAsync(channel, RedisScripts.History,
            [_keys.Stream(channel), _keys.Epoch(channel)],
            [since?.Position.ToString() ?? "", limit + 1]).ConfigureAwait(false))!;
        if (result[0].IsNull)
        {
            return new HistorySlice(null, default, default, []);
        }

        var epoch = result[0].ToString();
        var latest = StreamOffset.TryParse(result[1].ToString(), out var last) ? last : default;
        var sinceKept = (int)result[2] == 1;
        var messages = new List<BackplaneMessage>();
        if (since is { } from && from.Epoch == epoch)
        {
            foreach (var entry in (RedisResult[])result[3]!)
            {
                var fields = (RedisResult[])entry!;
                var id = fields[0].ToString();
                var values = (RedisResult[])fields[1]!;
                var data = (byte[])values[1]!;
                var publishedAt = StreamOffset.TryParse(id, out var position) ? position.Milliseconds : 0;
                messages.Add(new BackplaneMessage(channel, $"{epoch}:{id}", data, publishedAt));
            }
        }

        var complete = since is { } s && s.Epoch == epoch && (sinceKept || s.Position >= latest);
        return new HistorySlice(epoch, latest, complete, messages);
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Action<BackplaneMessage> onMessage, CancellationToken cancellationToken = default)
    {
        ChannelMessageQueue queue;
        try
        {
            queue = await _redis.GetSubscriber().SubscribeAsync(_keys.Messages(channel)).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
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

    /// <summary>Runs a script; an unreachable Redis becomes <see cref="BackplaneUnavailableException"/>.</summary>
    internal async Task<RedisResult> RunAsync(string channel, string script, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await _redis.GetDatabase().ScriptEvaluateAsync(script, keys, values).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            BackplaneLog.CommandFailed(_logger, channel, e.Message);
            throw new BackplaneUnavailableException("the backplane is unreachable", e);
        }
    }

    internal RedisKeys Keys => _keys;

    /// <summary>"offset\ndata", or "!join\nmember" / "!leave\nmember": the first newline splits.</summary>
    internal static BackplaneMessage Decode(string channel, byte[] payload)
    {
        var newline = Array.IndexOf(payload, (byte)'\n');
        var head = Encoding.ASCII.GetString(payload, 0, newline);
        var body = payload.AsMemory(newline + 1);
        return head switch
        {
            "!join" => new BackplaneMessage(channel, null, body, NowMs(), BackplaneMessageKind.Join),
            "!leave" => new BackplaneMessage(channel, null, body, NowMs(), BackplaneMessageKind.Leave),
            _ => new BackplaneMessage(channel, head, body, ChannelOffset.TryParse(head, out var offset) ? offset.Position.Milliseconds : NowMs()),
        };

        static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    }

    private static bool IsUnavailable(Exception e) => e is RedisConnectionException or RedisTimeoutException or ObjectDisposedException;

    private sealed class Subscription(ChannelMessageQueue queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (IsUnavailable(e))
            {
                // The connection is gone, and with it the subscription.
            }
        }
    }
}

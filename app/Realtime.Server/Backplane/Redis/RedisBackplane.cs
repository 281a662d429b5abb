using Microsoft.Extensions.Options;
using Realtime.Server.Hosting;
using StackExchange.Redis;

namespace Realtime.Server.Backplane.Redis;

/// <summary>
/// The backplane across nodes: one shared multiplexer; publish = one Lua script (stream append +
/// PUBLISH); one pub/sub subscription per channel per node, restored by StackExchange.Redis after a
/// reconnect or failover.
/// </summary>
public sealed class RedisBackplane : IBackplane
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly RedisOptions _options;
    private readonly ILogger<RedisBackplane> _logger;

    public RedisBackplane(IConnectionMultiplexer redis, IOptions<RealtimeOptions> options, ILogger<RedisBackplane> logger)
    {
        _redis = redis;
        _options = options.Value.Redis;
        _keys = new RedisKeys(_options.KeyPrefix);
        _logger = logger;
    }

    public bool IsConnected => _redis.IsConnected;

    public async ValueTask<string> PublishAsync(string channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        try
        {
            var id = await _redis.GetDatabase().ScriptEvaluateAsync(
                RedisScripts.Publish,
                [_keys.Stream(channel)],
                [data, _options.HistoryMaxLength, _options.HistoryTtlSeconds * 1000L, _keys.MessagesName(channel)]).ConfigureAwait(false);
            return id.ToString();
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            BackplaneLog.PublishFailed(_logger, channel, e.Message);
            throw new BackplaneUnavailableException("the backplane is unreachable", e);
        }
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Action<BackplaneMessage> onMessage, CancellationToken cancellationToken = default)
    {
        ChannelMessageQueue queue;
        try
        {
            queue = await _redis.GetSubscriber().SubscribeAsync(_keys.Messages(channel)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
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

    /// <summary>Payload "id\ndata": the stream id never holds a newline, so the first one splits.</summary>
    internal static BackplaneMessage Decode(string channel, byte[] payload)
    {
        var newline = Array.IndexOf(payload, (byte)'\n');
        var offset = System.Text.Encoding.ASCII.GetString(payload, 0, newline);
        var publishedAt = StreamOffset.TryParse(offset, out var parsed) ? parsed.Milliseconds : 0;
        return new BackplaneMessage(channel, offset, payload.AsMemory(newline + 1), publishedAt);
    }

    private sealed class Subscription(ChannelMessageQueue queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
            {
                // The connection is gone, and with it the subscription.
            }
        }
    }
}

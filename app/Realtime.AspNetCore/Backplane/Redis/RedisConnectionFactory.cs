using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Hosting;
using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// Builds the one multiplexer a node shares: TLS and AUTH from configuration (ElastiCache in-transit
/// encryption and AUTH token), never giving up on a server that is down at start-up, and failing
/// commands at once while disconnected so a publish is never acknowledged that did not happen.
/// </summary>
public static class RedisConnectionFactory
{
    public static IConnectionMultiplexer Connect(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<RealtimeOptions>>().Value;
        var node = services.GetRequiredService<NodeIdentity>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RedisConnectionFactory));
        var metrics = services.GetRequiredService<RealtimeMetrics>();

        var configuration = ConfigurationOptions.Parse(options.Redis.ConnectionString);
        if (!string.IsNullOrEmpty(options.Redis.Password))
        {
            configuration.Password = options.Redis.Password;
        }

        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName = node.Id;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 5000);

        var multiplexer = ConnectionMultiplexer.Connect(configuration);
        multiplexer.ConnectionFailed += (_, e) => BackplaneLog.ConnectionLost(logger, e.ConnectionType, e.FailureType);
        multiplexer.ConnectionRestored += (_, e) =>
        {
            BackplaneLog.ConnectionRestored(logger, e.ConnectionType);
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                metrics.BackplaneReconnected();
            }
        };
        return multiplexer;
    }
}

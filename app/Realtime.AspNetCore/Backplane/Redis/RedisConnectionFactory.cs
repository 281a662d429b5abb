using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// Builds the one multiplexer a node shares: TLS and AUTH from configuration (ElastiCache in-transit
/// encryption and AUTH token), never giving up on a server that is down at start-up, and failing
/// commands at once while disconnected so a publish is never acknowledged that did not happen.
/// </summary>
public static class RedisConnectionFactory
{
    /// <param name="clientName">The node's id, as <c>CLIENT LIST</c> shows it.</param>
    public static IConnectionMultiplexer Connect(RedisOptions redis, string clientName, ILogger logger)
    {
        var configuration = ConfigurationOptions.Parse(redis.ConnectionString);
        if (!string.IsNullOrEmpty(redis.Password))
        {
            configuration.Password = redis.Password;
        }

        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName = clientName;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 5000);

        var multiplexer = ConnectionMultiplexer.Connect(configuration);
        multiplexer.ConnectionFailed += (_, e) => BackplaneLog.ConnectionLost(logger, e.ConnectionType, e.FailureType);
        multiplexer.ConnectionRestored += (_, e) => BackplaneLog.ConnectionRestored(logger, e.ConnectionType);
        return multiplexer;
    }
}

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
    /// <param name="passwordSource">Where a rotating token is read; the first one comes from it unless <see cref="RedisOptions.Password"/> is set.</param>
    public static RedisConnection Connect(RedisOptions redis, string clientName, ILogger logger, IRedisPasswordSource? passwordSource = null)
    {
        var configuration = ConfigurationOptions.Parse(redis.ConnectionString);
        if (!string.IsNullOrEmpty(redis.Password))
        {
            configuration.Password = redis.Password;
        }
        else if (passwordSource is not null)
        {
            // At start-up, before anything is served: a node that cannot read its token must not start.
            configuration.Password = passwordSource.ReadAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName = clientName;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 5000);

        // The multiplexer keeps this very object (StackExchange.Redis 2.5.61+) and reads its Password
        // on every (re)connect, which is what lets RedisPasswordRefresher change it.
        var multiplexer = ConnectionMultiplexer.Connect(configuration);
        multiplexer.ConnectionFailed += (_, e) => BackplaneLog.ConnectionLost(logger, e.ConnectionType, e.FailureType);
        multiplexer.ConnectionRestored += (_, e) => BackplaneLog.ConnectionRestored(logger, e.ConnectionType);
        return new RedisConnection(multiplexer, configuration, passwordSource);
    }
}

using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>The node's one multiplexer and the configuration it connects with (its AUTH token can change while it runs).</summary>
/// <param name="PasswordSource">Where a rotating token is re-read, if anywhere.</param>
public sealed record RedisConnection(IConnectionMultiplexer Multiplexer, ConfigurationOptions Configuration, IRedisPasswordSource? PasswordSource);

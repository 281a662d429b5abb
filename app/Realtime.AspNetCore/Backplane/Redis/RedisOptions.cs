namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>The <c>Realtime:Redis</c> section: where the backplane is and how its keys are named.</summary>
public sealed class RedisOptions
{
    /// <summary>StackExchange.Redis configuration, e.g. "host:6380,ssl=true". Empty: in-memory backplane (one node).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>AUTH token (ElastiCache injects it as a secret). Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Prefix of every key and pub/sub channel, so several apps can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "rt";
}

/// <summary>What the Redis backplane needs besides its connection, projected from the validated options by hosting.</summary>
/// <param name="KeyPrefix">Prefix of every key and pub/sub channel.</param>
/// <param name="MaxReplayBytes">Most bytes of message data one history read returns.</param>
public sealed record RedisBackplaneSettings(string KeyPrefix = "rt", int MaxReplayBytes = 4 * 1024 * 1024);

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>The <c>Realtime:Redis</c> section: where the backplane is and how its keys are named.</summary>
public sealed class RedisOptions
{
    /// <summary>StackExchange.Redis configuration, e.g. "host:6380,ssl=true". Empty: in-memory backplane (one node).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>AUTH token (ElastiCache injects it as a secret). Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// A file holding the AUTH token (a mounted secret), re-read every <see cref="PasswordRefreshSeconds"/>:
    /// a rotated token reaches the node without a restart. Mutually exclusive with <see cref="PasswordSecretId"/>.
    /// </summary>
    public string? PasswordFile { get; set; }

    /// <summary>
    /// A Secrets Manager secret (name or ARN) holding the AUTH token, read through Parameter Store's
    /// reference (<c>/aws/reference/secretsmanager/NAME</c>) every <see cref="PasswordRefreshSeconds"/>:
    /// how a task follows the stack's scheduled rotation. <see cref="Password"/>, when given, is the
    /// token the node starts with.
    /// </summary>
    public string? PasswordSecretId { get; set; }

    /// <summary>How often the token is re-read from <see cref="PasswordFile"/> or <see cref="PasswordSecretId"/>, and sooner while a Redis server is unreachable.</summary>
    public int PasswordRefreshSeconds { get; set; } = 60;

    /// <summary>Prefix of every key and pub/sub channel, so several apps can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "rt";
}

/// <summary>What the Redis backplane needs besides its connection, projected from the validated options by hosting.</summary>
/// <param name="KeyPrefix">Prefix of every key and pub/sub channel.</param>
/// <param name="MaxReplayBytes">Most bytes of message data one history read returns.</param>
public sealed record RedisBackplaneSettings(string KeyPrefix = "rt", int MaxReplayBytes = 4 * 1024 * 1024);

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// Where a rotating Redis AUTH token is read from. The node reads it at start (unless
/// <c>Realtime:Redis:Password</c> gives the first one), then every <c>PasswordRefreshSeconds</c>, and
/// while a Redis server is unreachable (it may refuse the token held) 2 s after losing it, then less
/// often. Register your own (a vault, say) as a singleton.
/// </summary>
public interface IRedisPasswordSource
{
    /// <summary>What the logs name the source by (a path or a secret id, never the token).</summary>
    string Name { get; }

    /// <summary>The current token; an exception when it cannot be read (the node keeps the one it has).</summary>
    Task<string> ReadAsync(CancellationToken cancellationToken);
}

namespace Realtime.AspNetCore.Extensibility;

/// <summary><c>Realtime:Hooks</c>: limits for the app's hooks and the HTTP proxy's calls.</summary>
public sealed class HookOptions
{
    /// <summary>How long a hook written in C# may take before the request fails with <c>hook_timeout</c>.</summary>
    public int TimeoutMs { get; set; } = 1000;

    /// <summary>
    /// Sent as <c>X-Realtime-Secret</c> on every proxy call, so the backend knows the call is the
    /// node's. Store it as a secret (the CDK passes Secrets Manager values as container secrets).
    /// </summary>
    public string? ProxySecret { get; set; }

    /// <summary>Events (stored publishes, claims, releases) waiting for one receiver; beyond it new ones are dropped, counted and logged.</summary>
    public int EventQueueCapacity { get; set; } = 10_000;

    /// <summary>Bytes of event data waiting for all receivers together (a receiver that is down must not take the node's memory).</summary>
    public long EventQueueMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Tries per event and receiver before it is given up (counted and logged); 0.2 s doubling to 5 s between them.</summary>
    public int EventMaxAttempts { get; set; } = 10;

    /// <summary>The proxy's circuit breaker opens when at least half of this many calls in 30 s failed.</summary>
    public int BreakerMinimumCalls { get; set; } = 10;

    /// <summary>How long an open breaker fails calls at once (<c>hook_failed</c>) before it lets one through to test the backend.</summary>
    public int BreakerOpenSeconds { get; set; } = 5;
}

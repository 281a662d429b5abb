namespace RealtimeInfra.Cdk.Settings;

/// <summary>The app's own timing, passed to every task as environment so infra and app agree.</summary>
public sealed record AppSettings
{
    /// <summary>Server ping interval; the ALB idle timeout is sized from it.</summary>
    public int HeartbeatSeconds { get; init; } = 25;

    /// <summary>Window over which a stopping task spreads its reconnect requests.</summary>
    public int DrainSeconds { get; init; } = 30;

    /// <summary>
    /// ECS task events start the drain too (an EventBridge rule and a function in the VPC calling
    /// the task's <c>/api/drain</c>), beside the task metadata every node polls by itself.
    /// </summary>
    public bool DrainOnTaskEvents { get; init; } = true;

    /// <summary>After a scale-out, tasks above their share ask the excess to reconnect (passed to the app).</summary>
    public RebalanceSettings Rebalance { get; init; } = new();

    /// <summary>
    /// More of the app's own <c>Realtime</c> settings, passed to every task as environment: key as the
    /// app names it (<c>"Namespaces:booking:Proxy:Claim:Url"</c>), value as text. Not for what the
    /// stack sets itself (the cache, heartbeat, drain, rebalancing, metrics, connection limit).
    /// </summary>
    public Dictionary<string, string> Settings { get; init; } = [];

    /// <summary>
    /// App settings kept in Secrets Manager: key as in <see cref="Settings"/> (<c>"Hooks:ProxySecret"</c>),
    /// value the secret's complete ARN. ECS reads them when a task starts; they never appear in the
    /// task definition, and the task's execution role may read exactly these secrets.
    /// </summary>
    public Dictionary<string, string> SecretSettings { get; init; } = [];
}

/// <summary>The app's <c>Realtime:Rebalance</c> settings, as the stack passes them to every task.</summary>
public sealed record RebalanceSettings
{
    public bool Enabled { get; init; } = true;

    /// <summary>Percent from the fleet's average that counts as unbalanced (see the app's RebalanceOptions).</summary>
    public int MarginPercent { get; init; } = 10;

    /// <summary>A task with fewer connections never sheds.</summary>
    public int MinConnections { get; init; } = 100;

    /// <summary>One round's reconnect requests are spread over this window.</summary>
    public int WindowSeconds { get; init; } = 60;
}

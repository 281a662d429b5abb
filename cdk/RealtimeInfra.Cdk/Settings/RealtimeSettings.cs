namespace RealtimeInfra.Cdk.Settings;

/// <summary>
/// Everything one environment (dev, prod, …) can set. Every property has a safe default, so an
/// environment in cdk.json lists only what differs. Defaults lean towards production safety
/// (Multi-AZ, retention, protection); dev relaxes them explicitly in cdk.json.
/// </summary>
public sealed record RealtimeSettings
{
    /// <summary>
    /// Target AWS account. Left out: the account is resolved at deploy time. Giving it makes CDK
    /// look up the region's availability zones, which needs AWS credentials or cdk.context.json.
    /// </summary>
    public string? Account { get; init; }

    /// <summary>Target AWS region; needed for ALB access logs. Left out: environment-agnostic.</summary>
    public string? Region { get; init; }

    /// <summary>Termination protection on the stateful stacks (Network, Backplane).</summary>
    public bool TerminationProtection { get; init; } = true;

    /// <summary>Keep data (cache snapshot, secret, logs, access-log bucket) when a stack is deleted.</summary>
    public bool RetainData { get; init; } = true;

    public NetworkSettings Network { get; init; } = new();
    public BackplaneSettings Backplane { get; init; } = new();
    public ServiceSettings Service { get; init; } = new();
    public LoadBalancerSettings LoadBalancer { get; init; } = new();
    public AppSettings App { get; init; } = new();
    public ObservabilitySettings Observability { get; init; } = new();
}

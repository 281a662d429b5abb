using System.Text.Json.Serialization;

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

    /// <summary>
    /// <c>hipaa</c> (prod in cdk.json) builds what cdk-nag's HIPAA Security and NIST 800-53 rev 5 packs
    /// ask for where it costs money or operations: customer-managed KMS keys, WAF logs, versioned and
    /// logged access logs, 15 days of cache snapshots, a rotating cache AUTH token, managed IAM
    /// policies; it needs the WAF and access logs on (and so a region). <c>none</c> (the default, so an
    /// environment of no settings stays valid) leaves them out. docs/compliance.md lists every rule.
    /// </summary>
    public string Compliance { get; init; } = ComplianceLevel.None;

    /// <summary>True when this environment is built to the compliance packs.</summary>
    [JsonIgnore]
    public bool Strict => Compliance == ComplianceLevel.Hipaa;

    public NetworkSettings Network { get; init; } = new();
    public BackplaneSettings Backplane { get; init; } = new();
    public ServiceSettings Service { get; init; } = new();
    public LoadBalancerSettings LoadBalancer { get; init; } = new();
    public AppSettings App { get; init; } = new();
    public ObservabilitySettings Observability { get; init; } = new();
}

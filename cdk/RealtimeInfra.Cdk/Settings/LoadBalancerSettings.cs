namespace RealtimeInfra.Cdk.Settings;

public sealed record LoadBalancerSettings
{
    /// <summary>Seconds a WebSocket may stay silent before the ALB cuts it; at least two heartbeats.</summary>
    public int IdleTimeoutSeconds { get; init; } = 120;

    /// <summary>Seconds the ALB keeps a deregistering target's connections; at least the app's drain.</summary>
    public int DeregistrationDelaySeconds { get; init; } = 40;

    /// <summary>
    /// lb_cookie lifetime, 0 for none (the default): a reconnecting browser would return to the task
    /// that served it, which rebalancing must avoid. Correctness never depends on it.
    /// </summary>
    public int StickinessSeconds { get; init; }

    /// <summary>
    /// An existing ACM certificate for the HTTPS listener. Without it (and without a hosted zone to
    /// make one in) the ALB serves plain HTTP, for development only.
    /// </summary>
    public string? CertificateArn { get; init; }

    /// <summary>Public host name clients use; needs <see cref="CertificateArn"/> or a hosted zone.</summary>
    public string? DomainName { get; init; }

    /// <summary>Route 53 zone of <see cref="DomainName"/>: a DNS-validated certificate and an alias record are made in it.</summary>
    public string? HostedZoneId { get; init; }

    /// <summary>The zone's name (e.g. example.com); given with <see cref="HostedZoneId"/> so synth needs no lookup.</summary>
    public string? HostedZoneName { get; init; }

    /// <summary>AWS WAF web ACL on the ALB: AWS managed common rules and a per-IP rate limit.</summary>
    public bool Waf { get; init; } = true;

    /// <summary>Requests (HTTP requests and WebSocket upgrades) one IP may make per five minutes before WAF blocks it.</summary>
    public int WafRateLimitPer5Minutes { get; init; } = 2000;

    public bool DeletionProtection { get; init; } = true;

    /// <summary>Off by default because it needs <c>region</c>; prod turns it on.</summary>
    public bool AccessLogs { get; init; }

    public int AccessLogRetentionDays { get; init; } = 90;

    /// <summary>
    /// The server API (<c>/api/*</c>) is not served on the public listeners (they answer 404); it has
    /// a listener of its own on this port, reachable only from <see cref="ApiAllowedCidrs"/>.
    /// </summary>
    public int ApiPort { get; init; } = 8443;

    /// <summary>Who may reach the API listener (e.g. your backends' NAT addresses as /32). Empty: nobody, the API is closed.</summary>
    public IReadOnlyList<string> ApiAllowedCidrs { get; init; } = [];
}

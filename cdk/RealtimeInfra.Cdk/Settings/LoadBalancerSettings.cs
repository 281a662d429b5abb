namespace RealtimeInfra.Cdk.Settings;

public sealed record LoadBalancerSettings
{
    /// <summary>Seconds a WebSocket may stay silent before the ALB cuts it; at least two heartbeats.</summary>
    public int IdleTimeoutSeconds { get; init; } = 120;

    /// <summary>Seconds the ALB keeps a deregistering target's connections; at least the app's drain.</summary>
    public int DeregistrationDelaySeconds { get; init; } = 40;

    /// <summary>lb_cookie lifetime: a reconnecting client returns to the task that holds its state.</summary>
    public int StickinessSeconds { get; init; } = 3600;

    /// <summary>ACM certificate for the HTTPS listener. Without it the ALB serves plain HTTP (dev only).</summary>
    public string? CertificateArn { get; init; }

    /// <summary>Public host name clients use; needs <see cref="CertificateArn"/>.</summary>
    public string? DomainName { get; init; }

    public bool DeletionProtection { get; init; } = true;

    /// <summary>Off by default because it needs <c>region</c>; prod turns it on.</summary>
    public bool AccessLogs { get; init; }

    public int AccessLogRetentionDays { get; init; } = 90;
}

namespace RealtimeInfra.Cdk.Settings;

/// <summary>The dashboard, and the alarms that notify an SNS topic, with their thresholds.</summary>
public sealed record ObservabilitySettings
{
    /// <summary>Address subscribed to the alarm topic (it must confirm the subscription). Left out: no subscription.</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>5xx responses (load balancer and targets) as a percentage of requests, over five minutes.</summary>
    public int Http5xxPercent { get; init; } = 5;

    /// <summary>p99 of the time from the backplane accepting a message to a task queuing it, in milliseconds.</summary>
    public int DeliveryLagP99Milliseconds { get; init; } = 1000;

    /// <summary>Messages a minute not queued to a receiver (full queue or closing), across tasks.</summary>
    public int DroppedPerMinute { get; init; } = 100;

    /// <summary>
    /// Connections a minute refused for lack of room (a full task, memory pressure, too many
    /// half-open connections), across tasks: the fleet is short of capacity.
    /// </summary>
    public int RefusedPerMinute { get; init; } = 100;

    public int CacheCpuPercent { get; init; } = 80;

    public int CacheMemoryPercent { get; init; } = 80;
}

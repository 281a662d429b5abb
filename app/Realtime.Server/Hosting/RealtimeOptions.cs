namespace Realtime.Server.Hosting;

/// <summary>The <c>Realtime</c> configuration section. Every value has a default; bad values stop start-up.</summary>
public sealed class RealtimeOptions
{
    public const string SectionName = "Realtime";

    /// <summary>This node's id in <c>welcome</c>, logs and Redis client names. Default: machine name + random suffix.</summary>
    public string? NodeId { get; set; }

    /// <summary>Seconds between server pings. The ALB idle timeout is sized from it (cdk settings: app.heartbeatSeconds).</summary>
    public int HeartbeatSeconds { get; set; } = 25;

    /// <summary>A connection that sends nothing (not even a pong) for this long is closed.</summary>
    public int ClientTimeoutSeconds { get; set; } = 60;

    /// <summary>Seconds over which a stopping node spreads its reconnect requests.</summary>
    public int DrainSeconds { get; set; } = 30;

    /// <summary>Largest text frame accepted, in bytes; larger closes the connection with 1009.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    public int MaxSubscriptionsPerConnection { get; set; } = 100;

    /// <summary>Sustained publishes per second per connection (token bucket refill rate).</summary>
    public double PublishRatePerSecond { get; set; } = 50;

    /// <summary>Publishes a connection may make at once before the rate applies (bucket size).</summary>
    public int PublishBurst { get; set; } = 100;

    /// <summary>Open connections per node; further upgrades are answered 503.</summary>
    public int MaxConnections { get; set; } = 20_000;

    /// <summary>Frames queued for one receiver; a receiver that falls this far behind is closed with 1013.</summary>
    public int SendQueueCapacity { get; set; } = 512;

    /// <summary>Protocol errors in a row before the connection is closed with 1008.</summary>
    public int MaxConsecutiveErrors { get; set; } = 5;

    /// <summary>
    /// Origins allowed to open a WebSocket (e.g. https://app.example.com). Empty: same origin only;
    /// "*": any. Requests without an Origin header (non-browser clients) are allowed.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Keys accepted by the server API as <c>Authorization: Bearer KEY</c>. Empty: the API is closed.</summary>
    public List<string> ApiKeys { get; set; } = [];

    public RedisOptions Redis { get; set; } = new();

    public MetricsOptions Metrics { get; set; } = new();
}

public sealed class RedisOptions
{
    /// <summary>StackExchange.Redis configuration, e.g. "host:6380,ssl=true". Empty: in-memory backplane (one node).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>AUTH token (ElastiCache injects it as a secret). Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Prefix of every key and pub/sub channel, so several apps can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "rt";

    /// <summary>Messages kept per channel for resume (approximate, as Redis trims whole nodes).</summary>
    public int HistoryMaxLength { get; set; } = 1000;

    /// <summary>A channel's history expires this long after its last message.</summary>
    public int HistoryTtlSeconds { get; set; } = 24 * 3600;
}

public sealed class MetricsOptions
{
    /// <summary>Write CloudWatch Embedded Metric Format lines to stdout (the ECS autoscaling metric).</summary>
    public bool EmbeddedMetricFormat { get; set; }

    public int EmbeddedMetricIntervalSeconds { get; set; } = 60;

    /// <summary>CloudWatch dimension value naming the service.</summary>
    public string ServiceName { get; set; } = "realtime";
}

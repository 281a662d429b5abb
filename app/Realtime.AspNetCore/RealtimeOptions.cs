namespace Realtime.AspNetCore;

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

    /// <summary>What starts the drain before SIGTERM: ECS task metadata, the drain endpoint.</summary>
    public Application.DrainOptions Drain { get; set; } = new();

    /// <summary>Rebalancing after a scale-out: a node above its share asks the excess to reconnect.</summary>
    public Application.RebalanceOptions Rebalance { get; set; } = new();

    /// <summary>
    /// What shutdown needs after the drain: the last clients' closes (each bounded by the 5 s close
    /// timeout) and the backplane's. The host waits <c>DrainSeconds</c> + this; the CDK requires the
    /// container's stop timeout to be at least as long (its <c>StopTimeoutMarginSeconds</c>, checked
    /// against the synthesized task by DeploymentContractTests).
    /// </summary>
    public const int ShutdownMarginSeconds = 10;

    /// <summary>Largest text frame accepted, in bytes; larger closes the connection with 1009.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    public int MaxSubscriptionsPerConnection { get; set; } = 100;

    /// <summary>Sustained publishes per second per connection (token bucket refill rate).</summary>
    public double PublishRatePerSecond { get; set; } = 50;

    /// <summary>Publishes a connection may make at once before the rate applies (bucket size).</summary>
    public int PublishBurst { get; set; } = 100;

    /// <summary>
    /// Subscribes (resumes included) a connection may make per second: each one reads the channel's
    /// history, so a loop of them would make Redis work for nothing. The burst covers a reconnect that
    /// resumes every subscription at once.
    /// </summary>
    public double SubscribeRatePerSecond { get; set; } = 20;

    public int SubscribeBurst { get; set; } = 100;

    /// <summary>
    /// Distinct channels one connection may publish, claim or release in per minute; each new channel
    /// costs the cache a history for its lifetime. Beyond it <c>rate_limited</c>.
    /// </summary>
    public int MaxChannelsWrittenPerMinute { get; set; } = 100;

    /// <summary>
    /// Open WebSockets per node; further upgrades are answered 503. With <see cref="Overload"/>'s
    /// pending connections and reserve it must fit the process's open-file limit, or start-up fails.
    /// 0 (the default): as many as that limit leaves room for, at most 20,000 (logged at start).
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>Whether <see cref="MaxConnections"/> was left at 0 and derived from the open-file limit; not a setting.</summary>
    public bool MaxConnectionsDerived { get; internal set; }

    /// <summary>Frames queued for one receiver; a receiver that falls this far behind is closed with 1013.</summary>
    public int SendQueueCapacity { get; set; } = 512;

    /// <summary>
    /// Publishes one connection may have on their way to the backplane at once: the connection reads
    /// on while they are in flight (answers still in request order), and waits, holding the client
    /// back through TCP, when this many are. One round trip per publish would cap a busy publisher
    /// at 1 / latency.
    /// </summary>
    public int MaxRequestsInFlight { get; set; } = 32;

    /// <summary>Protocol errors in a row before the connection is closed with 1008.</summary>
    public int MaxConsecutiveErrors { get; set; } = 5;

    /// <summary>
    /// Origins allowed to open a WebSocket (e.g. https://app.example.com). Empty: same origin only;
    /// "*": any. Requests without an Origin header (non-browser clients) are allowed.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Keys accepted by the server API as <c>Authorization: Bearer KEY</c>. Empty: the API is closed.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Rules per channel namespace; the entry "default" applies to every other namespace.</summary>
    public Dictionary<string, Channels.NamespaceOptions> Namespaces { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Most messages replayed on resume; a client further behind gets <c>recovered:false</c>.</summary>
    public int MaxReplay { get; set; } = 1000;

    /// <summary>
    /// Most bytes of message data one history read returns (a resume, or one step of filling a
    /// gap): a resume that would need more is answered <c>recovered:false</c>, and gap filling reads on.
    /// </summary>
    public int MaxReplayBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long a publish's <c>id</c> is remembered: a retry with the same id within it is stored and
    /// delivered once and answered with the first offset. Longer than any client's retries.
    /// </summary>
    public int PublishIdWindowSeconds { get; set; } = 120;

    /// <summary>Most claims one <c>claims</c> request lists (the soonest to expire); the reply says when there are more.</summary>
    public int MaxClaimsListed { get; set; } = 1000;

    public Identity.AuthOptions Auth { get; set; } = new();

    /// <summary>The app's own logic: hooks in C# and the HTTP proxy (docs/extending.md).</summary>
    public Extensibility.HookOptions Hooks { get; set; } = new();

    public Overload.OverloadOptions Overload { get; set; } = new();

    public Backplane.Redis.RedisOptions Redis { get; set; } = new();

    public MetricsOptions Metrics { get; set; } = new();
}

public sealed class MetricsOptions
{
    /// <summary>Write CloudWatch Embedded Metric Format lines to stdout (the ECS autoscaling metric).</summary>
    public bool EmbeddedMetricFormat { get; set; }

    public int EmbeddedMetricIntervalSeconds { get; set; } = 60;

    /// <summary>CloudWatch dimension value naming the service.</summary>
    public string ServiceName { get; set; } = "realtime";
}

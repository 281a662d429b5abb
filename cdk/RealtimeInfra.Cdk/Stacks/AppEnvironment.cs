using RealtimeInfra.Cdk.Constructs;
using RealtimeInfra.Cdk.Settings;

namespace RealtimeInfra.Cdk.Stacks;

/// <summary>
/// The environment variables the app reads (ASP.NET Core maps <c>__</c> to <c>:</c>), so the
/// container's heartbeat and drain always match what the ALB and ECS were sized for.
/// </summary>
public static class AppEnvironment
{
    public const string RedisConnectionString = "Realtime__Redis__ConnectionString";
    public const string RedisPassword = "Realtime__Redis__Password";
    public const string RedisPasswordSecretId = "Realtime__Redis__PasswordSecretId";
    public const string RedisPasswordRefreshSeconds = "Realtime__Redis__PasswordRefreshSeconds";
    public const string HeartbeatSeconds = "Realtime__HeartbeatSeconds";
    public const string DrainSeconds = "Realtime__DrainSeconds";
    public const string DrainToken = "Realtime__Drain__Token";
    public const string RebalanceEnabled = "Realtime__Rebalance__Enabled";
    public const string RebalanceMarginPercent = "Realtime__Rebalance__MarginPercent";
    public const string RebalanceMinConnections = "Realtime__Rebalance__MinConnections";
    public const string RebalanceWindowSeconds = "Realtime__Rebalance__WindowSeconds";
    public const string MaxConnections = "Realtime__MaxConnections";
    public const string HttpPorts = "ASPNETCORE_HTTP_PORTS";
    public const string EmbeddedMetrics = "Realtime__Metrics__EmbeddedMetricFormat";
    public const string MetricsServiceName = "Realtime__Metrics__ServiceName";

    /// <summary>How often a task re-reads the cache AUTH token from Secrets Manager, so a rotated token reaches it.</summary>
    public const int PasswordRefreshSeconds = 60;

    /// <summary>The rotation's wait between making a token current and ElastiCache dropping the old one: two refreshes and a margin.</summary>
    public const int PasswordGraceSeconds = (2 * PasswordRefreshSeconds) + 30;

    /// <summary>The port Kestrel listens on in the container (the .NET images' default), which the load balancer targets.</summary>
    public const int ContainerPort = 8080;

    /// <summary>The <c>ServiceName</c> dimension of an environment's metrics: dev and prod can share an account.</summary>
    public static string MetricsServiceNameOf(string environment) => $"realtime-{environment}";

    /// <summary>The environment variable of a key of the app's Realtime section: <c>Hooks:ProxySecret</c> → <c>Realtime__Hooks__ProxySecret</c>.</summary>
    public static string Variable(string key) => "Realtime__" + key.Replace(":", "__", StringComparison.Ordinal);

    public static Dictionary<string, string> For(string environment, RealtimeSettings settings, RedisBackplane backplane)
    {
        var variables = Stack(environment, settings, backplane);
        if (backplane.AuthTokenRotates)
        {
            // The token a task starts with comes as an ECS secret; these let it follow a rotation.
            variables[RedisPasswordSecretId] = backplane.AuthToken.SecretArn;
            variables[RedisPasswordRefreshSeconds] = PasswordRefreshSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in settings.App.Settings)
        {
            variables[Variable(key)] = value;
        }

        return variables;
    }

    private static Dictionary<string, string> Stack(string environment, RealtimeSettings settings, RedisBackplane backplane) => new()
    {
        // StackExchange.Redis syntax: host:port plus TLS, since the cache only accepts TLS. With cluster
        // mode the host is the configuration endpoint; the client learns from the server that it is a
        // cluster, so the format does not change.
        [RedisConnectionString] = $"{backplane.Endpoint}:{backplane.Port},ssl=true",
        [HeartbeatSeconds] = settings.App.HeartbeatSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [DrainSeconds] = settings.App.DrainSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // The task's open-file limit and memory were sized for this many (TaskBudget).
        [MaxConnections] = settings.Service.MaxConnectionsPerTask.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [HttpPorts] = ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // CloudWatch Embedded Metric Format lines: ConnectionsPerTask without an agent.
        [EmbeddedMetrics] = "true",
        [MetricsServiceName] = MetricsServiceNameOf(environment),
        [RebalanceEnabled] = settings.App.Rebalance.Enabled ? "true" : "false",
        [RebalanceMarginPercent] = settings.App.Rebalance.MarginPercent.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [RebalanceMinConnections] = settings.App.Rebalance.MinConnections.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [RebalanceWindowSeconds] = settings.App.Rebalance.WindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

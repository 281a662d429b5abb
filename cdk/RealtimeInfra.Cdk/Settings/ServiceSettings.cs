namespace RealtimeInfra.Cdk.Settings;

public sealed record ServiceSettings
{
    /// <summary>Fargate CPU units (256 = ¼ vCPU).</summary>
    public int Cpu { get; init; } = 512;

    public int MemoryMiB { get; init; } = 1024;

    /// <summary><c>arm64</c> (Graviton: cheaper per connection) or <c>x86_64</c>.</summary>
    public string Architecture { get; init; } = "arm64";

    public int DesiredCount { get; init; } = 2;
    public int MinTasks { get; init; } = 2;
    public int MaxTasks { get; init; } = 6;

    /// <summary>Average CPU the autoscaler aims for.</summary>
    public int CpuTargetPercent { get; init; } = 60;

    /// <summary>Open WebSockets per task the autoscaler aims for (the app's ConnectionsPerTask metric); well under <see cref="MaxConnectionsPerTask"/>.</summary>
    public int ConnectionsTargetPerTask { get; init; } = 5000;

    /// <summary>
    /// The most WebSockets one task takes (the app's <c>MaxConnections</c>); past it, upgrades are
    /// answered 503. Sizes the container's open-file limit, and must fit the task's memory
    /// (<see cref="TaskBudget"/>).
    /// </summary>
    public int MaxConnectionsPerTask { get; init; } = 20_000;

    /// <summary>
    /// ECS availability-zone rebalancing: after an AZ outage, move tasks back to an even spread.
    /// Each move drains a task (clients reconnect and resume by offset), which is rare and worth it.
    /// </summary>
    public bool AzRebalancing { get; init; } = true;

    /// <summary>Time ECS waits after SIGTERM before SIGKILL; covers the app's drain.</summary>
    public int StopTimeoutSeconds { get; init; } = 45;

    public int HealthCheckGraceSeconds { get; init; } = 30;

    public int LogRetentionDays { get; init; } = 30;

    /// <summary>ECR repository to run instead of building the Dockerfile as an asset.</summary>
    public string? ImageRepositoryName { get; init; }

    /// <summary>Image tag in <see cref="ImageRepositoryName"/>; CI passes it with <c>-c imageTag=…</c>.</summary>
    public string? ImageTag { get; init; }
}

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
}

namespace RealtimeInfra.Cdk.Settings;

/// <summary>The app's own timing, passed to every task as environment so infra and app agree.</summary>
public sealed record AppSettings
{
    /// <summary>Server ping interval; the ALB idle timeout is sized from it.</summary>
    public int HeartbeatSeconds { get; init; } = 25;

    /// <summary>Window over which a stopping task spreads its reconnect requests.</summary>
    public int DrainSeconds { get; init; } = 30;
}

namespace Realtime.AspNetCore.Application;

/// <summary>
/// What starts a node's drain besides SIGTERM (section <c>Realtime:Drain</c>; the drain's length is
/// <c>Realtime:DrainSeconds</c>). On ECS, the task is deregistered from the load balancer, and its
/// sockets cut when the deregistration delay ends, before SIGTERM arrives: the drain must start when
/// ECS decides to stop the task. docs/operations.md, "Draining on ECS".
/// </summary>
public sealed class DrainOptions
{
    /// <summary>
    /// The ECS task metadata endpoint v4 (ECS sets <c>ECS_CONTAINER_METADATA_URI_V4</c>, the default).
    /// The node drains once the task's <c>DesiredStatus</c> is <c>STOPPED</c>. Empty: not polled.
    /// </summary>
    public string? EcsMetadataUri { get; set; }

    /// <summary>How often the metadata endpoint is read; 0 switches polling off.</summary>
    public double EcsPollSeconds { get; set; } = 2;

    /// <summary>
    /// The bearer token of <c>POST /api/drain</c> (the EventBridge function sends it). Empty: the
    /// endpoint answers 404. At least 16 characters.
    /// </summary>
    public string? Token { get; set; }
}

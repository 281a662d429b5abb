using Microsoft.Extensions.Options;

namespace Realtime.AspNetCore;

/// <summary>
/// Who this node is: the configured id, or the machine name plus a random suffix so that two
/// processes on one host (or a restarted task) never share an id.
/// </summary>
public sealed class NodeIdentity(IOptions<RealtimeOptions> options)
{
    public string Id { get; } = options.Value.NodeId is { Length: > 0 } id
        ? id
        : $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>The ECS task this node runs as (<c>TaskARN</c> from the task metadata), once read; null outside ECS.</summary>
    public string? TaskArn { get; set; }
}

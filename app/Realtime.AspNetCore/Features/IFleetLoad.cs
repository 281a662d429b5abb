namespace Realtime.AspNetCore.Features;

/// <summary>How many connections one node holds, as the fleet sees it.</summary>
public readonly record struct NodeLoad(string Node, int Connections);

/// <summary>
/// Every node's connection count, shared through the backplane with an expiry, so nodes can see
/// which of them hold more than their share (rebalancing after a scale-out).
/// </summary>
public interface IFleetLoad
{
    /// <summary>
    /// Records <paramref name="connections"/> for <paramref name="node"/> until <paramref name="ttl"/>
    /// passes without another report, and returns every live node's count, this one's included.
    /// </summary>
    ValueTask<IReadOnlyList<NodeLoad>> ReportAsync(string node, int connections, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Takes the node out of the fleet's count (a draining node is no one's peer).</summary>
    ValueTask LeaveAsync(string node, CancellationToken cancellationToken = default);
}

using Realtime.AspNetCore.Features;

namespace Realtime.AspNetCore.Backplane.InMemory;

/// <summary>One node is the whole fleet: it never holds more than its share.</summary>
public sealed class InMemoryFleetLoad : IFleetLoad
{
    public ValueTask<IReadOnlyList<NodeLoad>> ReportAsync(string node, int connections, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<NodeLoad>>([new NodeLoad(node, connections)]);

    public ValueTask LeaveAsync(string node, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}

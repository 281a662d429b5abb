using Realtime.Bench.Protocols;
using Realtime.Bench.Servers;

namespace Realtime.Bench.Scenarios;

/// <summary>Opening many client connections without overwhelming the servers' accept queues.</summary>
public static class Clients
{
    public static Task<List<BenchConnection>> ConnectAsync(ServerKind kind, IReadOnlyList<Uri> nodes, int count, Func<int, string?> channelOf, Latency? latency, CancellationToken cancellationToken) =>
        ConnectAsync(kind, nodes, count, i => channelOf(i) is { } channel ? [channel] : [], latency, cancellationToken);

    /// <summary>Connection i goes to node i mod nodes and subscribes to each of <paramref name="channelsOf"/>(i).</summary>
    public static async Task<List<BenchConnection>> ConnectAsync(ServerKind kind, IReadOnlyList<Uri> nodes, int count, Func<int, IReadOnlyList<string>> channelsOf, Latency? latency, CancellationToken cancellationToken)
    {
        var connections = new BenchConnection[count];
        using var gate = new SemaphoreSlim(64);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var connection = kind.Client();
                if (latency is not null)
                {
                    connection.OnMessage = latency.Record;
                }

                await connection.ConnectAsync(nodes[i % nodes.Count], cancellationToken).ConfigureAwait(false);
                foreach (var channel in channelsOf(i))
                {
                    await connection.SubscribeAsync(channel, cancellationToken).ConfigureAwait(false);
                }

                connections[i] = connection;
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return [.. connections];
    }

    public static async Task CloseAsync(IEnumerable<BenchConnection> connections)
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}

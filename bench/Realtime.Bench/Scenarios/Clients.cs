using System.Net;
using System.Net.Sockets;
using Realtime.Bench.Protocols;
using Realtime.Bench.Servers;

namespace Realtime.Bench.Scenarios;

/// <summary>Opening many client connections without overwhelming the servers' accept queues.</summary>
public static class Clients
{
    public static Task<List<BenchConnection>> ConnectAsync(ServerKind kind, IReadOnlyList<Uri> nodes, int count, Func<int, string?> channelOf, Latency? latency, CancellationToken cancellationToken, int sourceAddresses = 0) =>
        ConnectAsync(kind, nodes, count, i => channelOf(i) is { } channel ? [channel] : [], latency, cancellationToken, sourceAddresses);

    /// <summary>
    /// Connection i goes to node i mod nodes and subscribes to each of <paramref name="channelsOf"/>(i).
    /// With <paramref name="sourceAddresses"/>, connections come from 127.0.0.2, 127.0.0.3, … in turn:
    /// one source address has about 28,000 ephemeral ports towards one server port.
    /// </summary>
    public static async Task<List<BenchConnection>> ConnectAsync(ServerKind kind, IReadOnlyList<Uri> nodes, int count, Func<int, IReadOnlyList<string>> channelsOf, Latency? latency, CancellationToken cancellationToken, int sourceAddresses = 0)
    {
        var invokers = Enumerable.Range(0, sourceAddresses).Select(i => BoundTo(IPAddress.Parse($"127.0.0.{i + 2}"))).ToList();
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

                await connection.ConnectAsync(nodes[i % nodes.Count], cancellationToken, invokers.Count > 0 ? invokers[i % invokers.Count] : null).ConfigureAwait(false);
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

    /// <summary>Opens each connection from <paramref name="source"/>.</summary>
    private static HttpMessageInvoker BoundTo(IPAddress source) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    public static async Task CloseAsync(IEnumerable<BenchConnection> connections)
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}

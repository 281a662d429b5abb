using Realtime.Bench.Protocols;
using Realtime.Bench.Servers;

namespace Realtime.Bench.Scenarios;

/// <summary>
/// S4 many channels: <c>channels</c> channels with one subscriber each (connections over both nodes,
/// a few channels apiece) and publisher connections on both nodes, opened once and driven step by
/// step. Publishes go round robin over every channel and every publisher, so no single connection
/// or channel bounds the rate: the backplane and the nodes do.
/// </summary>
public sealed class ManyChannelsLoad : IAsyncDisposable
{
    private readonly ServerCluster _cluster;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly int _channels;
    private readonly Latency _latency = new();
    private List<BenchConnection> _subscribers = [];
    private List<BenchConnection> _publishers = [];

    private ManyChannelsLoad(ServerCluster cluster, int channels)
    {
        _cluster = cluster;
        _channels = channels;
    }

    public string Server => _cluster.Kind.Name;

    public static async Task<ManyChannelsLoad> OpenAsync(ServerCluster cluster, int channels, int channelsPerConnection, int publishers, CancellationToken cancellationToken)
    {
        var load = new ManyChannelsLoad(cluster, channels);
        var nodes = cluster.Nodes.Select(n => n.Url).ToList();
        load._subscribers = await Clients.ConnectAsync(cluster.Kind, nodes, channels / channelsPerConnection,
            i => [.. Enumerable.Range(i * channelsPerConnection, channelsPerConnection).Select(c => load.Channel(c))], load._latency, cancellationToken).ConfigureAwait(false);
        load._publishers = await Clients.ConnectAsync(cluster.Kind, nodes, publishers, _ => (string?)null, null, cancellationToken).ConfigureAwait(false);
        await Task.Delay(1000, cancellationToken).ConfigureAwait(false); // every subscription lands
        return load;
    }

    public Task<StepResult> StepAsync(int rate, TimeSpan duration, CancellationToken cancellationToken) =>
        Scenarios.MeasureAsync(_cluster, "S4", _channels, rate, _latency, 1, duration, async (n, sent) =>
            await _publishers[(int)(n % _publishers.Count)].PublishAsync(Channel(n), sent, cancellationToken).ConfigureAwait(false), cancellationToken);

    private string Channel(long i) => $"s4-{_run}-{i % _channels}";

    public async ValueTask DisposeAsync() => await Clients.CloseAsync([.. _publishers, .. _subscribers]).ConfigureAwait(false);
}

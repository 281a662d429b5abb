using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Cluster;

/// <summary>
/// Two nodes on one Redis: a client on node B subscribed to the channels, a publisher on node A, so
/// every message crosses the backplane.
/// </summary>
internal sealed class TwoNodes : IAsyncDisposable
{
    private TwoNodes(TestNode a, TestNode b, TestClient subscriber, TestClient publisher) =>
        (A, B, Subscriber, Publisher) = (a, b, subscriber, publisher);

    public TestNode A { get; }

    public TestNode B { get; }

    public TestClient Subscriber { get; }

    public TestClient Publisher { get; }

    public static async Task<TwoNodes> StartAsync(string redis, string name, params string[] channels)
    {
        var a = await TestNode.StartAsync(redis, nodeId: $"{name}-a");
        var b = await TestNode.StartAsync(redis, nodeId: $"{name}-b");
        var subscriber = await TestClient.ConnectAsync(b.WebSocket);
        foreach (var channel in channels)
        {
            await subscriber.SubscribeAsync(channel);
        }

        return new TwoNodes(a, b, subscriber, await TestClient.ConnectAsync(a.WebSocket));
    }

    public async ValueTask DisposeAsync()
    {
        await Publisher.DisposeAsync();
        await Subscriber.DisposeAsync();
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}

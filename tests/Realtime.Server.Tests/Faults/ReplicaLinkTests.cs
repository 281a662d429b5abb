using System.Net;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Faults;

/// <summary>
/// A replica the node knows of goes away for good (ElastiCache replaces a failed replica under a new
/// address): nothing is subscribed there, so the node stays ready and keeps delivering.
/// </summary>
public sealed class ReplicaLinkTests : IAsyncLifetime
{
    private readonly RedisServer _primary = new() { Arguments = ["--repl-diskless-sync-delay", "0"] };
    private RedisServer _replica = null!;

    public async Task InitializeAsync()
    {
        await _primary.StartAsync();
        _replica = new RedisServer { Arguments = ["--replicaof", "127.0.0.1", _primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)] };
        await _replica.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _replica.DisposeAsync();
        await _primary.DisposeAsync();
    }

    [Fact]
    public async Task A_replica_that_goes_away_leaves_the_node_ready()
    {
        await using var node = await TestNode.StartAsync($"{_primary.ConnectionString},{_replica.ConnectionString}", nodeId: "replica-gone");
        using var http = new HttpClient { BaseAddress = node.Http };
        await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode, "ready with both links");

        await _replica.KillAsync();
        await Task.Delay(1500); // the multiplexer notices the replica's links are gone

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
            await Task.Delay(200);
        }

        const string channel = "chat:replica-gone";
        await using var client = await TestClient.ConnectAsync(node.WebSocket);
        await client.SubscribeAsync(channel);
        Assert.Equal("published", (await client.PublishAsync(channel, "1")).Type);
        await client.NextOfTypeAsync("message");
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Realtime.Client;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Client;

/// <summary>The .NET client against real nodes: requests, conflicts, and a drain it survives without losing a message.</summary>
[Collection(RedisCollection.Name)]
public sealed class DotNetClientTests(RedisFixture redis)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Realtime:PublishRatePerSecond"] = "100000",
        ["Realtime:PublishBurst"] = "100000",
        ["Realtime:DrainSeconds"] = "1",
        ["Realtime:Namespaces:default:HistoryLength"] = "5000",
    };

    private static RealtimeClient Client(params Uri[] endpoints) => new(new RealtimeClientOptions
    {
        Endpoints = endpoints,
        MinBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromSeconds(1),
    });

    [Fact]
    public async Task Publishes_receives_and_reports_a_conflict_with_its_owner()
    {
        await using var node = await TestNode.StartAsync(redis.Server.ConnectionString, Settings);
        await using var alice = Client(node.WebSocket);
        await using var bob = Client(node.WebSocket);
        await alice.ConnectAsync();
        await bob.ConnectAsync();
        var channel = $"chat:{Guid.NewGuid():N}";
        var subscription = await alice.SubscribeAsync(channel);

        var offset = await bob.PublishAsync(channel, new JsonObject { ["text"] = "hi" });
        await using var messages = subscription.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(offset, messages.Current.Offset);
        Assert.Equal("hi", messages.Current.Data.GetProperty("text").GetString());

        var claimed = await alice.ClaimAsync("booking:x", $"t-{Guid.NewGuid():N}"[..20]);
        var resource = claimed.GetProperty("resource").GetString()!;
        var conflict = await Assert.ThrowsAsync<RealtimeException>(() => bob.ClaimAsync("booking:x", resource));
        Assert.Equal("conflict", conflict.Code);
        Assert.Equal(claimed.GetProperty("owner").GetString(), conflict.Owner);
    }

    [Fact]
    public async Task A_draining_node_sends_the_client_elsewhere_and_it_resumes_without_loss_or_duplicates()
    {
        await using var a = await TestNode.StartAsync(redis.Server.ConnectionString, Settings, "client-a");
        await using var b = await TestNode.StartAsync(redis.Server.ConnectionString, Settings, "client-b");
        var channel = $"feed:{Guid.NewGuid():N}";
        var states = new List<ConnectionState>();
        await using var client = Client(a.WebSocket, b.WebSocket);
        client.StateChanged += (state, _) => { lock (states) { states.Add(state); } };
        var welcome = await client.ConnectAsync();
        Assert.Equal("client-a", welcome.GetProperty("node").GetString());
        var subscription = await client.SubscribeAsync(channel);

        await using var publisher = Client(b.WebSocket);
        await publisher.ConnectAsync();
        const int total = 400;
        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                await publisher.PublishAsync(channel, JsonValue.Create(i));
                await Task.Delay(5);
            }
        });

        var received = new List<int>();
        var reading = Task.Run(async () =>
        {
            await foreach (var message in subscription.ReadAllAsync())
            {
                received.Add(message.Data.GetInt32());
                if (received.Count == total)
                {
                    return;
                }
            }
        });

        await Task.Delay(500);
        await a.StopAsync(); // SIGTERM's path: reconnect + 1012, then the node is gone
        await publishing;
        await reading.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(0, total), received);
        // The resumed messages can all arrive before the client marks itself open again.
        await Eventually.TrueAsync(() => client.State == ConnectionState.Open, "the client is open again");
        Assert.Equal("client-b", client.Welcome!.Value.GetProperty("node").GetString());
        Assert.True(subscription.Recovered);
        lock (states)
        {
            Assert.Contains(ConnectionState.Reconnecting, states);
            Assert.Equal(ConnectionState.Open, states[^1]);
        }
    }

    [Fact]
    public async Task A_policy_close_ends_the_client_without_reconnecting()
    {
        await using var node = await TestNode.StartAsync(redis: null, new() { ["Realtime:MaxConsecutiveErrors"] = "2" });
        await using var client = Client(node.WebSocket);
        await client.ConnectAsync();
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<RealtimeException>(() => client.RequestAsync(new JsonObject { ["type"] = "nonsense-" + i.ToString(CultureInfo.InvariantCulture) }));
        }

        await Eventually.TrueAsync(() => client.State == ConnectionState.Closed, "the client gives up after 1008");
        await Eventually.TrueAsync(() => node.Metrics.Connections == 0, "the server has ended the connection");
        await Task.Delay(300); // a reconnect would come by now
        Assert.Equal(ConnectionState.Closed, client.State);
        Assert.Equal(0, node.Metrics.Connections);
    }
}

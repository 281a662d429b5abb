using System.Net.Http.Headers;
using System.Text;
using Realtime.Client;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Rebalance;

/// <summary>
/// A scale-out on a real Redis: 20 clients on node A, then node B joins. A asks exactly its excess
/// to reconnect (never below the average), and every client gets every message published through
/// it, once and in order, from before B starts until after the moves have settled. The .NET client takes its endpoints in turn, so a client asked to leave A
/// lands on B: the load balancer's part is played perfectly here (docs/operations.md, "Rebalancing",
/// says how round robin converges).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RebalanceTests(RedisFixture redis)
{
    private const int Clients = 20;
    private const int MessagesAfterSettling = 20;
    private const string ApiKey = "rebalance-api-key-0123456789";

    private static Dictionary<string, string?> Settings(string prefix) => new()
    {
        ["Realtime:Redis:KeyPrefix"] = prefix, // a fleet of their own
        ["Realtime:Rebalance:Enabled"] = "true",
        ["Realtime:Rebalance:IntervalSeconds"] = "1",
        ["Realtime:Rebalance:WindowSeconds"] = "1",
        ["Realtime:Rebalance:MinConnections"] = "5",
        ["Realtime:Rebalance:WarmUpSeconds"] = "0",
        ["Realtime:ApiKeys:0"] = ApiKey,
        ["Realtime:Namespaces:default:HistoryLength"] = "1000",
    };

    [Fact]
    public async Task After_a_scale_out_the_old_node_sheds_its_excess_and_nothing_is_lost()
    {
        var prefix = $"rb{Guid.NewGuid():N}"[..10];
        await using var a = await TestNode.StartAsync(redis.Server.ConnectionString, Settings(prefix), nodeId: "rebalance-a");
        var channel = $"news:{Guid.NewGuid():N}";
        var clients = new List<RealtimeClient>();
        var received = new List<Task<List<int>>>();
        TestNode? b = null;
        try
        {
            var bPort = FreePort.Next(); // B's address is known; it joins later (the scale-out)
            var bWebSocket = new Uri($"ws://127.0.0.1:{bPort}/ws");
            for (var i = 0; i < Clients; i++)
            {
                var client = new RealtimeClient(new RealtimeClientOptions { Endpoints = [a.WebSocket, bWebSocket], MinBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(500) });
                await client.ConnectAsync();
                var subscription = await client.SubscribeAsync(channel);
                clients.Add(client);
                received.Add(ReadAsync(subscription));
            }

            await Task.Delay(TimeSpan.FromSeconds(2)); // a fleet of one: A keeps everything
            Assert.Equal(Clients, a.Metrics.Connections);
            Assert.Equal(0, a.Metrics.RebalancedTotal);

            using var http = new HttpClient { BaseAddress = a.Http };
            using var settled = new CancellationTokenSource();
            var published = 0;
            var publishing = Task.Run(async () =>
            {
                // Across the whole rebalance, then a few more once it has settled.
                while (!settled.IsCancellationRequested)
                {
                    await PublishAsync(http, channel, published++);
                }

                for (var i = 0; i < MessagesAfterSettling; i++)
                {
                    await PublishAsync(http, channel, published++);
                }
            });
            b = await TestNode.StartAsync(redis.Server.ConnectionString, Settings(prefix), nodeId: "rebalance-b", port: bPort);

            await Eventually.TrueAsync(() => Task.FromResult(a.Metrics.Connections == Clients / 2 && b.Metrics.Connections == Clients / 2),
                "A and B hold half each", TimeSpan.FromSeconds(20));
            await Task.Delay(TimeSpan.FromSeconds(3)); // three more intervals: settled, nobody moves again
            Assert.Equal((Clients / 2, Clients / 2), (a.Metrics.Connections, b.Metrics.Connections));
            Assert.Equal(Clients / 2, a.Metrics.RebalancedTotal); // exactly the excess: never below the average
            Assert.Equal(0, b.Metrics.RebalancedTotal);
            await settled.CancelAsync();
            await publishing;
            Assert.True(published > 100, $"only {published} published"); // at 50 a second, for seconds, across the moves

            await Task.Delay(TimeSpan.FromSeconds(1));
            foreach (var client in clients)
            {
                await client.DisposeAsync(); // ends each reader
            }

            clients.Clear();

            var all = await Task.WhenAll(received).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.All(all, got => Assert.Equal(Enumerable.Range(0, published), got)); // each once, in order
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            if (b is not null)
            {
                await b.DisposeAsync();
            }
        }
    }

    /// <summary>Every message until the client is disposed.</summary>
    private static async Task<List<int>> ReadAsync(ChannelSubscription subscription)
    {
        var got = new List<int>();
        await foreach (var message in subscription.ReadAllAsync())
        {
            got.Add(message.Data.GetInt32());
        }

        return got;
    }

    /// <summary>Through the HTTP API (no WebSocket of its own on A), about 50 a second.</summary>
    private static async Task PublishAsync(HttpClient http, string channel, int i)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{channel}/messages")
        {
            Content = new StringContent(i.ToString(System.Globalization.CultureInfo.InvariantCulture), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        request.Headers.Add("Idempotency-Key", $"m{i}");
        (await http.SendAsync(request)).EnsureSuccessStatusCode();
        await Task.Delay(20);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>Two real nodes on one real Redis (standalone, and a cluster): what one node publishes, every subscriber on every node gets, once, in order.</summary>
public abstract class CrossNodeTests(IRedisUnderTest redis) : IAsyncLifetime
{
    private const string ApiKey = "test-api-key-0123456789";
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Realtime:PublishRatePerSecond"] = "100000",
        ["Realtime:PublishBurst"] = "100000",
        ["Realtime:ApiKeys:0"] = ApiKey,
        ["Realtime:MaxMessageBytes"] = "4096",
    };

    private TestNode _a = null!;
    private TestNode _b = null!;

    public async Task InitializeAsync()
    {
        _a = await TestNode.StartAsync(redis.ConnectionString, Settings, "node-a");
        _b = await TestNode.StartAsync(redis.ConnectionString, Settings, "node-b");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static string NewChannel() => $"chat:{Guid.NewGuid():N}";

    [Fact]
    public async Task Welcome_names_the_connection_node_and_limits()
    {
        await using var client = await TestClient.ConnectAsync(_b.WebSocket);
        var welcome = await client.NextOfTypeAsync("welcome");
        Assert.Equal("node-b", welcome.Json.GetProperty("node").GetString());
        Assert.Equal(32, welcome.Json.GetProperty("connection").GetString()!.Length);
        Assert.Equal(25, welcome.Json.GetProperty("heartbeat").GetInt32());
        Assert.Equal(4096, welcome.Json.GetProperty("maxMessageBytes").GetInt32());
    }

    [Fact]
    public async Task Every_subscriber_on_both_nodes_gets_every_message_once_in_publish_order()
    {
        const int count = 300;
        var channel = NewChannel();
        var subscribers = new List<TestClient>();
        foreach (var node in new[] { _a, _a, _b, _b })
        {
            var client = await TestClient.ConnectAsync(node.WebSocket);
            Assert.Equal("subscribed", (await client.SubscribeAsync(channel)).Type);
            subscribers.Add(client);
        }

        await using var publisher = await TestClient.ConnectAsync(_a.WebSocket);
        var offsets = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var reply = await publisher.PublishAsync(channel, $$"""{"n":{{i}}}""");
            Assert.Equal("published", reply.Type);
            offsets.Add(reply.Json.GetProperty("offset").GetString()!);
        }

        foreach (var subscriber in subscribers)
        {
            var messages = await subscriber.CollectAsync("message", count);
            Assert.Equal(Enumerable.Range(0, count), messages.Select(m => m.Json.GetProperty("data").GetProperty("n").GetInt32()));
            Assert.Equal(offsets, messages.Select(m => m.Json.GetProperty("offset").GetString()));
            Assert.All(messages, m => Assert.Equal(channel, m.Json.GetProperty("channel").GetString()));

            // Nothing more: no duplicate arrives late.
            await Assert.ThrowsAsync<TimeoutException>(() => subscriber.NextOfTypeAsync("message", TimeSpan.FromMilliseconds(300)));
            await subscriber.DisposeAsync();
        }
    }

    [Fact]
    public async Task Publishes_from_both_nodes_reach_both_nodes()
    {
        var channel = NewChannel();
        await using var onA = await TestClient.ConnectAsync(_a.WebSocket);
        await using var onB = await TestClient.ConnectAsync(_b.WebSocket);
        await onA.SubscribeAsync(channel);
        await onB.SubscribeAsync(channel);

        await onA.PublishAsync(channel, "\"from a\"");
        await onB.PublishAsync(channel, "\"from b\"");

        foreach (var (client, name) in new[] { (onA, "a"), (onB, "b") })
        {
            var data = (await client.CollectAsync("message", 2)).Select(m => m.Json.GetProperty("data").GetString()).ToList();
            Assert.True(data.SequenceEqual(["from a", "from b"]), $"client on {name} got [{string.Join(", ", data)}]");
        }
    }

    [Fact]
    public async Task Unsubscribe_stops_delivery_and_the_last_one_out_drops_the_redis_subscription()
    {
        var channel = NewChannel();
        Task<long> NodesSubscribed() => redis.NodesSubscribedAsync($"rt:{{{channel}}}:events");

        await using var first = await TestClient.ConnectAsync(_a.WebSocket);
        await using var second = await TestClient.ConnectAsync(_a.WebSocket);
        await using var witness = await TestClient.ConnectAsync(_b.WebSocket);
        await first.SubscribeAsync(channel);
        await second.SubscribeAsync(channel);
        Assert.Equal(1, await NodesSubscribed()); // one subscription per node, however many local subscribers

        await witness.SubscribeAsync(channel);
        Assert.Equal(2, await NodesSubscribed());

        Assert.Equal("unsubscribed", (await first.RequestAsync("unsubscribe", $"\"channel\":\"{channel}\"")).Type);
        Assert.Equal(2, await NodesSubscribed());
        await witness.PublishAsync(channel, "1");
        await witness.NextOfTypeAsync("message");
        await second.NextOfTypeAsync("message");
        await Assert.ThrowsAsync<TimeoutException>(() => first.NextOfTypeAsync("message", TimeSpan.FromMilliseconds(300)));

        await second.RequestAsync("unsubscribe", $"\"channel\":\"{channel}\"");
        Assert.Equal(1, await NodesSubscribed());
    }

    [Fact]
    public async Task Server_api_publishes_to_every_node()
    {
        var channel = NewChannel();
        await using var subscriber = await TestClient.ConnectAsync(_a.WebSocket);
        await subscriber.SubscribeAsync(channel);

        using var http = new HttpClient { BaseAddress = _b.Http };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{channel}/messages")
        {
            Content = new StringContent("""{"from":"backend"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = await subscriber.NextOfTypeAsync("message");
        Assert.Equal(body.RootElement.GetProperty("offset").GetString(), message.Json.GetProperty("offset").GetString());
        Assert.Equal("backend", message.Json.GetProperty("data").GetProperty("from").GetString());
    }

    [Fact]
    public async Task Server_api_publish_retried_with_the_same_idempotency_key_is_stored_once()
    {
        var channel = NewChannel();
        await using var subscriber = await TestClient.ConnectAsync(_a.WebSocket);
        await subscriber.SubscribeAsync(channel);
        using var http = new HttpClient { BaseAddress = _b.Http };
        async Task<(HttpStatusCode Status, string Body)> PostAsync(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{channel}/messages")
            {
                Content = new StringContent("""{"order":17}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var first = await PostAsync("order-17");
        var retry = await PostAsync("order-17");

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(first.Body, retry.Body); // the same offset
        await subscriber.NextOfTypeAsync("message");
        await Assert.ThrowsAsync<TimeoutException>(() => subscriber.NextOfTypeAsync("message", TimeSpan.FromMilliseconds(300)));
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("not a key")).Status);
    }

    [Theory]
    [InlineData("/API/channels/chat:x/messages")]
    [InlineData("/Api/channels/chat:x/messages")]
    public async Task Server_api_answers_only_as_spelled_so_the_load_balancers_rule_cannot_be_sidestepped(string path)
    {
        using var http = new HttpClient { BaseAddress = _b.Http };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_b.Http, path)) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData(null, "{}", "chat:x", HttpStatusCode.Unauthorized)]
    [InlineData("wrong-key-0123456789", "{}", "chat:x", HttpStatusCode.Forbidden)]
    [InlineData(ApiKey, "{}", "bad channel", HttpStatusCode.BadRequest)]
    [InlineData(ApiKey, "{not json", "chat:x", HttpStatusCode.BadRequest)]
    [InlineData(ApiKey, "1 2", "chat:x", HttpStatusCode.BadRequest)]
    public async Task Server_api_refuses_bad_requests(string? key, string body, string channel, HttpStatusCode expected)
    {
        using var http = new HttpClient { BaseAddress = _a.Http };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{Uri.EscapeDataString(channel)}/messages")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var response = await http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Server_api_refuses_a_body_over_the_frame_limit()
    {
        using var http = new HttpClient { BaseAddress = _a.Http };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/chat:x/messages")
        {
            Content = new StringContent($"\"{new string('x', 5000)}\"", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Health_and_readiness_answer_200_when_connected()
    {
        using var http = new HttpClient { BaseAddress = _a.Http };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
    }
}

[Collection(RedisCollection.Name)]
public sealed class CrossNodeOnStandaloneTests(RedisFixture redis) : CrossNodeTests(redis);

[Collection(RedisClusterCollection.Name)]
public sealed class CrossNodeOnClusterTests(RedisClusterFixture redis) : CrossNodeTests(redis);

using System.Text.Json;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>
/// One connection's publishes are pipelined: the node sends the next one to Redis before the first
/// is answered, up to <c>MaxRequestsInFlight</c>, and still answers and stores them in request order.
/// Redis is held back by a forwarder that keeps what the node sends: what piles up there is what the
/// node had in flight at once.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class PipelinedPublishTests(RedisFixture redis)
{
    private const int Bound = 4;

    private static Dictionary<string, string?> Settings => new()
    {
        ["Realtime:MaxRequestsInFlight"] = $"{Bound}",
        ["Realtime:PublishRatePerSecond"] = "10000",
        ["Realtime:PublishBurst"] = "10000",
    };

    [Fact]
    public async Task A_connection_has_its_publishes_in_flight_together_up_to_the_bound_and_in_order()
    {
        await using var forwarder = new TcpForwarder(redis.Server.Port);
        await using var node = await TestNode.StartAsync(forwarder.ConnectionString, Settings);
        await using var publisher = await TestClient.ConnectAsync(node.WebSocket);
        await using var subscriber = await TestClient.ConnectAsync(node.WebSocket);
        var channel = $"pipe:{Guid.NewGuid():N}";
        Assert.Equal("subscribed", (await subscriber.SubscribeAsync(channel)).Type);

        forwarder.Hold();
        const int count = 10;
        for (var i = 0; i < count; i++)
        {
            await publisher.SendAsync($$$"""{"type":"publish","ref":{{{i}}},"channel":"{{{channel}}}","data":{"n":{{{i}}},"marker":"in-flight-{{{channel}}}"}}""");
        }

        // One round trip at a time would leave one publish waiting at Redis; pipelined, the bound.
        await Eventually.TrueAsync(() => forwarder.CountHeld($"in-flight-{channel}") == Bound, $"{Bound} publishes reach Redis at once");
        await Task.Delay(300);
        Assert.Equal(Bound, forwarder.CountHeld($"in-flight-{channel}"));
        Assert.DoesNotContain(publisher.Snapshot(), f => f.Type == "published");

        await forwarder.ReleaseAsync();
        var answers = await publisher.CollectAsync("published", count);
        Assert.Equal(Enumerable.Range(0, count), answers.Select(a => a.Json.GetProperty("ref").GetInt32()));
        var offsets = answers.Select(a => a.Json.GetProperty("offset").GetString()!).ToList();
        var delivered = await subscriber.CollectAsync("message", count);
        Assert.Equal(Enumerable.Range(0, count), delivered.Select(m => m.Json.GetProperty("data").GetProperty("n").GetInt32()));
        Assert.Equal(offsets, delivered.Select(m => m.Json.GetProperty("offset").GetString()!));
        Assert.Equal(offsets.Count, offsets.Distinct().Count());
    }

    [Fact]
    public async Task Answers_keep_request_order_when_later_requests_are_refused_or_need_no_backplane()
    {
        await using var forwarder = new TcpForwarder(redis.Server.Port);
        await using var node = await TestNode.StartAsync(forwarder.ConnectionString, Settings);
        await using var client = await TestClient.ConnectAsync(node.WebSocket);
        var channel = $"pipe:{Guid.NewGuid():N}";
        Assert.Equal("published", (await client.PublishAsync(channel, "0")).Type);

        forwarder.Hold();
        await client.SendAsync($$"""{"type":"publish","ref":"a","channel":"{{channel}}","data":1}""");
        await client.SendAsync("""{"type":"publish","ref":"b","channel":"not a channel!","data":2}""");
        await client.SendAsync("""{"type":"ping","ref":"c"}""");
        await client.SendAsync($$"""{"type":"publish","ref":"d","channel":"{{channel}}","data":3}""");
        await Eventually.TrueAsync(() => forwarder.CountHeld(channel) >= 1, "the first publish reaches Redis");
        await Task.Delay(300);
        // The refusal and the pong are ready, but the publish before them is not answered yet.
        Assert.DoesNotContain(client.Snapshot(), f => f.Json.TryGetProperty("ref", out _));

        await forwarder.ReleaseAsync();
        var answers = new List<(string Ref, string Type)>();
        for (var i = 0; i < 4; i++)
        {
            var frame = await client.NextAsync(f => f.Json.TryGetProperty("ref", out var r) && r.ValueKind == JsonValueKind.String);
            answers.Add((frame.Json.GetProperty("ref").GetString()!, frame.Type));
        }

        Assert.Equal([("a", "published"), ("b", "error"), ("c", "pong"), ("d", "published")], answers);
    }

    [Fact]
    public async Task A_connection_closed_with_publishes_in_flight_leaves_them_stored_and_the_node_serving()
    {
        await using var forwarder = new TcpForwarder(redis.Server.Port);
        await using var node = await TestNode.StartAsync(forwarder.ConnectionString, Settings);
        var channel = $"pipe:{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(node.WebSocket);
        Assert.Equal("subscribed", (await subscriber.SubscribeAsync(channel)).Type);

        var publisher = await TestClient.ConnectAsync(node.WebSocket);
        forwarder.Hold();
        for (var i = 0; i < 3; i++)
        {
            await publisher.SendAsync($$$"""{"type":"publish","ref":{{{i}}},"channel":"{{{channel}}}","data":{"n":{{{i}}},"marker":"closing-{{{channel}}}"}}""");
        }

        await Eventually.TrueAsync(() => forwarder.CountHeld($"closing-{channel}") == 3, "three publishes reach Redis");
        await publisher.DisposeAsync();
        await forwarder.ReleaseAsync();

        // Sent before the close: stored and delivered, in order; the node goes on serving.
        var delivered = await subscriber.CollectAsync("message", 3);
        Assert.Equal([0, 1, 2], delivered.Select(m => m.Json.GetProperty("data").GetProperty("n").GetInt32()));
        await using var next = await TestClient.ConnectAsync(node.WebSocket);
        Assert.Equal("published", (await next.PublishAsync(channel, "3")).Type);
    }
}

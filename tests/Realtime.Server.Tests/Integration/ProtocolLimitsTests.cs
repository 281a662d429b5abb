using System.Net;
using System.Net.WebSockets;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>Each limit and each error or close code, on one real node; a misbehaving client never hurts the others.</summary>
public sealed class ProtocolLimitsTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(redis: null, new()
    {
        ["Realtime:MaxMessageBytes"] = "1024",
        ["Realtime:MaxSubscriptionsPerConnection"] = "2",
        ["Realtime:PublishRatePerSecond"] = "0.01",
        ["Realtime:PublishBurst"] = "2",
        ["Realtime:MaxConsecutiveErrors"] = "3",
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private static string Code(TestClient.Received reply) => reply.Json.GetProperty("code").GetString()!;

    [Fact]
    public async Task Ping_gets_pong_with_the_same_ref()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        await client.SendAsync("""{"type":"ping","ref":"abc"}""");
        var pong = await client.NextOfTypeAsync("pong");
        Assert.Equal("abc", pong.Json.GetProperty("ref").GetString());
    }

    [Fact]
    public async Task Frame_over_the_limit_is_closed_with_1009_and_others_keep_working()
    {
        await using var bystander = await TestClient.ConnectAsync(_node.WebSocket);
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        await client.SendAsync($$"""{"type":"publish","channel":"c","data":"{{new string('x', 2000)}}"}""");

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.WaitClosedAsync());
        Assert.Equal("pong", (await bystander.RequestAsync("ping")).Type);
    }

    [Fact]
    public async Task Binary_frame_is_closed_with_1003()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        await client.SendBinaryAsync([1, 2, 3]);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, await client.WaitClosedAsync());
    }

    [Fact]
    public async Task Subscriptions_beyond_the_limit_are_refused()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        Assert.Equal("subscribed", (await client.SubscribeAsync("a:1")).Type);
        Assert.Equal("subscribed", (await client.SubscribeAsync("a:2")).Type);
        Assert.Equal("subscribed", (await client.SubscribeAsync("a:1")).Type); // again: no new slot used

        var refused = await client.SubscribeAsync("a:3");
        Assert.Equal("too_many_subscriptions", Code(refused));
    }

    [Fact]
    public async Task Publishing_faster_than_the_bucket_is_rate_limited()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        Assert.Equal("published", (await client.PublishAsync("chat:r", "1")).Type);
        Assert.Equal("published", (await client.PublishAsync("chat:r", "2")).Type);
        var third = await client.PublishAsync("chat:r", "3");
        Assert.Equal("rate_limited", Code(third));
    }

    [Theory]
    [InlineData("""{"type":"subscribe","channel":"bad name"}""", "invalid_channel")]
    [InlineData("""{"type":"publish","channel":"chat:x"}""", "bad_request")]
    [InlineData("""{"type":"unsubscribe","channel":"never:joined"}""", "not_subscribed")]
    [InlineData("""{"type":"teleport"}""", "unknown_type")]
    [InlineData("""{not json""", "bad_request")]
    public async Task Bad_requests_get_their_error_code(string frame, string code)
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        await client.SendAsync(frame);
        Assert.Equal(code, Code(await client.NextOfTypeAsync("error")));
    }

    [Fact]
    public async Task Repeated_protocol_errors_close_with_1008_but_a_good_request_resets_the_count()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        await client.SendAsync("garbage");
        await client.SendAsync("garbage");
        Assert.Equal("pong", (await client.RequestAsync("ping")).Type);
        await client.SendAsync("""{"type":"subscribe","channel":"ok:1"}""");
        await client.NextOfTypeAsync("subscribed");
        await client.SendAsync("garbage");
        await client.SendAsync("garbage");
        await client.SendAsync("""{"type":"nope"}""");

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.WaitClosedAsync());
        // Every bad frame was answered before the close: two, then (after the reset) three more.
        Assert.Equal(5, (await client.CollectAsync("error", 5)).Count);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.NextOfTypeAsync("error"));
    }

    [Fact]
    public async Task Foreign_origin_is_refused_with_403()
    {
        Assert.Equal(HttpStatusCode.Forbidden, await TestClient.RefusedStatusAsync(_node.WebSocket, origin: "https://evil.example.net"));
        await using var sameOrigin = await TestClient.ConnectAsync(_node.WebSocket, origin: $"http://{_node.Http.Authority}");
        Assert.Equal("pong", (await sameOrigin.RequestAsync("ping")).Type);
    }

    [Fact]
    public async Task Plain_http_request_to_ws_is_told_to_upgrade()
    {
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.UpgradeRequired, (await http.GetAsync(_node.Http + "ws")).StatusCode);
    }

    [Fact]
    public async Task Connections_beyond_the_node_limit_are_answered_503()
    {
        await using var node = await TestNode.StartAsync(redis: null, new() { ["Realtime:MaxConnections"] = "2" });
        await using var first = await TestClient.ConnectAsync(node.WebSocket);
        await using var second = await TestClient.ConnectAsync(node.WebSocket);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await TestClient.RefusedStatusAsync(node.WebSocket));

        await first.DisposeAsync();
        await Eventually.TrueAsync(() => node.Metrics.Connections == 1, "the first connection is gone");
        await using var third = await TestClient.ConnectAsync(node.WebSocket);
        Assert.Equal("pong", (await third.RequestAsync("ping")).Type);
    }
}

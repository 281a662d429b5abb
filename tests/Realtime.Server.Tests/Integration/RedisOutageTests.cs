using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>
/// Redis killed and restarted under two nodes: readiness follows the backplane, a publish during the
/// outage fails visibly (over the WebSocket and the HTTP API alike), and after the restart both nodes
/// re-subscribe and deliver again.
/// </summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private const string ApiKey = "outage-api-key-0123456789";
    private readonly RedisServer _redis = new(); // its own server: the other tests keep theirs
    private TestNode _a = null!;
    private TestNode _b = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _a = await TestNode.StartAsync(_redis.ConnectionString, new() { ["Realtime:ApiKeys:0"] = ApiKey }, nodeId: "outage-a");
        _b = await TestNode.StartAsync(_redis.ConnectionString, nodeId: "outage-b");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Nodes_turn_unready_refuse_publishes_then_recover_and_deliver_across_nodes()
    {
        const string channel = "chat:outage";
        await using var onA = await TestClient.ConnectAsync(_a.WebSocket);
        await using var onB = await TestClient.ConnectAsync(_b.WebSocket);
        await onA.SubscribeAsync(channel);
        await onB.SubscribeAsync(channel);
        await onA.PublishAsync(channel, "\"before\"");
        await onB.NextOfTypeAsync("message");
        await onA.NextOfTypeAsync("message");

        using var httpA = new HttpClient { BaseAddress = _a.Http };
        using var httpB = new HttpClient { BaseAddress = _b.Http };
        async Task<bool> Ready(HttpClient http, HttpStatusCode expected) => (await http.GetAsync("/readyz")).StatusCode == expected;

        await _redis.KillAsync();
        await Eventually.TrueAsync(() => Ready(httpA, HttpStatusCode.ServiceUnavailable), "node A is unready");
        await Eventually.TrueAsync(() => Ready(httpB, HttpStatusCode.ServiceUnavailable), "node B is unready");
        Assert.Equal(HttpStatusCode.OK, (await httpA.GetAsync("/healthz")).StatusCode); // alive, only not ready

        var refused = await onA.PublishAsync(channel, "\"during\"");
        Assert.Equal("error", refused.Type);
        Assert.Equal("unavailable", refused.Json.GetProperty("code").GetString());
        Assert.Contains("not published", refused.Json.GetProperty("message").GetString());
        var claim = await onA.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"t1" """.Trim());
        Assert.Equal(("error", "unavailable"), (claim.Type, claim.Json.GetProperty("code").GetString()));
        Assert.Contains("nothing was claimed", claim.Json.GetProperty("message").GetString());

        using var post = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{channel}/messages") { Content = new StringContent("\"api\"", Encoding.UTF8, "application/json") };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await httpA.SendAsync(post)).StatusCode);

        await _redis.StartAsync();
        await Eventually.TrueAsync(() => Ready(httpA, HttpStatusCode.OK), "node A is ready again", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => Ready(httpB, HttpStatusCode.OK), "node B is ready again", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => _a.Metrics.BackplaneReconnectsTotal >= 1 && _b.Metrics.BackplaneReconnectsTotal >= 1,
            "both nodes counted a backplane reconnect", TimeSpan.FromSeconds(30));

        // The subscription connections may come back a moment after the command connection: retry the probe.
        var delivered = false;
        for (var attempt = 0; attempt < 40 && !delivered; attempt++)
        {
            var reply = await onA.PublishAsync(channel, $"\"after-{attempt}\"");
            if (reply.Type != "published")
            {
                await Task.Delay(250);
                continue;
            }

            try
            {
                await onB.NextAsync(f => f.Type == "message" && f.Json.GetProperty("data").GetString() == $"after-{attempt}", TimeSpan.FromMilliseconds(500));
                delivered = true;
            }
            catch (TimeoutException)
            {
            }
        }

        Assert.True(delivered, "after the restart a publish on node A reaches node B");
        // The refused publish never surfaces later.
        await Assert.ThrowsAsync<TimeoutException>(() =>
            onB.NextAsync(f => f.Type == "message" && f.Json.GetProperty("data").GetString() == "during", TimeSpan.FromMilliseconds(300)));
    }
}

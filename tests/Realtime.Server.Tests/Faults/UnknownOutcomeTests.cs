using System.Text.Json.Nodes;
using Realtime.Client;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Faults;

/// <summary>
/// Redis takes the publish but answers after the node gave up waiting (<c>CLIENT PAUSE</c> holds it
/// past the node's 1 s timeout): the outcome is unknown, not "not published", and a retry with the
/// same id is stored and delivered once, answered with the first offset.
/// </summary>
public sealed class UnknownOutcomeTests : FaultNodes
{
    // The node's 1 s timeout is noticed on the multiplexer's heartbeat, so the error comes 1 to 2 s
    // after the request (later on a loaded machine): the pause outlasts that by seconds, or the reply
    // would arrive first and the test would see "published".
    private const int PauseMs = 5000;

    protected override string RedisConnectionString => $"{Redis.ConnectionString},asyncTimeout=1000,syncTimeout=1000";

    [Fact]
    public async Task A_publish_whose_reply_timed_out_is_unknown_and_its_retry_with_the_same_id_is_stored_once()
    {
        var channel = Channel("feed");
        await using var subscriber = (await SubscribersAsync(A, channel, 1))[0];
        await using var publisher = await TestClient.ConnectAsync(B.WebSocket);
        await using var admin = await Redis.AdminAsync();
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        var publish = $$"""  "channel":"{{channel}}","data":{"n":1},"id":"order-17" """.Trim();

        var pausedAt = DateTime.UtcNow;
        await server.ExecuteAsync("CLIENT", "PAUSE", PauseMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "ALL");
        var first = await publisher.RequestAsync("publish", publish);
        Assert.Equal("error", first.Type);
        Assert.Equal("unknown_outcome", first.Json.GetProperty("code").GetString());

        var left = pausedAt + TimeSpan.FromMilliseconds(PauseMs + 200) - DateTime.UtcNow;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }

        var retry = await publisher.RequestAsync("publish", publish);
        Assert.Equal("published", retry.Type);
        var delivered = await subscriber.NextOfTypeAsync("message");
        Assert.Equal(retry.Json.GetProperty("offset").GetString(), delivered.Json.GetProperty("offset").GetString());

        // The paused publish ran once Redis resumed; its retry found the id and wrote nothing.
        await Assert.ThrowsAsync<TimeoutException>(() => subscriber.NextOfTypeAsync("message", TimeSpan.FromMilliseconds(500)));
        var history = await publisher.RequestAsync("subscribe", $$"""  "channel":"{{channel}}" """.Trim());
        Assert.EndsWith(":1", history.Json.GetProperty("offset").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_claim_whose_reply_timed_out_can_be_repeated_by_its_owner()
    {
        var channel = Channel("booking");
        var claim = $$""" "channel":"{{channel}}","resource":"table-7","releaseOnDisconnect":true """.Trim();
        var anna = await TestClient.ConnectAsync(A.WebSocket);
        await using var ben = await TestClient.ConnectAsync(B.WebSocket);
        await using var admin = await Redis.AdminAsync();

        var pausedAt = DateTime.UtcNow;
        await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CLIENT", "PAUSE", PauseMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "ALL");
        Assert.Equal("unknown_outcome", (await anna.RequestAsync("claim", claim)).Json.GetProperty("code").GetString());
        var left = pausedAt + TimeSpan.FromMilliseconds(PauseMs + 200) - DateTime.UtcNow;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }

        Assert.Equal("claimed", (await anna.RequestAsync("claim", claim)).Type); // it was written: hers
        Assert.Equal("conflict", (await ben.RequestAsync("claim", claim)).Json.GetProperty("code").GetString());

        await anna.DisposeAsync(); // and released on disconnect, as asked
        await Eventually.TrueAsync(async () => (await ben.RequestAsync("claim", claim)).Type == "claimed", "the claim is released when its owner leaves");
    }

    [Fact]
    public async Task The_dotnet_client_retries_an_unknown_outcome_and_the_message_arrives_once()
    {
        var channel = Channel("feed");
        await using var subscriber = (await SubscribersAsync(A, channel, 1))[0];
        await using var client = new RealtimeClient(new RealtimeClientOptions
        {
            Endpoints = [B.WebSocket],
            MinBackoff = TimeSpan.FromMilliseconds(400),
            MaxBackoff = TimeSpan.FromMilliseconds(800),
            PublishRetries = 6,
        });
        await client.ConnectAsync();
        await using var admin = await Redis.AdminAsync();

        await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CLIENT", "PAUSE", PauseMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "ALL");
        var offset = await client.PublishAsync(channel, new JsonObject { ["n"] = 1 });

        var delivered = await subscriber.NextOfTypeAsync("message");
        Assert.Equal(offset, delivered.Json.GetProperty("offset").GetString());
        await Assert.ThrowsAsync<TimeoutException>(() => subscriber.NextOfTypeAsync("message", TimeSpan.FromMilliseconds(800)));
    }

    [Fact]
    public async Task A_publish_refused_while_redis_is_down_is_unavailable_not_unknown()
    {
        var channel = Channel("feed");
        await using var publisher = await TestClient.ConnectAsync(B.WebSocket);
        await Redis.KillAsync();
        var backplane = (AspNetCore.Backplane.IBackplane)B.Services.GetService(typeof(AspNetCore.Backplane.IBackplane))!;
        await Eventually.TrueAsync(() => !backplane.IsConnected, "node B sees Redis gone");

        var refused = await publisher.RequestAsync("publish", $$"""  "channel":"{{channel}}","data":1,"id":"x" """.Trim());

        Assert.Equal("unavailable", refused.Json.GetProperty("code").GetString());
    }
}

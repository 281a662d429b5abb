using System.Net;
using Realtime.AspNetCore.Channels;
using Microsoft.Extensions.DependencyInjection;
using Realtime.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace Realtime.Server.Tests.Faults;

/// <summary>
/// A subscribe refused while Redis is down must leave nothing behind: otherwise the multiplexer
/// subscribes the channel again on reconnect, into a queue nobody reads, and the node's memory grows
/// with every message published there.
/// </summary>
public sealed class SubscribeLeakTests : FaultNodes
{
    [Fact]
    public async Task A_subscribe_that_failed_during_an_outage_receives_nothing_after_it()
    {
        var channel = Channel("feed");
        await using var client = await TestClient.ConnectAsync(A.WebSocket);
        await Redis.KillAsync();
        using var http = new HttpClient { BaseAddress = A.Http };
        await Eventually.TrueAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, "node A sees Redis gone");

        var refused = await client.SubscribeAsync(channel);
        Assert.Equal("unavailable", refused.Json.GetProperty("code").GetString());

        await Redis.StartAsync();
        await Eventually.TrueAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "node A is ready again", TimeSpan.FromSeconds(30));
        await Task.Delay(500); // the multiplexer restores its subscriptions right after it reconnects

        await using var admin = await Redis.AdminAsync();
        var events = RedisChannel.Literal($"rt:{{{channel}}}:events");
        var subscribers = await admin.GetSubscriber().PublishAsync(events, "0:1\n0\n1");
        Assert.Equal(0, subscribers); // nobody listens: node A holds no queue for it
        var database = admin.GetDatabase();
        var batch = Enumerable.Range(0, 10_000).Select(i => database.PublishAsync(events, $"0:{i}\n0\n{i}")).ToArray();
        Assert.All(await Task.WhenAll(batch), n => Assert.Equal(0, n));
        Assert.Equal(0, A.Services.GetRequiredService<ChannelRegistry>().SubscriberCount(channel));

        // And the channel works when subscribed again.
        Assert.Equal("subscribed", (await client.SubscribeAsync(channel)).Type);
        await using var publisher = await TestClient.ConnectAsync(B.WebSocket);
        await publisher.PublishAsync(channel, "1");
        Assert.Equal("1", (await client.NextOfTypeAsync("message")).Json.GetProperty("data").GetRawText());
    }
}

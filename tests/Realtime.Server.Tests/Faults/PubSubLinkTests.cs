using Microsoft.Extensions.DependencyInjection;
using Realtime.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace Realtime.Server.Tests.Faults;

/// <summary>
/// The nodes' pub/sub links are killed (<c>CLIENT KILL TYPE pubsub</c>, as a failover or a network
/// blip does) while another node publishes 200 messages a second: live delivery misses what is
/// published while a link is down, and the node must find it in the history.
/// </summary>
public sealed class PubSubLinkTests : FaultNodes
{
    [Fact]
    public async Task Messages_published_while_the_link_is_down_are_recovered_in_order_exactly_once()
    {
        var channel = Channel("feed");
        var subscribers = await SubscribersAsync(A, channel, 3);
        await using var publisher = await TestClient.ConnectAsync(B.WebSocket);
        await using var admin = await Redis.AdminAsync();
        var server = admin.GetServer(admin.GetEndPoints()[0]);

        var ledger = new DeliveryLedger();
        var reconnectsBefore = A.Metrics.BackplaneReconnectsTotal;
        await ledger.PublishAsync(publisher, channel, count: 800, perSecond: 200, beforeEach: async n =>
        {
            if (n is 500)
            {
                // A second cut, not the first one again: a publisher running late could otherwise
                // reach it while the link is still down.
                await Eventually.TrueAsync(() => A.Metrics.BackplaneReconnectsTotal > reconnectsBefore, "the subscribing node's link came back after the first cut");
            }

            if (n is 200 or 500)
            {
                await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
            }
        });

        var reports = await SettleAsync(ledger, channel, subscribers);
        Assert.Equal(800, ledger.Acknowledged); // only the pub/sub links died: every publish went through
        foreach (var report in reports)
        {
            report.Record("`CLIENT KILL TYPE pubsub` twice during 200 msg/s");
            AssertNoSilentLoss(report);
            Assert.Equal(ledger.Acknowledged, report.Delivered); // the history held every one
        }

        Assert.True(A.Metrics.BackplaneReconnectsTotal - reconnectsBefore >= 2, "the subscribing node's link was killed and restored twice");
        foreach (var client in subscribers)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_link_kept_down_makes_the_node_unready_and_everything_missed_is_recovered_when_it_returns()
    {
        var channel = Channel("feed");
        var subscribers = await SubscribersAsync(A, channel, 2);
        await using var publisher = await TestClient.ConnectAsync(B.WebSocket);
        await using var admin = await Redis.AdminAsync();
        var ledger = new DeliveryLedger();
        await ledger.PublishAsync(publisher, channel, count: 20, perSecond: 200);

        await using (await LockOutPubSubAsync(admin))
        {
            using var http = new HttpClient { BaseAddress = A.Http };
            await Eventually.TrueAsync(async () => (await http.GetAsync("/readyz")).StatusCode == System.Net.HttpStatusCode.ServiceUnavailable,
                "a node without its subscription link is not ready");
            await ledger.PublishAsync(publisher, channel, count: 150, perSecond: 500); // acknowledged: B's command link is up
        }

        var reports = await SettleAsync(ledger, channel, subscribers);
        foreach (var report in reports)
        {
            report.Record("pub/sub link kept down for 150 messages");
            AssertNoSilentLoss(report);
            Assert.Equal(ledger.Acknowledged, report.Delivered);
            Assert.Equal(0, report.GapFrames);
        }

        Assert.True(A.Metrics.RecoveredTotal >= 130, $"node A read what it missed from the history ({A.Metrics.RecoveredTotal})");
        foreach (var client in subscribers)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task What_the_history_no_longer_holds_is_announced_with_a_gap()
    {
        var channel = Channel("thin"); // keeps 3 messages
        var subscribers = await SubscribersAsync(A, channel, 2);
        await using var publisher = await TestClient.ConnectAsync(B.WebSocket);
        await using var admin = await Redis.AdminAsync();
        var ledger = new DeliveryLedger();
        await ledger.PublishAsync(publisher, channel, count: 10, perSecond: 200);
        await Eventually.TrueAsync(() => subscribers.All(s => ledger.Count(channel, s.Snapshot()).Delivered == 10), "the first 10 delivered");

        await using (await LockOutPubSubAsync(admin))
        {
            await Eventually.TrueAsync(() => !A.Services.GetRequiredService<AspNetCore.Backplane.IBackplane>().IsConnected, "node A lost its link");
            await ledger.PublishAsync(publisher, channel, count: 30, perSecond: 500);
        }

        var reports = await SettleAsync(ledger, channel, subscribers);
        foreach (var report in reports)
        {
            report.Record("pub/sub link kept down for 30 messages, history of 3");
            AssertNoSilentLoss(report);
            Assert.True(report.GapFrames >= 1, "the subscriber is told");
            Assert.Equal(27, report.Announced); // the 3 the history kept are delivered after the gap
            Assert.Equal(13, report.Delivered);
        }

        Assert.True(A.Metrics.GapsTotal >= 1);
        foreach (var client in subscribers)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_subscriber_that_resumes_while_its_node_is_filling_a_hole_gets_each_message_once()
    {
        var channel = Channel("feed");
        var subscribers = await SubscribersAsync(A, channel, 1);
        await using var publisher = await TestClient.ConnectAsync(B.WebSocket);
        await using var admin = await Redis.AdminAsync();
        var ledger = new DeliveryLedger();
        await ledger.PublishAsync(publisher, channel, count: 20, perSecond: 500);
        await Eventually.TrueAsync(() => ledger.Count(channel, subscribers[0].Snapshot()).Delivered == 20, "the first 20 delivered");
        var since = subscribers[0].Snapshot().Last(f => f.Type == "message").Json.GetProperty("offset").GetString();

        TestClient late;
        await using (await LockOutPubSubAsync(admin))
        {
            await Eventually.TrueAsync(() => !A.Services.GetRequiredService<AspNetCore.Backplane.IBackplane>().IsConnected, "node A lost its link");
            await ledger.PublishAsync(publisher, channel, count: 50, perSecond: 500);

            // Resumes from message 20 on node A, whose channel is 50 behind: the replay brings 21..70.
            late = await TestClient.ConnectAsync(A.WebSocket);
            var resumed = await late.RequestAsync("subscribe", $$"""  "channel":"{{channel}}","since":"{{since}}" """.Trim());
            Assert.True(resumed.Json.GetProperty("recovered").GetBoolean());
        }

        // When the link returns the node delivers 21..70 to its subscribers: the late one has them already.
        var reports = await SettleAsync(ledger, channel, [subscribers[0]]);
        AssertNoSilentLoss(reports[0]);
        await Eventually.TrueAsync(() => ledger.Count(channel, late.Snapshot()).Delivered == 50, "the late subscriber has the 50 it missed");
        await Task.Delay(500);
        var report = ledger.Count(channel, late.Snapshot());
        Assert.Equal(0, report.Duplicated);
        Assert.Equal(0, report.OutOfOrder);
        await late.DisposeAsync();
        await subscribers[0].DisposeAsync();
    }

    /// <summary>
    /// Kills every pub/sub link and keeps new ones out (the default user is switched off; connections
    /// already signed in, as the nodes' command links, keep working) until disposed.
    /// </summary>
    private static async Task<IAsyncDisposable> LockOutPubSubAsync(ConnectionMultiplexer admin)
    {
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await server.ExecuteAsync("ACL", "SETUSER", "default", "off");
        await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        return new Reopen(server);
    }

    private sealed class Reopen(IServer server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await server.ExecuteAsync("ACL", "SETUSER", "default", "on");
    }
}

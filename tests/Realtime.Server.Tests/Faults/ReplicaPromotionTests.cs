using System.Net;
using Realtime.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace Realtime.Server.Tests.Faults;

/// <summary>
/// A primary with an asynchronous replica. A failover to the replica when it lacks the newest entries:
/// a client that saw them must be told <c>recovered:false</c> when it resumes against the promoted
/// replica, not replayed over a hole. A replica that goes away for good costs the node nothing.
/// </summary>
public sealed class ReplicaPromotionTests : IAsyncLifetime
{
    // No 5 s wait for more replicas before the first sync (Redis's default for diskless sync).
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
    public async Task Resuming_past_what_the_promoted_replica_holds_is_not_recovered()
    {
        const string channel = "chat:failover";
        await using var before = await TestNode.StartAsync(_primary.ConnectionString, nodeId: "before-failover");
        await using var client = await TestClient.ConnectAsync(before.WebSocket);
        await client.SubscribeAsync(channel);
        for (var i = 1; i <= 10; i++)
        {
            Assert.Equal("published", (await client.PublishAsync(channel, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).Type);
        }

        // WAIT returns once the replica acknowledged every write so far.
        await using var primary = await _primary.AdminAsync();
        var acknowledged = (long)await primary.GetServer(primary.GetEndPoints()[0]).ExecuteAsync("WAIT", "1", "20000");
        Assert.Equal(1, acknowledged);
        await using var replica = await _replica.AdminAsync();
        Assert.Equal(10, (long)await replica.GetServer(replica.GetEndPoints()[0]).ExecuteAsync("XLEN", $"rt:{{{channel}}}:log"));

        // Promoted before it received the next 5: they exist only on the old primary.
        await replica.GetServer(replica.GetEndPoints()[0]).ExecuteAsync("REPLICAOF", "NO", "ONE");
        for (var i = 11; i <= 15; i++)
        {
            await client.PublishAsync(channel, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var messages = await client.CollectAsync("message", 15);
        var seen = messages[^1].Json.GetProperty("offset").GetString()!;
        var older = messages[7].Json.GetProperty("offset").GetString()!; // the 8th: the replica has what follows it

        await using var after = await TestNode.StartAsync(_replica.ConnectionString, nodeId: "after-failover");
        await using var resumer = await TestClient.ConnectAsync(after.WebSocket);

        var ahead = await resumer.RequestAsync("subscribe", $$"""  "channel":"{{channel}}","since":"{{seen}}" """.Trim());
        Assert.False(ahead.Json.GetProperty("recovered").GetBoolean(), "the replica lacks 11..15: the client must be told");
        Assert.EndsWith(":10", ahead.Json.GetProperty("offset").GetString(), StringComparison.Ordinal);

        await using var behind = await TestClient.ConnectAsync(after.WebSocket);
        var kept = await behind.RequestAsync("subscribe", $$"""  "channel":"{{channel}}","since":"{{older}}" """.Trim());
        Assert.True(kept.Json.GetProperty("recovered").GetBoolean());
        Assert.Equal(["9", "10"], (await behind.CollectAsync("message", 2)).Select(m => m.Json.GetProperty("data").GetRawText()));
    }

    [Fact]
    public async Task A_node_that_fails_over_to_a_replica_behind_it_announces_the_loss_and_delivers_what_follows()
    {
        var channel = $"chat:{Guid.NewGuid():N}";
        await using var endpoint = new TcpForwarder(_primary.Port); // the cache's primary endpoint
        await using var node = await TestNode.StartAsync(endpoint.ConnectionString, nodeId: "through-failover");
        await using var subscriber = await TestClient.ConnectAsync(node.WebSocket);
        await subscriber.SubscribeAsync(channel);
        await using var publisher = await TestClient.ConnectAsync(node.WebSocket);
        var ledger = new DeliveryLedger();
        await ledger.PublishAsync(publisher, channel, count: 10, perSecond: 100);
        await using (var primary = await _primary.AdminAsync())
        {
            Assert.Equal(1, (long)await primary.GetServer(primary.GetEndPoints()[0]).ExecuteAsync("WAIT", "1", "20000"));
        }

        await using (var replica = await _replica.AdminAsync())
        {
            await replica.GetServer(replica.GetEndPoints()[0]).ExecuteAsync("REPLICAOF", "NO", "ONE");
        }

        await ledger.PublishAsync(publisher, channel, count: 5, perSecond: 100); // only the old primary has these
        Assert.Equal(15, ledger.Acknowledged);
        await Eventually.TrueAsync(() => ledger.Count(channel, subscriber.Snapshot()).Delivered == 15, "the first 15 delivered");

        // The failover: the endpoint now leads to the replica, which stops at 10.
        await _primary.KillAsync();
        endpoint.SwitchTo(_replica.Port);
        for (var attempt = 0; ledger.Acknowledged < 18 && attempt < 200; attempt++)
        {
            await ledger.PublishAsync(publisher, channel, count: 1, perSecond: 1);
            await Task.Delay(50);
        }

        Assert.Equal(18, ledger.Acknowledged);
        var settled = await Record.ExceptionAsync(() => Eventually.TrueAsync(() => ledger.Count(channel, subscriber.Snapshot()) is { } r && r.Delivered + r.Announced == r.Acknowledged,
            "the messages after the failover delivered or announced", TimeSpan.FromSeconds(30)));
        Assert.True(settled is null, $"{ledger.Count(channel, subscriber.Snapshot())}: {string.Join(" ", subscriber.Snapshot().Select(f => f.Text))}");
        await Task.Delay(300);
        var report = ledger.Count(channel, subscriber.Snapshot()).Record("failover to a replica 5 messages behind, then 3 more");
        Assert.Equal(0, report.SilentlyLost); // reused numbers 11..13 are not mistaken for duplicates of the lost 11..15
        Assert.Equal(0, report.Duplicated);
        Assert.True(report.GapFrames >= 1, "the subscriber is told that what it saw of 11..15 is gone");
    }

    /// <summary>
    /// A replica the node knows of goes away for good (ElastiCache replaces a failed replica under a
    /// new address): nothing is subscribed there, so the node stays ready and keeps delivering.
    /// </summary>
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

using Realtime.AspNetCore.Backplane.Redis;
using Realtime.Server.Tests.Faults;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Cluster;

/// <summary>
/// A primary of the cluster dies (SIGKILL) under traffic: its replica takes over its slots, the
/// nodes find the new owner, and delivery resumes. Every acknowledged message reaches the subscriber
/// on the other node once, or the subscriber is told (an asynchronous replica may lack the newest).
/// A channel on another shard carries on throughout.
/// </summary>
public sealed class ClusterFailoverTests : IAsyncLifetime
{
    // Shorter than the fixture's 5 s, so the replica takes over a few seconds after the kill, yet
    // long enough that a primary starved of CPU on a loaded 2-core machine is not failed over by
    // itself (the other shard must carry on untouched).
    private readonly LocalRedisCluster _cluster = new() { NodeTimeout = TimeSpan.FromSeconds(3) };

    public Task InitializeAsync() => _cluster.StartAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync().AsTask();

    [Fact]
    public async Task Killing_a_primary_loses_no_acknowledged_message_silently_and_delivery_resumes()
    {
        var keys = new RedisKeys("rt");
        var channel = $"chat:{Guid.NewGuid():N}";
        var victim = await _cluster.PrimaryOfAsync(keys.MessagesName(channel));
        var other = await ChannelOnAnotherShardAsync(victim);

        await using var nodes = await TwoNodes.StartAsync(_cluster.ConnectionString, "cluster", channel, other);
        var (subscriber, publisher) = (nodes.Subscriber, nodes.Publisher);
        await using var bystander = await TestClient.ConnectAsync(nodes.A.WebSocket);

        var ledger = new DeliveryLedger();
        var otherLedger = new DeliveryLedger();
        await ledger.PublishAsync(publisher, channel, count: 20, perSecond: 200);
        Assert.Equal(20, ledger.Acknowledged);
        await Eventually.TrueAsync(() => ledger.Count(channel, subscriber.Snapshot()).Delivered == 20, "the first 20 delivered across nodes");

        await _cluster.KillAsync(victim);
        var failover = DateTime.UtcNow;
        while (ledger.Acknowledged < 30 && DateTime.UtcNow - failover < TimeSpan.FromSeconds(45))
        {
            await ledger.PublishAsync(publisher, channel, count: 1, perSecond: 1);
            await otherLedger.PublishAsync(bystander, other, count: 1, perSecond: 1);
            await Task.Delay(100);
        }

        Assert.True(ledger.Acknowledged >= 30, $"publishes on the failed shard resumed ({ledger.Acknowledged} acknowledged, {ledger.Refused} refused)");
        var settled = await Record.ExceptionAsync(() => Eventually.TrueAsync(() => ledger.Count(channel, subscriber.Snapshot()) is { } r && r.Delivered + r.Announced == r.Acknowledged,
            "every acknowledged message delivered or announced", TimeSpan.FromSeconds(30)));
        Assert.True(settled is null, $"{ledger.Count(channel, subscriber.Snapshot())}");
        await Task.Delay(300);

        var report = ledger.Count(channel, subscriber.Snapshot()).Record("cluster: a primary killed, its replica takes over");
        Assert.Equal(0, report.SilentlyLost);
        Assert.Equal(0, report.Duplicated);
        Assert.Equal(0, report.OutOfOrder);
        Assert.True(report.Delivered >= 30, $"delivery resumed after the failover: {report}");

        // The other shard never stopped: every publish on it was acknowledged and delivered.
        await Eventually.TrueAsync(() => otherLedger.Count(other, subscriber.Snapshot()).Delivered == otherLedger.Acknowledged, "the other shard's messages delivered");
        Assert.Equal(0, otherLedger.Refused);
        Assert.Equal(0, otherLedger.Unknown);
        Assert.Equal(0, otherLedger.Count(other, subscriber.Snapshot()).Duplicated);

        // The nodes see the cluster whole again once the replica serves the dead primary's slots.
        using var http = new HttpClient { BaseAddress = nodes.B.Http };
        await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode, "node b ready again", TimeSpan.FromSeconds(30));
    }

    private async Task<string> ChannelOnAnotherShardAsync(int port)
    {
        var keys = new RedisKeys("rt");
        while (true)
        {
            var channel = $"chat:{Guid.NewGuid():N}";
            if (await _cluster.PrimaryOfAsync(keys.MessagesName(channel)) != port)
            {
                return channel;
            }
        }
    }
}

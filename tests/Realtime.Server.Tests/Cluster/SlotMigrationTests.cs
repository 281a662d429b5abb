using Realtime.AspNetCore.Backplane.Redis;
using Realtime.Server.Tests.Faults;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Cluster;

/// <summary>
/// A channel's slot moves to another shard while it is in use (online resharding): publishes meet
/// ASK and TRYAGAIN during the move and MOVED after it, and the old owner unsubscribes the node. The
/// node follows the channel to its new shard; no acknowledged message is lost silently or duplicated.
/// </summary>
public sealed class SlotMigrationTests : IAsyncLifetime
{
    private readonly LocalRedisCluster _cluster = new(replicasPerPrimary: 0);

    public Task InitializeAsync() => _cluster.StartAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync().AsTask();

    [Fact]
    public async Task A_channel_whose_slot_moves_keeps_delivering_on_its_new_shard()
    {
        var keys = new RedisKeys("rt");
        var channel = $"chat:{Guid.NewGuid():N}";
        var name = keys.MessagesName(channel);
        var from = await _cluster.PrimaryOfAsync(name);
        var to = (await _cluster.PrimaryPortsAsync()).First(p => p != from);

        await using var a = await TestNode.StartAsync(_cluster.ConnectionString, nodeId: "migrate-a");
        await using var b = await TestNode.StartAsync(_cluster.ConnectionString, nodeId: "migrate-b");
        await using var subscriber = await TestClient.ConnectAsync(b.WebSocket);
        await subscriber.SubscribeAsync(channel);
        await using var publisher = await TestClient.ConnectAsync(a.WebSocket);

        var ledger = new DeliveryLedger();
        await ledger.PublishAsync(publisher, channel, count: 20, perSecond: 200);
        var migration = Task.Run(() => _cluster.MigrateSlotAsync(name, to));
        while (!migration.IsCompleted)
        {
            await ledger.PublishAsync(publisher, channel, count: 5, perSecond: 100);
        }

        await migration;
        Assert.Equal(to, await _cluster.PrimaryOfAsync(name));
        var afterMove = ledger.Acknowledged;
        for (var attempt = 0; ledger.Acknowledged < afterMove + 20 && attempt < 200; attempt++)
        {
            await ledger.PublishAsync(publisher, channel, count: 1, perSecond: 1);
            await Task.Delay(50);
        }

        Assert.True(ledger.Acknowledged >= afterMove + 20, $"publishes after the move ({ledger.Acknowledged - afterMove}, {ledger.Refused} refused)");
        var settled = await Record.ExceptionAsync(() => Eventually.TrueAsync(() => ledger.Count(channel, subscriber.Snapshot()) is { } r && r.Delivered + r.Announced == r.Acknowledged,
            "every acknowledged message delivered or announced", TimeSpan.FromSeconds(30)));
        Assert.True(settled is null, $"{ledger.Count(channel, subscriber.Snapshot())}");
        await Task.Delay(300);

        var report = ledger.Count(channel, subscriber.Snapshot()).Record("cluster: a channel's slot migrated to another shard under traffic");
        Assert.Equal(0, report.SilentlyLost);
        Assert.Equal(0, report.Duplicated);
        Assert.Equal(0, report.OutOfOrder);
        Assert.Equal(report.Acknowledged, report.Delivered); // the keys moved with the slot: nothing to announce

        // Node b listens on the new owner now, and on the old one no more.
        await Eventually.TrueAsync(async () => await ShardSubscribers(to, name) == 1, "node b subscribed on the new shard");
        Assert.Equal(0, await ShardSubscribers(from, name));

        static async Task<long> ShardSubscribers(int port, string channel) =>
            long.Parse((await LocalRedisCluster.RunCliAsync(["-p", $"{port}", "pubsub", "shardnumsub", channel])).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim(),
                System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// While a slot is marked migrating, a script whose keys are not all on the old owner is refused
    /// with TRYAGAIN (a publish declares its publish id's key, which rarely exists): nothing ran, so
    /// the backplane tries again and the publish goes through once the move settles, instead of
    /// answering `unavailable` for as long as the slot is on the move.
    /// </summary>
    [Fact]
    public async Task A_publish_during_a_slot_move_waits_for_it_instead_of_failing()
    {
        var keys = new RedisKeys("rt");
        var channel = $"chat:{Guid.NewGuid():N}";
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_cluster.ConnectionString);
        var backplane = new RedisBackplane(redis, new RedisBackplaneSettings(), Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisBackplane>.Instance);
        var history = new AspNetCore.Backplane.HistoryPolicy(Length: 100, TtlSeconds: 3600);
        await backplane.PublishAsync(channel, "1"u8.ToArray(), history);
        var from = await _cluster.PrimaryOfAsync(keys.MessagesName(channel));
        var move = await _cluster.StartMigrationAsync(keys.MessagesName(channel), (await _cluster.PrimaryPortsAsync()).First(p => p != from));

        var publish = backplane.PublishAsync(channel, "2"u8.ToArray(), history).AsTask();
        await Task.Delay(300);
        Assert.False(publish.IsCompleted, "the publish is refused with TRYAGAIN while the slot is migrating, and waits");
        await LocalRedisCluster.CancelMigrationAsync(move);

        var offset = await publish.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.EndsWith(":2", offset, StringComparison.Ordinal);
    }
}

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
        var (channel, name, from, to) = await ChannelToMoveAsync();

        await using var nodes = await TwoNodes.StartAsync(_cluster.ConnectionString, "migrate", channel);
        var (subscriber, publisher) = (nodes.Subscriber, nodes.Publisher);

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
        var (channel, name, _, to) = await ChannelToMoveAsync();
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_cluster.ConnectionString + ",allowAdmin=true");
        var backplane = new RedisBackplane(redis, new RedisBackplaneSettings(), Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisBackplane>.Instance);
        var history = new AspNetCore.Backplane.HistoryPolicy(Length: 100, TtlSeconds: 3600);
        await backplane.PublishAsync(channel, "1"u8.ToArray(), history);
        var move = await _cluster.StartMigrationAsync(name, to);
        // The old owner is set stable again over a link open beforehand: one round trip, well inside
        // the backplane's second of TRYAGAIN retries, where starting redis-cli could take longer.
        var oldOwner = redis.GetServer("127.0.0.1", move.FromPort);

        var refusedBefore = await TryAgainsAsync(oldOwner);

        var publish = backplane.PublishAsync(channel, "2"u8.ToArray(), history).AsTask();
        await Eventually.TrueAsync(async () => await TryAgainsAsync(oldOwner) > refusedBefore, "the old owner refused the publish with TRYAGAIN");
        Assert.False(publish.IsCompleted, "the publish is refused with TRYAGAIN while the slot is migrating, and waits");
        await oldOwner.ExecuteAsync("CLUSTER", "SETSLOT", move.Slot, "STABLE");
        await LocalRedisCluster.CancelMigrationAsync(move);

        var offset = await publish.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.EndsWith(":2", offset, StringComparison.Ordinal);
    }

    /// <summary>How many commands <paramref name="server"/> has refused with TRYAGAIN (<c>INFO errorstats</c>).</summary>
    private static async Task<long> TryAgainsAsync(StackExchange.Redis.IServer server)
    {
        var info = (string)(await server.ExecuteAsync("INFO", "errorstats"))!;
        var line = info.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("errorstat_TRYAGAIN:count=", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["errorstat_TRYAGAIN:count=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A node that only listens, on a quiet channel, when the channel's slot moves: the old owner
    /// unsubscribes it, and nothing published afterwards would reach it unless it subscribes anew on
    /// the new owner (the multiplexer may record the channel as moved without subscribing it there).
    /// </summary>
    [Fact]
    public async Task A_listening_node_follows_a_quiet_channel_to_its_new_shard()
    {
        var (channel, name, _, to) = await ChannelToMoveAsync();

        await using var nodes = await TwoNodes.StartAsync(_cluster.ConnectionString, "quiet", channel);
        var (subscriber, publisher) = (nodes.Subscriber, nodes.Publisher);
        var ledger = new DeliveryLedger();
        await ledger.PublishAsync(publisher, channel, count: 3, perSecond: 100);
        await Eventually.TrueAsync(() => ledger.Count(channel, subscriber.Snapshot()).Delivered == 3, "the first 3 delivered");

        await _cluster.MigrateSlotAsync(name, to);
        await Eventually.TrueAsync(async () => await ShardSubscribers(to, name) == 1, "node b subscribed on the new shard", TimeSpan.FromSeconds(15));

        await ledger.PublishAsync(publisher, channel, count: 3, perSecond: 100);
        Assert.Equal(6, ledger.Acknowledged);
        await Eventually.TrueAsync(() => ledger.Count(channel, subscriber.Snapshot()).Delivered == 6, "the 3 published after the move delivered");
        var report = ledger.Count(channel, subscriber.Snapshot());
        Assert.Equal(0, report.Duplicated);
        Assert.Equal(0, report.OutOfOrder);
    }

    /// <summary>
    /// The same at the backplane, with nothing but the subscription on the listening multiplexer and an
    /// empty slot: the old owner's SUNSUBSCRIBE must end in a subscription on the new owner.
    /// </summary>
    [Fact]
    public async Task A_listening_backplane_is_subscribed_on_the_new_owner_after_a_slot_move()
    {
        var (channel, name, _, to) = await ChannelToMoveAsync();
        await using var listening = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_cluster.ConnectionString);
        await using var publishing = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_cluster.ConnectionString);
        var listener = new RedisBackplane(listening, new RedisBackplaneSettings(), Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisBackplane>.Instance);
        var publisher = new RedisBackplane(publishing, new RedisBackplaneSettings(), Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisBackplane>.Instance);
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var subscription = await listener.SubscribeAsync(channel, m => received.Enqueue(System.Text.Encoding.UTF8.GetString(m.Data.Span)));

        await _cluster.FinishMigrationAsync(await _cluster.StartMigrationAsync(name, to));
        await Eventually.TrueAsync(async () => await ShardSubscribers(to, name) == 1, "subscribed on the new owner", TimeSpan.FromSeconds(15));

        var history = new AspNetCore.Backplane.HistoryPolicy(Length: 100, TtlSeconds: 3600);
        await publisher.PublishAsync(channel, "\"after\""u8.ToArray(), history);
        await Eventually.TrueAsync(() => received.Contains("\"after\""), "the message published after the move received");
    }

    /// <summary>A fresh channel, its pub/sub name, the primary that holds its slot and another to move it to.</summary>
    private async Task<(string Channel, string Name, int From, int To)> ChannelToMoveAsync()
    {
        var channel = $"chat:{Guid.NewGuid():N}";
        var name = new RedisKeys("rt").MessagesName(channel);
        var from = await _cluster.PrimaryOfAsync(name);
        return (channel, name, from, (await _cluster.PrimaryPortsAsync()).First(p => p != from));
    }

    private static Task<long> ShardSubscribers(int port, string channel) => RedisCli.CountAsync(["-p", $"{port}", "pubsub", "shardnumsub", channel]);
}

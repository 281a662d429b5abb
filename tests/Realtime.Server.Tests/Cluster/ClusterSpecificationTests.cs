using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Backplane.Redis;
using Realtime.AspNetCore.Features;
using Realtime.Server.Tests.Backplane;
using Realtime.Server.Tests.Infrastructure;
using Realtime.Server.Tests.Stores;

namespace Realtime.Server.Tests.Cluster;

[Collection(RedisClusterCollection.Name)]
public sealed class ClusterBackplaneTests(RedisClusterFixture redis) : BackplaneSpecification, IAsyncLifetime
{
    private RedisStores _redis = null!;

    protected override IBackplane Backplane => _redis.Backplane;

    public async Task InitializeAsync() => _redis = await RedisStores.ConnectAsync(redis);

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public void The_backplane_sees_a_cluster()
    {
        Assert.True(_redis.Backplane.Cluster);
    }

    [Fact]
    public async Task Every_script_compiles_with_sharded_publish_on_every_primary()
    {
        var scripts = typeof(RedisBackplane).Assembly.GetType("Realtime.AspNetCore.Backplane.Redis.RedisScripts")!
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => (f.Name, Source: RedisScripts.ForCluster((string)f.GetValue(null)!))).ToList();
        Assert.Contains(scripts, s => s.Source.Contains("redis.call('SPUBLISH',", StringComparison.Ordinal));
        // However a script spells a classic publish, none may be left: it would cross the cluster bus and reach no sharded subscriber.
        Assert.DoesNotContain(scripts, s => System.Text.RegularExpressions.Regex.IsMatch(s.Source, "(?<!S)PUBLISH", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        foreach (var server in _redis.Multiplexer.GetServers().Where(s => !s.IsReplica))
        {
            foreach (var (name, source) in scripts)
            {
                var error = await Record.ExceptionAsync(() => server.ScriptLoadAsync(source));
                Assert.True(error is null, $"{name}: {error?.Message}");
            }
        }
    }

    [Fact]
    public async Task Channels_are_sharded_pub_sub_channels_on_the_shard_that_holds_their_keys()
    {
        var channels = Enumerable.Range(0, 12).Select(i => $"spec:{Guid.NewGuid():N}").ToList();
        var subscriptions = new List<IAsyncDisposable>();
        foreach (var channel in channels)
        {
            subscriptions.Add(await Backplane.SubscribeAsync(channel, _ => { }));
            await Backplane.PublishAsync(channel, "1"u8.ToArray(), History);
        }

        var keys = new RedisKeys("rt");
        var primaries = await redis.Cluster.PrimaryPortsAsync();
        var shardsUsed = new HashSet<int>();
        foreach (var channel in channels)
        {
            var owner = await redis.Cluster.PrimaryOfAsync(keys.Stream(channel)!);
            shardsUsed.Add(owner);
            var name = keys.MessagesName(channel);
            Assert.Equal(owner, await redis.Cluster.PrimaryOfAsync(name)); // the channel's slot is its keys' slot
            Assert.Equal(1, await Count(owner, "shardnumsub", name)); // subscribed on the owning shard
            foreach (var port in primaries)
            {
                Assert.Equal(0, await Count(port, "numsub", name)); // never as a classic channel
            }
        }

        Assert.True(shardsUsed.Count > 1, "12 random channels should spread over more than one shard");
        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync();
        }

        static Task<long> Count(int port, string command, string channel) => RedisCli.CountAsync(["-p", $"{port}", "pubsub", command, channel]);
    }
}

[Collection(RedisClusterCollection.Name)]
public sealed class ClusterClaimStoreTests(RedisClusterFixture redis) : ClaimStoreSpecification, IAsyncLifetime
{
    private RedisStores _redis = null!;

    protected override IClaimStore Store => new RedisClaimStore(_redis.Backplane);

    protected override IBackplane Backplane => _redis.Backplane;

    public async Task InitializeAsync() => _redis = await RedisStores.ConnectAsync(redis);

    public async Task DisposeAsync() => await _redis.DisposeAsync();
}

[Collection(RedisClusterCollection.Name)]
public sealed class ClusterPresenceStoreTests(RedisClusterFixture redis) : PresenceStoreSpecification, IAsyncLifetime
{
    private RedisStores _redis = null!;

    protected override IPresenceStore Store => new RedisPresenceStore(_redis.Backplane, TimeSpan.FromSeconds(25), TimeProvider.System);

    public async Task InitializeAsync() => _redis = await RedisStores.ConnectAsync(redis);

    public async Task DisposeAsync() => await _redis.DisposeAsync();
}

using Microsoft.Extensions.Logging.Abstractions;
using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Backplane.Redis;
using Realtime.AspNetCore.Features;
using Realtime.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace Realtime.Server.Tests.Stores;

/// <summary>A Redis backplane on a test Redis (standalone or cluster), as a node builds it: the mode is detected from the server.</summary>
internal sealed class RedisStores : IAsyncDisposable
{
    private RedisStores(ConnectionMultiplexer multiplexer)
    {
        Multiplexer = multiplexer;
        Backplane = new RedisBackplane(multiplexer, new RedisBackplaneSettings(), NullLogger<RedisBackplane>.Instance);
    }

    public ConnectionMultiplexer Multiplexer { get; }

    public RedisBackplane Backplane { get; }

    public static async Task<RedisStores> ConnectAsync(IRedisUnderTest redis) => new(await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString));

    public ValueTask DisposeAsync() => Multiplexer.DisposeAsync();
}

[Collection(RedisCollection.Name)]
public sealed class RedisClaimStoreTests(RedisFixture redis) : ClaimStoreSpecification, IAsyncLifetime
{
    private RedisStores _redis = null!;

    protected override IClaimStore Store => new RedisClaimStore(_redis.Backplane);

    protected override IBackplane Backplane => _redis.Backplane;

    public async Task InitializeAsync() => _redis = await RedisStores.ConnectAsync(redis);

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task A_page_of_many_thousand_claims_is_listed_whole()
    {
        // Lua cannot unpack many thousands of keys into one call: the owners are read in slices.
        const int count = 9000;
        var channel = $"book:{Guid.NewGuid():N}";
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => Store.ClaimAsync(channel, $"t{i}", $"guest{i}", TimeSpan.FromHours(1), History).AsTask()));
        var page = await Store.ListAsync(channel, limit: count);
        Assert.Equal(count, page.Holders.Count);
        Assert.False(page.More);
        Assert.All(page.Holders, h => Assert.Equal($"guest{h.Resource[1..]}", h.Owner));
    }
}

[Collection(RedisCollection.Name)]
public sealed class RedisPresenceStoreTests(RedisFixture redis) : PresenceStoreSpecification, IAsyncLifetime
{
    private RedisStores _redis = null!;

    protected override IPresenceStore Store => new RedisPresenceStore(_redis.Backplane, TimeSpan.FromSeconds(25), TimeProvider.System);

    public async Task InitializeAsync() => _redis = await RedisStores.ConnectAsync(redis);

    public async Task DisposeAsync() => await _redis.DisposeAsync();
}

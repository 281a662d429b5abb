using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Realtime.Server.Backplane;
using Realtime.Server.Hosting;
using Realtime.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace Realtime.Server.Tests.Backplane;

[Collection(RedisCollection.Name)]
public sealed class RedisBackplaneTests : BackplaneSpecification, IAsyncLifetime
{
    private readonly RedisFixture _redis;
    private ConnectionMultiplexer? _multiplexer;
    private IBackplane? _backplane;

    public RedisBackplaneTests(RedisFixture redis) => _redis = redis;

    protected override IBackplane Backplane => _backplane!;

    public async Task InitializeAsync()
    {
        _multiplexer = await ConnectionMultiplexer.ConnectAsync(_redis.Server.ConnectionString);
        _backplane = new Server.Backplane.Redis.RedisBackplane(_multiplexer, Options.Create(new RealtimeOptions()), NullLogger<Server.Backplane.Redis.RedisBackplane>.Instance);
    }

    public async Task DisposeAsync() => await _multiplexer!.DisposeAsync();

    [Fact]
    public async Task History_is_a_bounded_stream_under_a_hash_tagged_key()
    {
        var channel = $"spec:{Guid.NewGuid():N}";
        for (var i = 0; i < 3; i++)
        {
            await Backplane.PublishAsync(channel, """{"x":1}"""u8.ToArray());
        }

        var database = _multiplexer!.GetDatabase();
        var key = $"rt:{{{channel}}}:stream";
        Assert.Equal(3, await database.StreamLengthAsync(key));
        var ttl = await database.KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromHours(23), TimeSpan.FromHours(24));
    }
}

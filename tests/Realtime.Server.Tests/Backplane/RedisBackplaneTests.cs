using Microsoft.Extensions.Logging.Abstractions;
using Realtime.AspNetCore.Backplane;
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
        _backplane = new AspNetCore.Backplane.Redis.RedisBackplane(_multiplexer, new AspNetCore.Backplane.Redis.RedisBackplaneSettings(), NullLogger<AspNetCore.Backplane.Redis.RedisBackplane>.Instance);
    }

    public async Task DisposeAsync() => await _multiplexer!.DisposeAsync();

    [Fact]
    public async Task Every_script_compiles_in_redis()
    {
        var scripts = typeof(AspNetCore.Backplane.Redis.RedisBackplane).Assembly.GetType("Realtime.AspNetCore.Backplane.Redis.RedisScripts")!
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => (f.Name, Source: (string)f.GetValue(null)!)).ToList();
        Assert.True(scripts.Count >= 8);
        var server = _multiplexer!.GetServer(_multiplexer.GetEndPoints()[0]);
        foreach (var (name, source) in scripts)
        {
            var error = await Record.ExceptionAsync(() => server.ScriptLoadAsync(source));
            Assert.True(error is null, $"{name}: {error?.Message}");
        }
    }

    [Fact]
    public async Task A_lost_stream_gets_a_new_epoch()
    {
        var channel = $"spec:{Guid.NewGuid():N}";
        var before = await Backplane.PublishAsync(channel, "1"u8.ToArray(), History);
        await _multiplexer!.GetDatabase().KeyDeleteAsync([$"rt:{{{channel}}}:log"]); // as a restart without persistence would

        var after = await Backplane.PublishAsync(channel, "2"u8.ToArray(), History);

        Assert.NotEqual(Offset(before).Epoch, Offset(after).Epoch);
        Assert.False((await Backplane.ReadHistoryAsync(channel, Offset(before), 100)).Complete);
    }

    /// <summary>
    /// A replica promoted with only the empty history (a subscribe's), when the node delivered 1–3:
    /// the node renews the epoch, or the next appends would reuse 1–3 under the same epoch and be
    /// dropped by the node as already delivered.
    /// </summary>
    [Fact]
    public async Task An_empty_history_behind_what_a_node_delivered_gets_a_new_epoch()
    {
        var channel = $"spec:{Guid.NewGuid():N}";
        var started = await Backplane.StartHistoryAsync(channel, History);
        for (var i = 0; i < 3; i++)
        {
            await Backplane.PublishAsync(channel, "x"u8.ToArray(), History);
        }

        var database = _multiplexer!.GetDatabase(); // the replica had the start, not the appends
        await database.KeyDeleteAsync([$"rt:{{{channel}}}:log", $"rt:{{{channel}}}:log:bytes"]);
        await database.StringSetAsync($"rt:{{{channel}}}:log:seq", 0);

        var renewed = await Backplane.RenewEpochAsync(channel, started.Epoch!);

        Assert.NotNull(renewed.Epoch);
        Assert.NotEqual(started.Epoch, renewed.Epoch);
        var next = await Backplane.PublishAsync(channel, "y"u8.ToArray(), History);
        Assert.Equal(renewed.Epoch, Offset(next).Epoch);
    }

    [Fact]
    public async Task History_is_a_bounded_stream_under_a_hash_tagged_key()
    {
        var channel = $"spec:{Guid.NewGuid():N}";
        for (var i = 0; i < 3; i++)
        {
            await Backplane.PublishAsync(channel, """{"x":1}"""u8.ToArray(), History);
        }

        var database = _multiplexer!.GetDatabase();
        var key = $"rt:{{{channel}}}:log";
        Assert.Equal(3, await database.StreamLengthAsync(key));
        Assert.Equal(["1-0", "2-0", "3-0"], (await database.StreamRangeAsync(key)).Select(e => e.Id.ToString())); // ids are the dense sequence
        foreach (var expiring in new[] { key, $"rt:{{{channel}}}:log:epoch", $"rt:{{{channel}}}:log:seq", $"rt:{{{channel}}}:log:bytes" })
        {
            var ttl = await database.KeyTimeToLiveAsync(expiring);
            Assert.NotNull(ttl);
            Assert.InRange(ttl.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
        }
    }
}

using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>
/// A subscribe to a quiet channel starts an empty history in Redis, a write: it counts against the
/// connection's channels written per minute, so a reader cannot fill the cache with empty histories.
/// Past the quota the subscribe still succeeds, without an offset, and writes nothing.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class QuietChannelQuotaTests(RedisFixture redis)
{
    [Fact]
    public async Task Empty_histories_count_against_the_channels_written_quota()
    {
        var prefix = $"q{Guid.NewGuid():N}"[..10];
        await using var node = await TestNode.StartAsync(redis.Server.ConnectionString, new()
        {
            ["Realtime:Redis:KeyPrefix"] = prefix,
            ["Realtime:MaxChannelsWrittenPerMinute"] = "3",
        });
        await using var client = await TestClient.ConnectAsync(node.WebSocket);

        var offsets = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            var subscribed = await client.SubscribeAsync($"quiet:c{i}");
            Assert.Equal("subscribed", subscribed.Type);
            offsets.Add(subscribed.Json.TryGetProperty("offset", out var offset) ? offset.GetString() : null);
        }

        Assert.All(offsets.Take(3), o => Assert.EndsWith(":0", o, StringComparison.Ordinal));
        Assert.All(offsets.Skip(3), Assert.Null);
        await using var admin = await redis.Server.AdminAsync();
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        var epochs = server.Keys(pattern: $"{prefix}:*:log:epoch").Count();
        Assert.Equal(3, epochs);
    }
}

using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Abuse;

/// <summary>
/// One anonymous client fills the cache with big messages on new channels while a table is claimed.
/// With the policy the CDK sets (<c>noeviction</c>) the filler is refused and the claim holds; with
/// ElastiCache's default (<c>volatile-lru</c>) the claim is evicted and a second claimant wins the
/// same table: the double booking this configuration exists to prevent.
/// </summary>
public sealed class EvictionTests
{
    private const int FillerMessageBytes = 60_000;

    [Theory]
    [InlineData("noeviction", false)]
    [InlineData("volatile-lru", true)]
    public async Task A_full_cache_never_gives_a_claimed_table_to_a_second_claimant_under_noeviction(string policy, bool doubleBooked)
    {
        await using var redis = new RedisServer { Arguments = ["--maxmemory", "40mb", "--maxmemory-policy", policy] };
        await redis.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Realtime:PublishRatePerSecond"] = "100000",
            ["Realtime:PublishBurst"] = "100000",
            ["Realtime:MaxChannelsWrittenPerMinute"] = "100000", // one connection stands for many anonymous ones
        };
        await using var a = await TestNode.StartAsync(redis.ConnectionString, settings, nodeId: "evict-a");
        await using var b = await TestNode.StartAsync(redis.ConnectionString, settings, nodeId: "evict-b");
        await using var anna = await TestClient.ConnectAsync(a.WebSocket);
        await using var ben = await TestClient.ConnectAsync(b.WebSocket);
        await using var filler = await TestClient.ConnectAsync(a.WebSocket);
        await using var admin = await redis.AdminAsync();
        var database = admin.GetDatabase();
        var figures = await AbuseFigures.StartAsync(admin.GetServer(admin.GetEndPoints()[0]));

        var claimed = await anna.RequestAsync("claim", """ "channel":"booking:r1","resource":"table-7","ttl":3600 """.Trim());
        Assert.Equal("claimed", claimed.Type);

        var data = "\"" + new string('x', FillerMessageBytes) + "\"";
        var refused = 0;
        var published = 0;
        for (var i = 0; i < 3000 && refused < 20 && await database.KeyExistsAsync("rt:{booking:r1}:claim:table-7"); i++)
        {
            var reply = await filler.PublishAsync($"spam:{i}", data);
            if (reply.Type == "published")
            {
                published++;
            }
            else
            {
                Assert.Equal("unavailable", reply.Json.GetProperty("code").GetString());
                refused++;
            }
        }

        var second = await ben.RequestAsync("claim", """ "channel":"booking:r1","resource":"table-7","ttl":3600 """.Trim());
        await figures.RecordAsync($"filler of 60 KB messages on new channels, 40 MB Redis, {policy}",
            $"{published} published, {refused} refused (unavailable); second claimant: {(second.Type == "claimed" ? "claimed (double booking)" : second.Json.GetProperty("code").GetString())}");
        if (doubleBooked)
        {
            Assert.Equal("claimed", second.Type); // the eviction policy gave the table away
            return;
        }

        Assert.True(refused >= 20, $"the full cache refuses the filler ({published} published first)");
        Assert.Equal("error", second.Type);
        Assert.Equal("conflict", second.Json.GetProperty("code").GetString());
        Assert.Equal(claimed.Json.GetProperty("owner").GetString(), second.Json.GetProperty("owner").GetString());
        Assert.Equal("pong", (await filler.RequestAsync("ping")).Type); // refused, not cut off
    }
}

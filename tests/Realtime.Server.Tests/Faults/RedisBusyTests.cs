using Realtime.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace Realtime.Server.Tests.Faults;

/// <summary>
/// Redis answers with an error instead of running the script (here BUSY, as LOADING after a restart
/// or READONLY from a demoted primary would): nothing was written, so the publisher is told
/// <c>unavailable</c>, not <c>internal</c>, and the node serves on.
/// </summary>
public sealed class RedisBusyTests
{
    [Fact]
    public async Task A_script_refused_by_a_busy_redis_is_unavailable_and_the_node_serves_on()
    {
        await using var redis = new RedisServer { Arguments = ["--busy-reply-threshold", "100"] };
        await redis.StartAsync();
        await using var node = await TestNode.StartAsync(redis.ConnectionString);
        await using var client = await TestClient.ConnectAsync(node.WebSocket);
        Assert.Equal("published", (await client.PublishAsync("chat:busy", "\"before\"")).Type);

        await using var admin = await redis.AdminAsync();
        // Another client keeps Redis in a script for 3 s; past the threshold, others get BUSY (the
        // publish below has seconds to get there, on a slow machine too).
        var busy = admin.GetDatabase().ScriptEvaluateAsync("""
            local t = redis.call('TIME')
            local start = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            repeat
              t = redis.call('TIME')
            until tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - start > 3000
            return 1
            """);
        await Task.Delay(TimeSpan.FromMilliseconds(400));

        var refused = await client.PublishAsync("chat:busy", "\"during\"");
        Assert.Equal(("error", "unavailable"), (refused.Type, refused.Json.GetProperty("code").GetString()));

        await busy;
        Assert.Equal("published", (await client.PublishAsync("chat:busy", "\"after\"")).Type);
    }
}

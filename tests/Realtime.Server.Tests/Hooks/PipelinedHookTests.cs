using Microsoft.Extensions.DependencyInjection;
using Realtime.AspNetCore.Extensibility;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Hooks;

/// <summary>
/// Publishes through hooks stay pipelined: their hooks run while later frames are read, and their
/// commands still reach Redis in request order, even when a later publish's hook finishes first.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class PipelinedHookTests(RedisFixture redis) : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() =>
        _node = await HookTests.StartAsync(redis.ConnectionString, "hooks-pipelined", new() { ["Realtime:Hooks:TimeoutMs"] = "5000" });

    public Task DisposeAsync() => _node.DisposeAsync().AsTask();

    [Fact]
    public async Task A_slow_hooked_publish_is_stored_before_the_quick_one_sent_after_it()
    {
        var channel = $"hooked:delay:{Guid.NewGuid():N}";
        await using var reader = await TestClient.ConnectAsync(_node.WebSocket);
        await reader.SubscribeAsync(channel);
        await using var writer = await TestClient.ConnectAsync(_node.WebSocket);

        await writer.SendAsync($$$"""{"type":"publish","ref":1,"channel":"{{{channel}}}","data":{"n":1,"delay":400}}""");
        await writer.SendAsync($$$"""{"type":"publish","ref":2,"channel":"{{{channel}}}","data":{"n":2,"delay":0}}""");
        await writer.SendAsync($$$"""{"type":"publish","ref":3,"channel":"{{{channel}}}","data":{"n":3,"delay":150}}""");

        var answers = await writer.CollectAsync("published", 3);
        Assert.Equal([1, 2, 3], answers.Select(a => a.Json.GetProperty("ref").GetInt32()));
        var offsets = answers.Select(a => Sequence(a.Json.GetProperty("offset").GetString()!)).ToList();
        Assert.Equal(offsets.Order(), offsets);
        var delivered = await reader.CollectAsync("message", 3);
        Assert.Equal([1, 2, 3], delivered.Select(m => m.Json.GetProperty("data").GetProperty("n").GetInt32()));

        var hooks = _node.Services.GetRequiredService<ScriptedHooks>();
        await Eventually.TrueAsync(() => hooks.Stored.Count(e => e.Channel == channel) == 3, "the three were told");
        Assert.Equal([1, 2, 3], hooks.Stored.Where(e => e.Channel == channel).Select(e => e.Data!.Value.GetProperty("n").GetInt32()));
    }

    [Fact]
    public async Task A_refused_publish_between_them_does_not_let_a_later_one_overtake_the_slow_one()
    {
        var channel = $"hooked:delay:{Guid.NewGuid():N}";
        await using var writer = await TestClient.ConnectAsync(_node.WebSocket);

        await writer.SendAsync($$$"""{"type":"publish","ref":1,"channel":"{{{channel}}}","data":{"n":1,"delay":400}}""");
        await writer.SendAsync($$$"""{"type":"publish","ref":2,"channel":"hooked:refuse:{{{Guid.NewGuid():N}}}","data":{"n":2}}""");
        await writer.SendAsync($$$"""{"type":"publish","ref":3,"channel":"{{{channel}}}","data":{"n":3,"delay":0}}""");
        await writer.SendAsync($$$"""{"type":"publish","ref":4,"channel":"{{{channel}}}","id":"not a valid id","data":{"n":4}}""");
        await writer.SendAsync($$$"""{"type":"publish","ref":5,"channel":"{{{channel}}}","data":{"n":5,"delay":0}}""");

        var answers = new List<TestClient.Received>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await writer.NextAsync(f => f.Type is "published" or "error"));
        }

        Assert.Equal([1, 2, 3, 4, 5], answers.Select(a => a.Json.GetProperty("ref").GetInt32()));
        Assert.Equal(["published", "error", "published", "error", "published"], answers.Select(a => a.Type));
        var offsets = answers.Where(a => a.Type == "published").Select(a => Sequence(a.Json.GetProperty("offset").GetString()!)).ToList();
        Assert.Equal(offsets.Order(), offsets);
    }

    [Fact]
    public async Task A_leaving_connections_claim_is_released_after_its_publish_still_deciding()
    {
        var channel = $"hooked:delay:{Guid.NewGuid():N}";
        await using var watcher = await TestClient.ConnectAsync(_node.WebSocket);
        await watcher.SubscribeAsync(channel);
        var writer = await TestClient.ConnectAsync(_node.WebSocket);
        Assert.Equal("claimed", (await writer.RequestAsync("claim", $$$""" "channel":"{{{channel}}}","resource":"ok-t1","releaseOnDisconnect":true """.Trim())).Type);
        Assert.Equal("claimed", (await watcher.NextOfTypeAsync("message")).Json.GetProperty("data").GetProperty("event").GetString());

        // Sent before it leaves: stored before the release its leaving makes.
        await writer.SendAsync($$$"""{"type":"publish","ref":9,"channel":"{{{channel}}}","data":{"n":1,"delay":500}}""");
        await writer.DisposeAsync();

        var after = await watcher.CollectAsync("message", 2);
        Assert.Equal(1, after[0].Json.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal("released", after[1].Json.GetProperty("data").GetProperty("event").GetString());
    }

    [Fact]
    public async Task The_hooks_of_one_connections_publishes_run_at_the_same_time()
    {
        var channel = $"hooked:delay:{Guid.NewGuid():N}";
        await using var writer = await TestClient.ConnectAsync(_node.WebSocket);

        for (var i = 1; i <= 4; i++)
        {
            await writer.SendAsync($$$"""{"type":"publish","ref":{{{i}}},"channel":"{{{channel}}}","data":{"n":{{{i}}},"delay":500}}""");
        }

        await writer.CollectAsync("published", 4);
        Assert.True(_node.Services.GetRequiredService<ScriptedHooks>().MostPublishingAtOnce >= 2, "each publish waited for the hook of the one before it");
    }

    private static long Sequence(string offset) => long.Parse(offset[(offset.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}

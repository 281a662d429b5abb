using System.Globalization;
using Realtime.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace Realtime.Server.Tests.Integration;

/// <summary>A client that loses its connection comes back on any node and gets exactly what it missed.</summary>
[Collection(RedisCollection.Name)]
public sealed class ResumeTests(RedisFixture redis) : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Realtime:PublishRatePerSecond"] = "100000",
        ["Realtime:PublishBurst"] = "100000",
        ["Realtime:Namespaces:default:HistoryLength"] = "2000",
        // More than any test here publishes: whether a resume is recovered must not hang on how far
        // an open-loop publisher got while a loaded machine was slow to reconnect.
        ["Realtime:MaxReplay"] = "2000",
        ["Realtime:Namespaces:short:HistoryLength"] = "5",
    };

    private TestNode _a = null!;
    private TestNode _b = null!;

    public async Task InitializeAsync()
    {
        _a = await TestNode.StartAsync(redis.Server.ConnectionString, Settings, "resume-a");
        _b = await TestNode.StartAsync(redis.Server.ConnectionString, Settings, "resume-b");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    internal static int N(TestClient.Received message) => message.Json.GetProperty("data").GetInt32();

    internal static string Offset(TestClient.Received frame) => frame.Json.GetProperty("offset").GetString()!;

    [Fact]
    public async Task Reconnecting_to_the_other_node_with_since_gets_every_missed_message_once_in_order_while_publishing_continues()
    {
        const int total = 1500; // 3 s at 500 msg/s
        var channel = $"feed:{Guid.NewGuid():N}";
        var first = await TestClient.ConnectAsync(_a.WebSocket);
        await first.SubscribeAsync(channel);

        await using var publisher = await TestClient.ConnectAsync(_b.WebSocket);
        var publishing = Task.Run(async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < total; i++)
            {
                var wait = TimeSpan.FromMilliseconds(i * 2.0) - clock.Elapsed; // 500 msg/s, open loop
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait); // read the clock once: a second read may already be past due
                }

                await publisher.SendAsync($$"""{"type":"publish","channel":"{{channel}}","data":{{i}}}""");
            }
        });

        var before = await first.CollectAsync("message", 300, TimeSpan.FromSeconds(20));
        await first.DisposeAsync(); // the network drops; publishing goes on
        await Task.Delay(500);

        await using var second = await TestClient.ConnectAsync(_b.WebSocket);
        var resumed = await second.RequestAsync("subscribe", $"\"channel\":\"{channel}\",\"since\":\"{Offset(before[^1])}\"");
        Assert.Equal("subscribed", resumed.Type);
        Assert.True(resumed.Json.GetProperty("recovered").GetBoolean());

        await publishing;
        var after = await second.CollectAsync("message", total - 300, TimeSpan.FromSeconds(30));
        var all = before.Concat(after).Select(N).ToList();
        Assert.Equal(Enumerable.Range(0, total), all); // every message, once, in order
        await Assert.ThrowsAsync<TimeoutException>(() => second.NextOfTypeAsync("message", TimeSpan.FromMilliseconds(300)));
    }

    /// <summary>Found by the fault suite: a subscriber of a quiet channel had no offset, and its resume lost what came meanwhile, untold.</summary>
    [Fact]
    public async Task A_subscriber_of_a_quiet_channel_gets_an_offset_and_resuming_from_it_on_the_other_node_replays_what_came_meanwhile()
    {
        var channel = $"feed:{Guid.NewGuid():N}";
        await ResumeFromAQuietChannelAsync(_a, _b, channel);
    }

    internal static async Task ResumeFromAQuietChannelAsync(TestNode first, TestNode second, string channel)
    {
        string since;
        await using (var early = await TestClient.ConnectAsync(first.WebSocket))
        {
            var subscribed = await early.SubscribeAsync(channel);
            since = Offset(subscribed); // before any message: the history's epoch at 0
            Assert.EndsWith(":0", since, StringComparison.Ordinal);
        }

        await using (var publisher = await TestClient.ConnectAsync(first.WebSocket))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal("published", (await publisher.PublishAsync(channel, i.ToString(CultureInfo.InvariantCulture))).Type);
            }
        }

        await using var back = await TestClient.ConnectAsync(second.WebSocket);
        var resumed = await back.RequestAsync("subscribe", $"\"channel\":\"{channel}\",\"since\":\"{since}\"");
        Assert.True(resumed.Json.GetProperty("recovered").GetBoolean());
        var replayed = await back.CollectAsync("message", 3);
        Assert.Equal([0, 1, 2], replayed.Select(N));
        Assert.StartsWith(since[..^2], Offset(replayed[0]), StringComparison.Ordinal); // the same epoch: the first publish kept it
    }

    [Fact]
    public async Task Subscribed_names_the_latest_offset_and_resuming_from_it_replays_nothing()
    {
        var channel = $"feed:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_a.WebSocket);
        var published = Offset(await client.PublishAsync(channel, "1"));

        var subscribed = await client.SubscribeAsync(channel);
        Assert.Equal(published, Offset(subscribed));

        await using var again = await TestClient.ConnectAsync(_b.WebSocket);
        var resumed = await again.RequestAsync("subscribe", $"\"channel\":\"{channel}\",\"since\":\"{published}\"");
        Assert.True(resumed.Json.GetProperty("recovered").GetBoolean());
        await Assert.ThrowsAsync<TimeoutException>(() => again.NextOfTypeAsync("message", TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task An_offset_older_than_the_history_is_not_recovered_and_gets_the_latest_offset()
    {
        var channel = $"short:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_a.WebSocket);
        var old = Offset(await client.PublishAsync(channel, "0"));
        string latest = old;
        for (var i = 1; i <= 10; i++)
        {
            latest = Offset(await client.PublishAsync(channel, i.ToString(CultureInfo.InvariantCulture)));
        }

        var resumed = await client.RequestAsync("subscribe", $"\"channel\":\"{channel}\",\"since\":\"{old}\"");

        Assert.False(resumed.Json.GetProperty("recovered").GetBoolean());
        Assert.Equal(latest, Offset(resumed));
        await Assert.ThrowsAsync<TimeoutException>(() => client.NextOfTypeAsync("message", TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Missing_exactly_the_kept_window_is_recovered_and_one_more_is_not()
    {
        var channel = $"short:{Guid.NewGuid():N}"; // keeps 5
        await using var client = await TestClient.ConnectAsync(_a.WebSocket);
        var offsets = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            offsets.Add(Offset(await client.PublishAsync(channel, i.ToString(CultureInfo.InvariantCulture))));
        }

        // Saw message 2, missed 3..7: the entry of 'since' is trimmed, but all five after it are kept.
        await using var edge = await TestClient.ConnectAsync(_b.WebSocket);
        var resumed = await edge.RequestAsync("subscribe", $$"""  "channel":"{{channel}}","since":"{{offsets[2]}}" """.Trim());
        Assert.True(resumed.Json.GetProperty("recovered").GetBoolean());
        Assert.Equal([3, 4, 5, 6, 7], (await edge.CollectAsync("message", 5)).Select(N));

        await using var beyond = await TestClient.ConnectAsync(_b.WebSocket);
        var lost = await beyond.RequestAsync("subscribe", $$"""  "channel":"{{channel}}","since":"{{offsets[1]}}" """.Trim());
        Assert.False(lost.Json.GetProperty("recovered").GetBoolean());
        Assert.Equal(offsets[^1], Offset(lost));
    }

    [Fact]
    public async Task A_first_version_offset_is_not_recovered_rather_than_refused()
    {
        var channel = $"chat:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_a.WebSocket);
        await client.PublishAsync(channel, "1");

        var reply = await client.RequestAsync("subscribe", $$"""  "channel":"{{channel}}","since":"3f9a2c61d0b4:1732791234567-0" """.Trim());

        Assert.Equal("subscribed", reply.Type);
        Assert.False(reply.Json.GetProperty("recovered").GetBoolean());
    }

    [Fact]
    public async Task After_redis_loses_its_data_an_old_offset_is_not_recovered()
    {
        var channel = $"feed:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_a.WebSocket);
        var old = Offset(await client.PublishAsync(channel, "1"));

        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.Server.ConnectionString},allowAdmin=true"))
        {
            await admin.GetServer(admin.GetEndPoints()[0]).FlushAllDatabasesAsync();
        }

        var newer = Offset(await client.PublishAsync(channel, "2"));
        var resumed = await client.RequestAsync("subscribe", $"\"channel\":\"{channel}\",\"since\":\"{old}\"");

        Assert.False(resumed.Json.GetProperty("recovered").GetBoolean());
        Assert.Equal(newer, Offset(resumed));
        Assert.NotEqual(old.Split(':')[0], newer.Split(':')[0]); // a new epoch
    }

    [Fact]
    public async Task A_malformed_since_is_a_bad_request()
    {
        await using var client = await TestClient.ConnectAsync(_a.WebSocket);
        var reply = await client.RequestAsync("subscribe", "\"channel\":\"feed:x\",\"since\":\"yesterday\"");
        Assert.Equal("bad_request", reply.Json.GetProperty("code").GetString());
    }
}

/// <summary>The same resume on the in-memory backplane (one node, no Redis).</summary>
public sealed class InMemoryResumeTests
{
    [Fact]
    public async Task A_subscriber_of_a_quiet_channel_can_resume_on_the_in_memory_backplane()
    {
        await using var node = await TestNode.StartAsync(redis: null);
        await ResumeTests.ResumeFromAQuietChannelAsync(node, node, "room:quiet");
    }

    [Fact]
    public async Task Resume_replays_what_was_missed_on_the_in_memory_backplane()
    {
        await using var node = await TestNode.StartAsync(redis: null, new() { ["Realtime:PublishRatePerSecond"] = "1000" });
        var first = await TestClient.ConnectAsync(node.WebSocket);
        await first.SubscribeAsync("room:1");
        await using var publisher = await TestClient.ConnectAsync(node.WebSocket);
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync("room:1", i.ToString(CultureInfo.InvariantCulture));
        }

        var seen = await first.CollectAsync("message", 5);
        await first.DisposeAsync();
        for (var i = 5; i < 12; i++)
        {
            await publisher.PublishAsync("room:1", i.ToString(CultureInfo.InvariantCulture));
        }

        await using var back = await TestClient.ConnectAsync(node.WebSocket);
        var since = seen[^1].Json.GetProperty("offset").GetString();
        var resumed = await back.RequestAsync("subscribe", $"\"channel\":\"room:1\",\"since\":\"{since}\"");
        Assert.True(resumed.Json.GetProperty("recovered").GetBoolean());
        var replayed = await back.CollectAsync("message", 7);
        Assert.Equal(Enumerable.Range(5, 7), replayed.Select(m => m.Json.GetProperty("data").GetInt32()));
    }
}

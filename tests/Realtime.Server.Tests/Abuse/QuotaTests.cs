using System.Globalization;
using Realtime.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace Realtime.Server.Tests.Abuse;

/// <summary>
/// What one client can make Redis do is bounded: claims always expire and their index with them, a
/// listing of a huge index reads a bounded range, resubscribing with a foreign offset reads nothing,
/// and subscribes are rate-limited.
/// </summary>
public sealed class QuotaTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _node = await TestNode.StartAsync(_redis.ConnectionString, new()
        {
            ["Realtime:PublishRatePerSecond"] = "100000",
            ["Realtime:PublishBurst"] = "100000",
            ["Realtime:MaxReplayBytes"] = "4096",
            ["Realtime:SubscribeRatePerSecond"] = "0.001", // the burst alone, so the count does not depend on the machine's speed
            ["Realtime:Namespaces:quick:ClaimTtlSeconds"] = "1",
            ["Realtime:Namespaces:quick:MaxClaimTtlSeconds"] = "60",
        }, nodeId: "quota");
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_claim_without_ttl_expires_after_the_namespace_default_and_its_index_with_it()
    {
        var channel = $"quick:{Guid.NewGuid():N}";
        await using var anna = await TestClient.ConnectAsync(_node.WebSocket);
        await using var ben = await TestClient.ConnectAsync(_node.WebSocket);
        Assert.Equal("claimed", (await anna.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"t1" """.Trim())).Type);
        Assert.Equal("conflict", (await ben.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"t1" """.Trim())).Json.GetProperty("code").GetString());

        var tooLong = await ben.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"t2","ttl":61 """.Trim());
        Assert.Equal("bad_request", tooLong.Json.GetProperty("code").GetString());

        await using var admin = await _redis.AdminAsync();
        var database = admin.GetDatabase();
        await Eventually.TrueAsync(async () => (await ben.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"t1" """.Trim())).Type == "claimed",
            "the anonymous claim ended by itself", TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(async () => !await database.KeyExistsAsync($"rt:{{{channel}}}:claimidx"),
            "the claims index expires with its last claim", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Listing_200k_claims_answers_a_bounded_page_with_bounded_work_in_redis()
    {
        var channel = $"booking:{Guid.NewGuid():N}";
        await using var admin = await _redis.AdminAsync();
        var database = admin.GetDatabase();
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        var expiry = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        for (var start = 0; start < 200_000; start += 10_000)
        {
            var batch = database.CreateBatch();
            var writes = new List<Task>();
            for (var i = start; i < start + 10_000; i++)
            {
                var resource = $"r{i.ToString(CultureInfo.InvariantCulture)}";
                writes.Add(batch.StringSetAsync($"rt:{{{channel}}}:claim:{resource}", "someone", TimeSpan.FromHours(1)));
                writes.Add(batch.SortedSetAddAsync($"rt:{{{channel}}}:claimidx", resource, expiry + i));
            }

            batch.Execute();
            await Task.WhenAll(writes);
        }

        // What the listing makes Redis do, counted (commands run by a script count too), not timed:
        // the work must not grow with the index.
        await server.ExecuteAsync("CONFIG", "RESETSTAT");
        var figures = await AbuseFigures.StartAsync(server);
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var listed = await client.RequestAsync("claims", $$""" "channel":"{{channel}}" """.Trim());

        Assert.Equal(1000, listed.Json.GetProperty("claims").GetArrayLength());
        Assert.True(listed.Json.GetProperty("more").GetBoolean());
        var stats = ((string)(await server.ExecuteAsync("INFO", "commandstats"))!).Split('\n')
            .Where(l => l.StartsWith("cmdstat_", StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)], l => long.Parse(l.Split("calls=")[1].Split(',')[0], CultureInfo.InvariantCulture));
        Assert.Equal(1, stats.GetValueOrDefault("cmdstat_mget")); // the listed claims' owners, in one read of keys named by the node
        Assert.Equal(0, stats.GetValueOrDefault("cmdstat_get"));
        Assert.Equal(1, stats.GetValueOrDefault("cmdstat_zrange"));
        Assert.DoesNotContain(stats.Keys, k => k is "cmdstat_hgetall" or "cmdstat_keys" or "cmdstat_scan" or "cmdstat_zscan");
        await figures.RecordAsync("`claims` on a channel holding 200,000 claims", $"1,000 listed with more:true; Redis ran {stats.GetValueOrDefault("cmdstat_zrange")} ZRANGE and {stats.GetValueOrDefault("cmdstat_mget")} MGET of 1,000 keys");
    }

    [Fact]
    public async Task Resubscribing_with_a_foreign_offset_reads_no_history()
    {
        var channel = $"feed:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var data = "\"" + new string('x', 1000) + "\"";
        for (var i = 0; i < 100; i++)
        {
            await client.PublishAsync(channel, data);
        }

        await using var admin = await _redis.AdminAsync();
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        async Task<long> SentBytes() => long.Parse(((string)(await server.ExecuteAsync("INFO", "stats"))!)
            .Split('\n').First(l => l.StartsWith("total_net_output_bytes:", StringComparison.Ordinal)).Split(':')[1].Trim(), CultureInfo.InvariantCulture);

        var before = await SentBytes();
        var figures = await AbuseFigures.StartAsync(server);
        for (var i = 0; i < 20; i++) // within the subscribe burst
        {
            var reply = await client.RequestAsync("subscribe", $$""" "channel":"{{channel}}","since":"000000000000:0" """.Trim());
            Assert.False(reply.Json.GetProperty("recovered").GetBoolean());
            await client.RequestAsync("unsubscribe", $$""" "channel":"{{channel}}" """.Trim());
        }

        var sent = await SentBytes() - before;
        await figures.RecordAsync("20 resumes with a foreign epoch on 100 KB of history", $"recovered:false each; Redis sent {sent} bytes in all");
        Assert.True(sent < 20 * 2_000, $"Redis sent {sent} bytes for 20 foreign-epoch resumes (the 100 kept messages are 100 KB)");
    }

    [Fact]
    public async Task A_resume_that_needs_more_than_the_byte_budget_is_not_recovered()
    {
        var channel = $"feed:{Guid.NewGuid():N}";
        await using var publisher = await TestClient.ConnectAsync(_node.WebSocket);
        var data = "\"" + new string('x', 1000) + "\"";
        var offsets = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            offsets.Add((await publisher.PublishAsync(channel, data)).Json.GetProperty("offset").GetString()!);
        }

        await using var far = await TestClient.ConnectAsync(_node.WebSocket);
        var tooMuch = await far.RequestAsync("subscribe", $$""" "channel":"{{channel}}","since":"{{offsets[0]}}" """.Trim());
        Assert.False(tooMuch.Json.GetProperty("recovered").GetBoolean()); // 9 KB missed, 4 KB budget

        await using var near = await TestClient.ConnectAsync(_node.WebSocket);
        var fits = await near.RequestAsync("subscribe", $$""" "channel":"{{channel}}","since":"{{offsets[7]}}" """.Trim());
        Assert.True(fits.Json.GetProperty("recovered").GetBoolean());
        Assert.Equal(2, (await near.CollectAsync("message", 2)).Count);
    }

    [Fact]
    public async Task Writing_to_more_new_channels_than_the_minute_allows_is_refused()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var codes = new List<string>();
        for (var i = 0; i < 105; i++)
        {
            var reply = await client.PublishAsync($"spray:{i}", "1");
            codes.Add(reply.Type == "published" ? "published" : reply.Json.GetProperty("code").GetString()!);
        }

        Assert.Equal(100, codes.Count(c => c == "published"));
        Assert.Equal(5, codes.Count(c => c == "rate_limited"));
        Assert.Equal("published", (await client.PublishAsync("spray:0", "2")).Type); // a channel of this minute still takes messages
    }

    [Fact]
    public async Task Subscribes_beyond_the_rate_are_refused()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var codes = new List<string>();
        for (var i = 0; i < 150; i++)
        {
            var channel = $"chat:rate-{i}";
            var reply = await client.RequestAsync("subscribe", $$""" "channel":"{{channel}}" """.Trim());
            codes.Add(reply.Type == "subscribed" ? "subscribed" : reply.Json.GetProperty("code").GetString()!);
            if (reply.Type == "subscribed")
            {
                await client.RequestAsync("unsubscribe", $$""" "channel":"{{channel}}" """.Trim());
            }
        }

        Assert.Equal(100, codes.Count(c => c == "subscribed")); // the burst
        Assert.Equal(50, codes.Count(c => c == "rate_limited"));
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>The booking race: of many claimants on two nodes exactly one wins, and every watcher is told once.</summary>
public abstract class ClaimTests(IRedisUnderTest redis) : IAsyncLifetime
{
    private const string ApiKey = "claims-api-key-0123456789";
    private TestNode _a = null!;
    private TestNode _b = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?> { ["Realtime:ApiKeys:0"] = ApiKey };
        _a = await TestNode.StartAsync(redis.ConnectionString, settings, "claims-a");
        _b = await TestNode.StartAsync(redis.ConnectionString, settings, "claims-b");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static string Claim(string channel, string resource, string extra = "") =>
        $"\"channel\":\"{channel}\",\"resource\":\"{resource}\"{extra}";

    [Fact]
    public async Task Fifty_concurrent_claimants_on_two_nodes_one_wins_and_every_watcher_sees_one_claimed_event()
    {
        var channel = $"booking:{Guid.NewGuid():N}";
        const string table = "table-12@19:00";
        var clients = new List<TestClient>();
        for (var i = 0; i < 50; i++)
        {
            var client = await TestClient.ConnectAsync((i % 2 == 0 ? _a : _b).WebSocket);
            await client.SubscribeAsync(channel);
            clients.Add(client);
        }

        var replies = await Task.WhenAll(clients.Select(c => c.RequestAsync("claim", Claim(channel, table))));

        var winners = replies.Where(r => r.Type == "claimed").ToList();
        var winner = Assert.Single(winners);
        var owner = winner.Json.GetProperty("owner").GetString();
        var losers = replies.Where(r => r.Type == "error").ToList();
        Assert.Equal(49, losers.Count);
        Assert.All(losers, l =>
        {
            Assert.Equal("conflict", l.Json.GetProperty("code").GetString());
            Assert.Equal(owner, l.Json.GetProperty("owner").GetString());
        });

        foreach (var client in clients)
        {
            var claimed = await client.NextOfTypeAsync("message");
            var data = claimed.Json.GetProperty("data");
            Assert.Equal("claimed", data.GetProperty("event").GetString());
            Assert.Equal(table, data.GetProperty("resource").GetString());
            Assert.Equal(owner, data.GetProperty("owner").GetString());
            Assert.Equal(winner.Json.GetProperty("offset").GetString(), claimed.Json.GetProperty("offset").GetString());
            await Assert.ThrowsAsync<TimeoutException>(() => client.NextOfTypeAsync("message", TimeSpan.FromMilliseconds(100)));
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Only_the_owner_releases_and_the_release_is_announced()
    {
        var channel = $"booking:{Guid.NewGuid():N}";
        await using var owner = await TestClient.ConnectAsync(_a.WebSocket);
        await using var other = await TestClient.ConnectAsync(_b.WebSocket);
        await other.SubscribeAsync(channel);
        Assert.Equal("claimed", (await owner.RequestAsync("claim", Claim(channel, "t1"))).Type);

        var refused = await other.RequestAsync("release", Claim(channel, "t1"));
        Assert.Equal("forbidden", refused.Json.GetProperty("code").GetString());

        var released = await owner.RequestAsync("release", Claim(channel, "t1"));
        Assert.Equal("released", released.Type);
        var events = await other.CollectAsync("message", 2);
        Assert.Equal(["claimed", "released"], events.Select(e => e.Json.GetProperty("data").GetProperty("event").GetString()));

        Assert.Equal("claimed", (await other.RequestAsync("claim", Claim(channel, "t1"))).Type); // free again
        Assert.Equal("conflict", (await owner.RequestAsync("release", Claim(channel, "nothing"))).Json.GetProperty("code").GetString());
    }

    /// <summary>Waits until a TTL counted from before <paramref name="since"/> started has certainly run out (a little margin for the two clocks).</summary>
    private static async Task WaitPastAsync(Stopwatch since, TimeSpan ttl)
    {
        var left = ttl + TimeSpan.FromMilliseconds(100) - since.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }
    }

    [Fact]
    public async Task A_claim_with_a_ttl_ends_by_itself()
    {
        var channel = $"booking:{Guid.NewGuid():N}";
        await using var first = await TestClient.ConnectAsync(_a.WebSocket);
        await using var second = await TestClient.ConnectAsync(_b.WebSocket);
        Assert.Equal("claimed", (await first.RequestAsync("claim", Claim(channel, "t2", ",\"ttl\":2"))).Type);
        var claimed = Stopwatch.StartNew(); // the claim's 2 s started before its answer came
        Assert.Equal("error", (await second.RequestAsync("claim", Claim(channel, "t2"))).Type);

        await WaitPastAsync(claimed, TimeSpan.FromSeconds(2));
        Assert.Equal("claimed", (await second.RequestAsync("claim", Claim(channel, "t2"))).Type);
    }

    [Fact]
    public async Task Release_on_disconnect_frees_the_claim_when_the_owner_goes()
    {
        var channel = $"booking:{Guid.NewGuid():N}";
        await using var watcher = await TestClient.ConnectAsync(_b.WebSocket);
        await watcher.SubscribeAsync(channel);
        var owner = await TestClient.ConnectAsync(_a.WebSocket);
        Assert.Equal("claimed", (await owner.RequestAsync("claim", Claim(channel, "t3", ",\"releaseOnDisconnect\":true"))).Type);

        await owner.DisposeAsync();

        var events = await watcher.CollectAsync("message", 2);
        Assert.Equal("released", events[1].Json.GetProperty("data").GetProperty("event").GetString());
        Assert.Equal("claimed", (await watcher.RequestAsync("claim", Claim(channel, "t3"))).Type);
    }

    [Fact]
    public async Task The_server_api_may_release_any_claim()
    {
        var channel = $"booking:{Guid.NewGuid():N}";
        await using var owner = await TestClient.ConnectAsync(_a.WebSocket);
        await owner.RequestAsync("claim", Claim(channel, "t4"));

        using var http = new HttpClient { BaseAddress = _b.Http };
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/channels/{channel}/claims/t4");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);

        using var again = new HttpRequestMessage(HttpMethod.Delete, $"/api/channels/{channel}/claims/t4");
        again.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(again)).StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_claims_request_lists_what_is_taken_now(bool onRedis)
    {
        await using var memory = onRedis ? null : await TestNode.StartAsync(redis: null);
        var node = memory ?? _a;
        var channel = $"booking:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(node.WebSocket);
        await client.RequestAsync("claim", Claim(channel, "t1"));
        await client.RequestAsync("claim", Claim(channel, "t2", ",\"ttl\":2"));
        var claimed = Stopwatch.StartNew();

        async Task<List<string>> Taken()
        {
            var reply = await client.RequestAsync("claims", $"\"channel\":\"{channel}\"");
            Assert.Equal("claims", reply.Type);
            return reply.Json.GetProperty("claims").EnumerateArray().Select(c => c.GetProperty("resource").GetString()!).ToList();
        }

        Assert.Equal(["t1", "t2"], await Taken());
        await WaitPastAsync(claimed, TimeSpan.FromSeconds(2));
        Assert.Equal(["t1"], await Taken()); // the claim with a TTL ended
        await client.RequestAsync("release", Claim(channel, "t1"));
        Assert.Empty(await Taken());
    }

    [Fact]
    public async Task Claims_race_on_the_in_memory_backplane_too()
    {
        await using var node = await TestNode.StartAsync(redis: null);
        var clients = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => TestClient.ConnectAsync(node.WebSocket)));
        var replies = await Task.WhenAll(clients.Select(c => c.RequestAsync("claim", Claim("booking:mem", "t1"))));
        Assert.Single(replies, r => r.Type == "claimed");
        Assert.Equal(19, replies.Count(r => r.Type == "error" && r.Json.GetProperty("code").GetString() == "conflict"));
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }
}

[Collection(RedisCollection.Name)]
public sealed class ClaimOnStandaloneTests(RedisFixture redis) : ClaimTests(redis);

[Collection(RedisClusterCollection.Name)]
public sealed class ClaimOnClusterTests(RedisClusterFixture redis) : ClaimTests(redis);

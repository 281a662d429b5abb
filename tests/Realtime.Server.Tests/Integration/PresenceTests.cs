using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Realtime.AspNetCore.Application;
using Realtime.AspNetCore.Features;
using Realtime.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace Realtime.Server.Tests.Integration;

/// <summary>Who is in a channel, across nodes; a node that dies takes its members with it within two heartbeats.</summary>
public abstract class PresenceTests(IRedisUnderTest redis) : IAsyncLifetime
{
    private const string ApiKey = "presence-api-key-0123456789";
    private Dictionary<string, string?> _settings = null!;
    private TestNode _a = null!;
    private TestNode _b = null!;

    public async Task InitializeAsync()
    {
        _settings = new Dictionary<string, string?>
        {
            ["Realtime:HeartbeatSeconds"] = "1",
            ["Realtime:ClientTimeoutSeconds"] = "30",
            ["Realtime:Namespaces:room:Presence"] = "true",
            ["Realtime:ApiKeys:0"] = ApiKey,
        };
        _a = await TestNode.StartAsync(redis.ConnectionString, _settings, "presence-a");
        _b = await TestNode.StartAsync(redis.ConnectionString, _settings, "presence-b");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static string Connection(TestClient.Received frame) => frame.Json.GetProperty("member").GetProperty("connection").GetString()!;

    private static async Task<string> IdOf(TestClient client) => (await client.NextOfTypeAsync("welcome")).Json.GetProperty("connection").GetString()!;

    private static async Task<List<string>> MembersAsync(TestClient client, string channel) =>
        (await MembersWithJoinTimesAsync(client, channel)).Select(m => m.Connection).ToList();

    private static async Task<List<(string Connection, long JoinedAt)>> MembersWithJoinTimesAsync(TestClient client, string channel)
    {
        var reply = await client.RequestAsync("presence", $"\"channel\":\"{channel}\"");
        return reply.Json.GetProperty("members").EnumerateArray()
            .Select(m => (m.GetProperty("connection").GetString()!, m.GetProperty("joinedAt").GetInt64())).ToList();
    }

    [Fact]
    public async Task Join_and_leave_reach_subscribers_on_the_other_node_and_the_member_list_follows()
    {
        var channel = $"room:{Guid.NewGuid():N}";
        await using var watcher = await TestClient.ConnectAsync(_a.WebSocket);
        var watcherId = await IdOf(watcher);
        await watcher.RequestAsync("subscribe", $"\"channel\":\"{channel}\",\"presence\":true");

        var guest = await TestClient.ConnectAsync(_b.WebSocket);
        var guestId = await IdOf(guest);
        await guest.SubscribeAsync(channel);

        var join = await watcher.NextAsync(f => f.Type == "join" && Connection(f) == guestId);
        Assert.Equal("presence-b", join.Json.GetProperty("member").GetProperty("node").GetString());
        // By joinedAt; the watcher was a member before it was told it was subscribed, so before the
        // guest came, but two joins in one millisecond come in no set order.
        var members = await MembersWithJoinTimesAsync(watcher, channel);
        Assert.Equal(new[] { watcherId, guestId }.Order(StringComparer.Ordinal), members.Select(m => m.Connection).Order(StringComparer.Ordinal));
        Assert.True(members.Find(m => m.Connection == watcherId).JoinedAt <= members.Find(m => m.Connection == guestId).JoinedAt);
        Assert.Equal(members.OrderBy(m => m.JoinedAt), members);

        using var http = new HttpClient { BaseAddress = _b.Http };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/channels/{channel}/presence");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, body.RootElement.GetArrayLength());

        await guest.RequestAsync("unsubscribe", $"\"channel\":\"{channel}\"");
        await watcher.NextAsync(f => f.Type == "leave" && Connection(f) == guestId);
        Assert.Equal([watcherId], await MembersAsync(watcher, channel));
        await guest.DisposeAsync();
    }

    [Fact]
    public async Task Closing_the_connection_is_a_leave()
    {
        var channel = $"room:{Guid.NewGuid():N}";
        await using var watcher = await TestClient.ConnectAsync(_a.WebSocket);
        await watcher.RequestAsync("subscribe", $"\"channel\":\"{channel}\",\"presence\":true");
        var guest = await TestClient.ConnectAsync(_b.WebSocket);
        var guestId = await IdOf(guest);
        await guest.SubscribeAsync(channel);
        await watcher.NextAsync(f => f.Type == "join" && Connection(f) == guestId);

        await guest.DisposeAsync();

        await watcher.NextAsync(f => f.Type == "leave" && Connection(f) == guestId);
    }

    [Fact]
    public async Task Members_of_a_killed_node_vanish_within_two_heartbeats()
    {
        var channel = $"room:{Guid.NewGuid():N}";
        await using var doomed = await NodeProcess.StartAsync(new(_settings) { ["Realtime:Redis:ConnectionString"] = redis.ConnectionString, ["Realtime:NodeId"] = "doomed" });
        await using var watcher = await TestClient.ConnectAsync(_a.WebSocket);
        await watcher.RequestAsync("subscribe", $"\"channel\":\"{channel}\",\"presence\":true");
        var guest = await TestClient.ConnectAsync(doomed.WebSocket);
        var guestId = await IdOf(guest);
        await guest.SubscribeAsync(channel);
        await watcher.NextAsync(f => f.Type == "join" && Connection(f) == guestId);

        var killedAt = DateTime.UtcNow;
        await doomed.KillAsync(); // SIGKILL: no leave is ever sent by that node

        var leave = await watcher.NextAsync(f => f.Type == "leave" && Connection(f) == guestId, TimeSpan.FromSeconds(15));
        var after = leave.At - killedAt;
        // Expiry is two heartbeats after the last refresh, and a sweep runs every heartbeat: at most 3 s
        // at a 1 s heartbeat, plus up to 3 s for the timers of a loaded 2-core machine (a member that
        // never expired would not leave at all; one kept alive by a refresh would leave far later).
        Assert.True(after <= TimeSpan.FromSeconds(6), $"the member left {after.TotalSeconds:F1} s after the kill (heartbeat 1 s)");
        Assert.DoesNotContain(guestId, await MembersAsync(watcher, channel));
        await guest.DisposeAsync();
    }

    [Fact]
    public async Task A_subscriber_is_a_member_by_the_time_it_is_told_it_is_subscribed()
    {
        // The join reaches Redis a beat late, as on a loaded link: "subscribed" must still come after it.
        var (slow, store) = await GatedNodeAsync("presence-slow");
        await using var _ = slow;
        store.JoinDelay = TimeSpan.FromMilliseconds(300);
        var channel = $"room:{Guid.NewGuid():N}";
        await using var member = await TestClient.ConnectAsync(slow.WebSocket);
        var memberId = await IdOf(member);
        await using var asker = await TestClient.ConnectAsync(_b.WebSocket);
        await asker.SubscribeAsync(channel);

        await member.SubscribeAsync(channel);

        Assert.Contains(memberId, await MembersAsync(asker, channel));
    }

    [Fact]
    public async Task A_member_that_leaves_while_its_node_refreshes_does_not_linger()
    {
        await using var scene = await GatedSceneAsync("presence-refresh");
        var (node, store, channel, watcher, member, memberId) = scene;
        await member.SubscribeAsync(channel);

        // The node's heartbeat has taken its members and is on its way to Redis when the member leaves.
        store.HoldRefreshes();
        var refresh = node.Services.GetRequiredService<PresenceService>().RefreshAsync(CancellationToken.None);
        await store.RefreshHeld.WaitAsync(TimeSpan.FromSeconds(10));
        await member.RequestAsync("unsubscribe", $"\"channel\":\"{channel}\"");
        store.ReleaseRefreshes();
        await refresh.WaitAsync(TimeSpan.FromSeconds(10));

        // Written back by the refresh, it would stay listed until it expired (two heartbeats, a minute here).
        Assert.DoesNotContain(memberId, await MembersAsync(watcher, channel));
        var events = await EventsOfAsync(watcher, channel, memberId);
        Assert.Equal("leave", events[^1]);
    }

    [Fact]
    public async Task A_member_written_by_a_refresh_before_its_own_join_is_announced_once()
    {
        await using var scene = await GatedSceneAsync("presence-join");
        var (node, store, channel, watcher, member, memberId) = scene;

        // The join is on its way to Redis when the node's heartbeat writes its members.
        store.HoldJoins();
        var subscribing = member.SubscribeAsync(channel);
        await store.JoinHeld.WaitAsync(TimeSpan.FromSeconds(10));
        await node.Services.GetRequiredService<PresenceService>().RefreshAsync(CancellationToken.None);
        store.ReleaseJoins();
        await subscribing;

        Assert.Equal(["join"], await EventsOfAsync(watcher, channel, memberId));
    }

    [Fact]
    public async Task A_join_that_fails_leaves_no_half_made_subscription_and_a_retry_subscribes()
    {
        var (node, store) = await GatedNodeAsync("presence-failing");
        await using var _ = node;
        var channel = $"room:{Guid.NewGuid():N}";
        await using var member = await TestClient.ConnectAsync(node.WebSocket);
        var memberId = await IdOf(member);

        store.FailNextJoin = true;
        Assert.Equal("error", (await member.SubscribeAsync(channel)).Type);

        Assert.Equal("subscribed", (await member.SubscribeAsync(channel)).Type);
        await using var publisher = await TestClient.ConnectAsync(_a.WebSocket);
        Assert.Equal("published", (await publisher.PublishAsync(channel, "\"after\"")).Type);
        Assert.Equal("after", (await member.NextOfTypeAsync("message")).Json.GetProperty("data").GetString());
        Assert.Equal([memberId], await MembersAsync(member, channel));
    }

    /// <summary>Every join and leave of <paramref name="connection"/> the watcher got, up to a message published now (events and messages share one ordered stream).</summary>
    private async Task<List<string>> EventsOfAsync(TestClient watcher, string channel, string connection)
    {
        await using var publisher = await TestClient.ConnectAsync(_a.WebSocket);
        await publisher.PublishAsync(channel, "\"marker\"");
        await watcher.NextAsync(f => f.Type == "message");
        return [.. watcher.Snapshot().Where(f => f.Type is "join" or "leave" && Connection(f) == connection).Select(f => f.Type)];
    }

    /// <summary>A member connected to a gated node, not subscribed yet, and a watcher of the channel's joins and leaves on node b.</summary>
    private async Task<GatedScene> GatedSceneAsync(string nodeId)
    {
        var (node, store) = await GatedNodeAsync(nodeId);
        var channel = $"room:{Guid.NewGuid():N}";
        var watcher = await TestClient.ConnectAsync(_b.WebSocket);
        await watcher.RequestAsync("subscribe", $"\"channel\":\"{channel}\",\"presence\":true");
        var member = await TestClient.ConnectAsync(node.WebSocket);
        return new GatedScene(node, store, channel, watcher, member, await IdOf(member));
    }

    private sealed record GatedScene(TestNode Node, GatedPresenceStore Store, string Channel, TestClient Watcher, TestClient Member, string MemberId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Member.DisposeAsync();
            await Watcher.DisposeAsync();
            await Node.DisposeAsync();
        }
    }

    /// <summary>A node whose presence store is the real one behind <see cref="GatedPresenceStore"/>; no heartbeat refresh of its own during the test.</summary>
    private async Task<(TestNode Node, GatedPresenceStore Store)> GatedNodeAsync(string nodeId)
    {
        GatedPresenceStore? gated = null;
        var node = await TestNode.StartAsync(redis.ConnectionString, new(_settings) { ["Realtime:HeartbeatSeconds"] = "30", ["Realtime:ClientTimeoutSeconds"] = "90" }, nodeId,
            services: s =>
            {
                var redisStore = s.Single(d => d.ServiceType == typeof(IPresenceStore));
                s.Remove(redisStore);
                s.AddSingleton<IPresenceStore>(p => gated = new GatedPresenceStore((IPresenceStore)redisStore.ImplementationFactory!(p)));
            });
        _ = node.Services.GetRequiredService<IPresenceStore>();
        return (node, gated!);
    }

    /// <summary>The real store, with a join made late or held, and refreshes held, where the test says.</summary>
    private sealed class GatedPresenceStore(IPresenceStore inner) : IPresenceStore
    {
        private TaskCompletionSource? _joinGate;
        private TaskCompletionSource? _refreshGate;
        private readonly TaskCompletionSource _joinHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _refreshHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TimeSpan JoinDelay { get; set; }

        /// <summary>The next join fails otherwise than for want of Redis (an ACL that lacks a command, say).</summary>
        public bool FailNextJoin { get; set; }

        public Task JoinHeld => _joinHeld.Task;

        public Task RefreshHeld => _refreshHeld.Task;

        public void HoldJoins() => _joinGate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseJoins() => _joinGate?.TrySetResult();

        public void HoldRefreshes() => _refreshGate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseRefreshes() => _refreshGate?.TrySetResult();

        public async ValueTask JoinAsync(string channel, PresenceMember member, CancellationToken cancellationToken = default)
        {
            await Task.Delay(JoinDelay, cancellationToken);
            if (FailNextJoin)
            {
                FailNextJoin = false;
                throw new RedisServerException(RedisErrorKind.NoPermission, CommandFlags.None, "NOPERM User realtime has no permissions to run the 'evalsha' command");
            }

            if (_joinGate is { } gate)
            {
                _joinHeld.TrySetResult();
                await gate.Task.WaitAsync(cancellationToken);
            }

            await inner.JoinAsync(channel, member, cancellationToken);
        }

        public ValueTask LeaveAsync(string channel, string connection, CancellationToken cancellationToken = default) => inner.LeaveAsync(channel, connection, cancellationToken);

        public async ValueTask RefreshAsync(string channel, IReadOnlyCollection<PresenceMember> members, CancellationToken cancellationToken = default)
        {
            if (_refreshGate is { } gate)
            {
                _refreshHeld.TrySetResult();
                await gate.Task.WaitAsync(cancellationToken);
            }

            await inner.RefreshAsync(channel, members, cancellationToken);
        }

        public ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string channel, CancellationToken cancellationToken = default) => inner.MembersAsync(channel, cancellationToken);
    }

    [Fact]
    public async Task Presence_is_refused_where_the_namespace_does_not_track_it()
    {
        await using var client = await TestClient.ConnectAsync(_a.WebSocket);
        await client.SubscribeAsync("chat:no-presence");
        var reply = await client.RequestAsync("presence", "\"channel\":\"chat:no-presence\"");
        Assert.Equal("forbidden", reply.Json.GetProperty("code").GetString());
    }
}

[Collection(RedisCollection.Name)]
public sealed class PresenceOnStandaloneTests(RedisFixture redis) : PresenceTests(redis);

[Collection(RedisClusterCollection.Name)]
public sealed class PresenceOnClusterTests(RedisClusterFixture redis) : PresenceTests(redis);

using Microsoft.Extensions.DependencyInjection;
using Realtime.AspNetCore.Extensibility;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Hooks;

/// <summary>
/// The app's hooks in C# on a real node over Redis: each hook's accept, refuse, replace, timeout
/// and exception, and what reaches Redis (nothing, when refused).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class HookTests(RedisFixture redis) : IAsyncLifetime
{
    internal const int HookTimeoutMs = 300;
    private TestNode _node = null!;
    private ScriptedHooks _hooks = null!;

    public async Task InitializeAsync()
    {
        _node = await StartAsync(redis.ConnectionString, "hooks-a");
        _hooks = _node.Services.GetRequiredService<ScriptedHooks>();
    }

    public Task DisposeAsync() => _node.DisposeAsync().AsTask();

    /// <summary>A node with the scripted hooks on <c>hooked</c>, an RPC, and nothing on the other namespaces.</summary>
    internal static Task<TestNode> StartAsync(string redis, string nodeId, Dictionary<string, string?>? settings = null) =>
        TestNode.StartAsync(redis, WithDefaultTimeout(settings), nodeId, services: services =>
        {
            services.AddRealtimeHooks<ScriptedHooks>("hooked");
            services.AddRealtimeRpc("echo", (context, _) => ValueTask.FromResult(HookResult.Accept(new { method = context.Method, got = context.Data, user = context.User })));
            services.AddRealtimeRpc("refuse", (_, _) => ValueTask.FromResult(HookResult.Refuse("closed", "The kitchen is closed.")));
            services.AddRealtimeRpc("slow", async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return HookResult.Accept(); });
            services.AddRealtimeRpc("throw", (_, _) => throw new InvalidOperationException("bug"));
        });

    private static Dictionary<string, string?> WithDefaultTimeout(Dictionary<string, string?>? settings)
    {
        var all = new Dictionary<string, string?>(settings ?? []);
        all.TryAdd("Realtime:Hooks:TimeoutMs", $"{HookTimeoutMs}");
        return all;
    }

    private static string Channel(string mode) => $"hooked:{mode}:{Guid.NewGuid():N}";

    private static string Code(TestClient.Received reply) => reply.Json.GetProperty("code").GetString()!;

    [Fact]
    public async Task A_publish_hook_that_accepts_stores_the_clients_data_and_sees_who_sent_it()
    {
        var channel = Channel("accept");
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        await client.SubscribeAsync(channel);

        var reply = await client.PublishAsync(channel, """{"n":1}""");

        Assert.Equal("published", reply.Type);
        var message = await client.NextOfTypeAsync("message");
        Assert.Equal("""{"n":1}""", message.Json.GetProperty("data").GetRawText());
        var seen = Assert.Single(_hooks.Calls.OfType<PublishContext>(), c => c.Channel == channel);
        Assert.Equal(1, seen.Data.GetProperty("n").GetInt32());
        Assert.Equal(_node.Id, seen.Node);
        Assert.False(string.IsNullOrEmpty(seen.ConnectionId));
    }

    [Fact]
    public async Task A_publish_hook_that_refuses_answers_with_the_apps_code_and_stores_nothing()
    {
        var channel = Channel("refuse");
        await using var publisher = await TestClient.ConnectAsync(_node.WebSocket);
        var refused = await publisher.PublishAsync(channel, """{"n":1}""");

        Assert.Equal("error", refused.Type);
        Assert.Equal("not_tonight", Code(refused));
        Assert.Equal("The app says no.", refused.Json.GetProperty("message").GetString());
        Assert.False(await redis.Server.HasKeysOfAsync(channel), "the refused publish left keys in Redis");
    }

    [Fact]
    public async Task A_publish_hook_that_replaces_the_data_delivers_and_stores_the_replacement()
    {
        var channel = Channel("replace");
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var before = (await client.SubscribeAsync(channel)).Json.GetProperty("offset").GetString();

        var reply = await client.PublishAsync(channel, """{"text":"hi"}""");

        Assert.Equal("published", reply.Type);
        var live = await client.NextOfTypeAsync("message");
        Assert.True(live.Json.GetProperty("data").GetProperty("replaced").GetBoolean());
        Assert.Equal("hi", live.Json.GetProperty("data").GetProperty("original").GetProperty("text").GetString());

        // The history holds the replacement too: a late reader resumes into it.
        await using var late = await TestClient.ConnectAsync(_node.WebSocket);
        await late.RequestAsync("subscribe", $$""" "channel":"{{channel}}","since":"{{before}}" """.Trim());
        var replayed = await late.NextOfTypeAsync("message");
        Assert.Equal(live.Json.GetProperty("data").GetRawText(), replayed.Json.GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task A_replacement_larger_than_a_message_may_be_is_refused_and_nothing_is_stored()
    {
        var channel = Channel("grow");
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.PublishAsync(channel, """{"text":"hi"}""");

        Assert.Equal("error", reply.Type);
        Assert.Equal("hook_failed", Code(reply));
        Assert.False(await redis.Server.HasKeysOfAsync(channel), "nothing of the refused publish reached Redis");
    }

    [Theory]
    [InlineData("slow", "hook_timeout")]
    [InlineData("stubborn", "hook_timeout")]
    [InlineData("throw", "hook_failed")]
    public async Task A_publish_hook_that_fails_or_runs_out_of_time_fails_the_publish_and_stores_nothing(string mode, string code)
    {
        var channel = Channel(mode);
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var failures = _node.Metrics.HookFailuresTotal;

        var reply = await client.PublishAsync(channel, """{"n":1}""");

        Assert.Equal("error", reply.Type);
        Assert.Equal(code, Code(reply));
        Assert.True(_node.Metrics.HookFailuresTotal > failures);
        Assert.False(await redis.Server.HasKeysOfAsync(channel), "the refused publish left keys in Redis");

        // The connection goes on: a publish elsewhere still works.
        Assert.Equal("published", (await client.PublishAsync($"plain:{Guid.NewGuid():N}", "1")).Type);
    }

    [Theory]
    [InlineData("refuse", "not_tonight")]
    [InlineData("slow", "hook_timeout")]
    [InlineData("throw", "hook_failed")]
    public async Task A_subscribe_hook_that_says_no_keeps_the_client_out_of_the_channel(string mode, string code)
    {
        var channel = Channel(mode);
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.SubscribeAsync(channel);

        Assert.Equal("error", reply.Type);
        Assert.Equal(code, Code(reply));
        // Not subscribed: presence of the channel is refused as for any channel not joined.
        var presence = await client.RequestAsync("presence", $$""" "channel":"{{channel}}" """.Trim());
        Assert.Equal("not_subscribed", Code(presence));
    }

    [Theory]
    [InlineData("refuse", "not_tonight")]
    [InlineData("slow", "hook_timeout")]
    [InlineData("stubborn", "hook_timeout")]
    [InlineData("throw", "hook_failed")]
    public async Task A_refused_or_failed_claim_never_reaches_redis(string mode, string code)
    {
        var channel = $"hooked:{Guid.NewGuid():N}";
        var resource = $"{mode}-t1";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        await client.SubscribeAsync(channel);

        var reply = await client.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"{{resource}}" """.Trim());

        Assert.Equal("error", reply.Type);
        Assert.Equal(code, Code(reply));
        Assert.False(await redis.Server.ClaimExistsAsync(channel, resource), "the refused claim's key is in Redis");
        var listed = await client.RequestAsync("claims", $$""" "channel":"{{channel}}" """.Trim());
        Assert.Equal(0, listed.Json.GetProperty("claims").GetArrayLength());
        Assert.DoesNotContain(client.Snapshot(), f => f.Type == "message");
    }

    [Fact]
    public async Task An_accepted_claim_is_written_and_the_hook_saw_its_owner_and_ttl()
    {
        var channel = $"hooked:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"ok-t1","ttl":90 """.Trim());

        Assert.Equal("claimed", reply.Type);
        Assert.True(await redis.Server.ClaimExistsAsync(channel, "ok-t1"));
        var seen = Assert.Single(_hooks.Calls.OfType<ClaimContext>(), c => c.Channel == channel);
        Assert.Equal(reply.Json.GetProperty("owner").GetString(), seen.Owner);
        Assert.Equal(TimeSpan.FromSeconds(90), seen.Ttl);
    }

    [Fact]
    public async Task A_refused_release_leaves_the_claim_held()
    {
        var channel = $"hooked:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        Assert.Equal("claimed", (await client.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"keep-t1" """.Trim())).Type);

        var reply = await client.RequestAsync("release", $$""" "channel":"{{channel}}","resource":"keep-t1" """.Trim());

        Assert.Equal("not_tonight", Code(reply));
        Assert.True(await redis.Server.ClaimExistsAsync(channel, "keep-t1"));
    }

    [Fact]
    public async Task An_rpc_is_answered_by_its_handler_with_the_callers_data()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.RequestAsync("rpc", """ "method":"echo","data":{"table":7} """.Trim());

        Assert.Equal("result", reply.Type);
        Assert.Equal("echo", reply.Json.GetProperty("method").GetString());
        Assert.Equal(7, reply.Json.GetProperty("data").GetProperty("got").GetProperty("table").GetInt32());
    }

    [Theory]
    [InlineData("refuse", "closed")]
    [InlineData("slow", "hook_timeout")]
    [InlineData("throw", "hook_failed")]
    [InlineData("nobody-answers", "unknown_method")]
    public async Task An_rpc_that_is_refused_fails_or_has_no_handler_gets_a_documented_error(string method, string code)
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.RequestAsync("rpc", $$""" "method":"{{method}}" """.Trim());

        Assert.Equal("error", reply.Type);
        Assert.Equal(code, Code(reply));
        Assert.Equal("pong", (await client.RequestAsync("ping")).Type);
    }

    [Fact]
    public async Task An_rpc_without_a_method_is_a_protocol_error()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.RequestAsync("rpc", """ "data":1 """.Trim());

        Assert.Equal("bad_request", Code(reply));
    }

    [Fact]
    public async Task Stored_publishes_claims_and_releases_are_told_in_order_with_their_offsets()
    {
        var channel = $"hooked:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var published = await client.PublishAsync(channel, """{"n":1}""");
        var claimed = await client.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"ok-t2" """.Trim());
        var released = await client.RequestAsync("release", $$""" "channel":"{{channel}}","resource":"ok-t2" """.Trim());

        await Eventually.TrueAsync(() => _hooks.Stored.Count(e => e.Channel == channel) == 3, "three events were told");
        var events = _hooks.Stored.Where(e => e.Channel == channel).ToList();
        Assert.Equal([StoredKind.Publish, StoredKind.Claim, StoredKind.Release], events.Select(e => e.Kind));
        Assert.Equal(
            [published.Json.GetProperty("offset").GetString(), claimed.Json.GetProperty("offset").GetString(), released.Json.GetProperty("offset").GetString()],
            events.Select(e => e.Offset));
        Assert.Equal(1, events[0].Data!.Value.GetProperty("n").GetInt32());
        Assert.Equal("ok-t2", events[1].Resource);
        Assert.Equal(claimed.Json.GetProperty("owner").GetString(), events[1].Owner);
    }

    [Fact]
    public async Task A_receiver_that_fails_is_told_again_until_it_takes_the_event()
    {
        var channel = $"hooked:{Guid.NewGuid():N}";
        _hooks.FailStoredTimes[channel] = 2;
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var published = await client.PublishAsync(channel, "1");

        await Eventually.TrueAsync(() => _hooks.Stored.Any(e => e.Channel == channel), "the event was told after two failures");
        Assert.Equal(published.Json.GetProperty("offset").GetString(), Assert.Single(_hooks.Stored, e => e.Channel == channel).Offset);
        Assert.Equal(0, _hooks.FailStoredTimes[channel]);
    }

    [Fact]
    public async Task A_release_at_disconnect_is_told_too()
    {
        var channel = $"hooked:{Guid.NewGuid():N}";
        var client = await TestClient.ConnectAsync(_node.WebSocket);
        Assert.Equal("claimed", (await client.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"ok-t3","releaseOnDisconnect":true """.Trim())).Type);

        await client.DisposeAsync();

        await Eventually.TrueAsync(() => _hooks.Stored.Any(e => e.Channel == channel && e.Kind == StoredKind.Release), "the release at disconnect was told");
    }

    [Fact]
    public async Task A_channel_whose_namespace_is_spelled_in_capitals_runs_the_same_hooks()
    {
        // Namespaces match without regard to case, for rules and hooks alike: no way around the app's say.
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.PublishAsync($"HOOKED:refuse:{Guid.NewGuid():N}", "1");

        Assert.Equal("not_tonight", Code(reply));
    }

    [Fact]
    public async Task A_refusal_with_a_code_the_clients_act_on_is_not_allowed()
    {
        Assert.Throws<ArgumentException>(() => HookResult.Refuse("unavailable", "try again"));
        Assert.Throws<ArgumentException>(() => HookResult.Refuse("Not A Code", "x"));
        Assert.Equal(HookResult.MaxMessageLength + 1, HookResult.Refuse("too_long", new string('x', 5000)).Message!.Length);
    }

    [Fact]
    public async Task Channels_of_a_namespace_without_hooks_run_none()
    {
        var channel = $"plain:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        await client.SubscribeAsync(channel);
        await client.PublishAsync(channel, "1");
        await client.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"refuse-t1" """.Trim());

        // Events are told in the order stored: once a later hooked publish's is, any of these would have been.
        var marker = $"hooked:{Guid.NewGuid():N}";
        await client.PublishAsync(marker, "1");
        await Eventually.TrueAsync(() => _hooks.Stored.Any(e => e.Channel == marker), "the later publish was told");

        Assert.DoesNotContain(_hooks.Calls, c => c is ChannelContext cc && cc.Channel == channel);
        Assert.DoesNotContain(_hooks.Stored, e => e.Channel == channel);
    }
}

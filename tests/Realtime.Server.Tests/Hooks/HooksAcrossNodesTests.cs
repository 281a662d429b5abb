using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Realtime.AspNetCore.Extensibility;
using Realtime.Client;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Hooks;

/// <summary>Two nodes behind one Redis, each with the app's hooks: what one node's hook decided holds on the other.</summary>
[Collection(RedisCollection.Name)]
public sealed class HooksAcrossNodesTests(RedisFixture redis) : IAsyncLifetime
{
    private TestNode _a = null!;
    private TestNode _b = null!;

    public async Task InitializeAsync()
    {
        _a = await HookTests.StartAsync(redis.ConnectionString, "hooks-a2");
        _b = await HookTests.StartAsync(redis.ConnectionString, "hooks-b2");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static RealtimeClient Client(TestNode node) => new(new RealtimeClientOptions { Endpoints = [node.WebSocket] });

    [Fact]
    public async Task Data_replaced_by_a_hook_on_one_node_reaches_a_subscriber_on_the_other()
    {
        var channel = $"hooked:replace:{Guid.NewGuid():N}";
        await using var reader = await TestClient.ConnectAsync(_b.WebSocket);
        await reader.SubscribeAsync(channel);
        await using var writer = await TestClient.ConnectAsync(_a.WebSocket);

        await writer.PublishAsync(channel, """{"text":"hi"}""");

        var message = await reader.NextOfTypeAsync("message");
        Assert.True(message.Json.GetProperty("data").GetProperty("replaced").GetBoolean());
    }

    [Fact]
    public async Task A_claim_refused_on_one_node_is_absent_for_the_other_and_an_accepted_one_is_seen_there()
    {
        var channel = $"hooked:{Guid.NewGuid():N}";
        await using var watcher = await TestClient.ConnectAsync(_a.WebSocket);
        await watcher.SubscribeAsync(channel);
        await using var claimant = await TestClient.ConnectAsync(_b.WebSocket);

        var refused = await claimant.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"refuse-t9" """.Trim());
        var accepted = await claimant.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"ok-t9" """.Trim());

        Assert.Equal("not_tonight", refused.Json.GetProperty("code").GetString());
        Assert.Equal("claimed", accepted.Type);
        var seen = await watcher.NextOfTypeAsync("message");
        Assert.Equal("ok-t9", seen.Json.GetProperty("data").GetProperty("resource").GetString());
        var listed = await watcher.RequestAsync("claims", $$""" "channel":"{{channel}}" """.Trim());
        Assert.Equal(["ok-t9"], listed.Json.GetProperty("claims").EnumerateArray().Select(c => c.GetProperty("resource").GetString()));
    }

    [Fact]
    public async Task Each_node_tells_its_own_hooks_of_what_it_stored()
    {
        var channel = $"hooked:{Guid.NewGuid():N}";
        await using var onA = await TestClient.ConnectAsync(_a.WebSocket);
        await using var onB = await TestClient.ConnectAsync(_b.WebSocket);

        var first = await onA.PublishAsync(channel, "1");
        var second = await onB.PublishAsync(channel, "2");

        var hooksA = _a.Services.GetRequiredService<ScriptedHooks>();
        var hooksB = _b.Services.GetRequiredService<ScriptedHooks>();
        await Eventually.TrueAsync(() => hooksA.Stored.Any(e => e.Channel == channel) && hooksB.Stored.Any(e => e.Channel == channel), "both nodes told their hooks");
        Assert.Equal(first.Json.GetProperty("offset").GetString(), Assert.Single(hooksA.Stored, e => e.Channel == channel).Offset);
        Assert.Equal(second.Json.GetProperty("offset").GetString(), Assert.Single(hooksB.Stored, e => e.Channel == channel).Offset);
    }

    [Fact]
    public async Task An_rpc_round_trips_through_the_dotnet_client_on_either_node()
    {
        await using var onA = Client(_a);
        await using var onB = Client(_b);
        await onA.ConnectAsync();
        await onB.ConnectAsync();

        var fromA = await onA.RpcAsync("echo", new JsonObject { ["table"] = 7 });
        var fromB = await onB.RpcAsync("echo");
        var refused = await Assert.ThrowsAsync<RealtimeException>(() => onB.RpcAsync("refuse"));
        var unknown = await Assert.ThrowsAsync<RealtimeException>(() => onA.RpcAsync("nobody-answers"));

        Assert.Equal(7, fromA.GetProperty("got").GetProperty("table").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, fromB.GetProperty("got").ValueKind);
        Assert.Equal(("closed", "The kitchen is closed."), (refused.Code, refused.Message));
        Assert.Equal("unknown_method", unknown.Code);
    }
}

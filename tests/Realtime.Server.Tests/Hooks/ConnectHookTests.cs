using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Realtime.AspNetCore.Extensibility;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Hooks;

/// <summary>The connect hook: refuse (1008 with the app's code), attach data (in welcome and every later hook), fail (1013).</summary>
[Collection(RedisCollection.Name)]
public sealed class ConnectHookTests(RedisFixture redis) : IAsyncLifetime
{
    private TestNode _node = null!;
    private Gate _gate = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync(redis.ConnectionString, new() { ["Realtime:Hooks:TimeoutMs"] = "300" }, "connect-hooks", services: services =>
        {
            services.AddSingleton<Gate>();
            services.AddRealtimeConnectHook<Gate>();
            services.AddRealtimeHooks<ScriptedHooks>("hooked");
        });
        _gate = (Gate)_node.Services.GetRequiredService<IConnectHook>();
    }

    public Task DisposeAsync() => _node.DisposeAsync().AsTask();

    /// <summary>Does what the test sets in <see cref="Mode"/>.</summary>
    public sealed class Gate : IConnectHook
    {
        public string Mode { get; set; } = "accept";

        /// <summary>"dawdle": set once the hook is deciding; it answers (accepts) when <see cref="Answer"/> is set.</summary>
        public TaskCompletionSource Deciding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<HookResult> OnConnectAsync(ConnectContext context, CancellationToken cancellationToken)
        {
            switch (Mode)
            {
                case "refuse":
                    return HookResult.Refuse("banned", "This guest is not welcome.");
                case "attach":
                    return HookResult.Accept(new { tier = "gold", connection = context.ConnectionId });
                case "longwinded":
                    return HookResult.Refuse("banned", "Ünwelcome. " + new string('é', 400));
                case "dawdle":
                    Deciding.TrySetResult();
                    await Answer.Task.WaitAsync(cancellationToken);
                    return HookResult.Accept();
                case "bloat":
                    return HookResult.Accept(new { padding = new string('x', 5000) });
                case "slow":
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    return HookResult.Accept();
                case "throw":
                    throw new InvalidOperationException("bug");
                default:
                    return HookResult.Accept();
            }
        }
    }

    [Fact]
    public async Task A_refused_connection_is_closed_with_1008_and_the_apps_code_before_any_welcome()
    {
        _gate.Mode = "refuse";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.WaitClosedAsync());
        Assert.Equal("banned: This guest is not welcome.", client.CloseDescription);
        Assert.DoesNotContain(client.Snapshot(), f => f.Type == "welcome");
    }

    [Fact]
    public async Task A_refusal_too_long_for_a_close_frame_is_cut_to_fit_it()
    {
        _gate.Mode = "longwinded";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.WaitClosedAsync());
        Assert.StartsWith("banned: Ünwelcome. éé", client.CloseDescription, StringComparison.Ordinal);
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(client.CloseDescription!), 100, 123);
    }

    [Fact]
    public async Task Refused_and_failed_connections_give_their_slot_back()
    {
        // One connection slot: had a refusal or a failure kept it, the last upgrade would get 503.
        await using var node = await TestNode.StartAsync(redis.ConnectionString, new() { ["Realtime:MaxConnections"] = "1", ["Realtime:Hooks:TimeoutMs"] = "300" }, services: services =>
        {
            services.AddSingleton<Gate>();
            services.AddRealtimeConnectHook<Gate>();
        });
        var gate = (Gate)node.Services.GetRequiredService<IConnectHook>();
        foreach (var mode in new[] { "refuse", "throw", "slow", "refuse" })
        {
            gate.Mode = mode;
            await using var turnedAway = await TestClient.ConnectAsync(node.WebSocket);
            await turnedAway.WaitClosedAsync();
        }

        gate.Mode = "accept";
        await using var welcomed = await TestClient.ConnectAsync(node.WebSocket);
        Assert.Equal("welcome", (await welcomed.NextOfTypeAsync("welcome")).Type);
    }

    [Fact]
    public async Task A_connection_whose_hook_answers_after_the_drain_began_is_sent_elsewhere_with_1012()
    {
        // A node of its own: it stays draining.
        await using var node = await TestNode.StartAsync(redis.ConnectionString, services: services =>
        {
            services.AddSingleton<Gate>();
            services.AddRealtimeConnectHook<Gate>();
        });
        var gate = (Gate)node.Services.GetRequiredService<IConnectHook>();
        gate.Mode = "dawdle";
        await using var client = await TestClient.ConnectAsync(node.WebSocket);

        await gate.Deciding.Task.WaitAsync(TimeSpan.FromSeconds(10));
        node.Services.GetRequiredService<Realtime.AspNetCore.DrainState>().Begin(); // while the hook decides
        gate.Answer.SetResult();

        Assert.Equal((WebSocketCloseStatus)1012, await client.WaitClosedAsync());
        Assert.DoesNotContain(client.Snapshot(), f => f.Type == "welcome");
    }

    [Fact]
    public async Task Attaching_more_than_4_KB_fails_the_connection_as_hook_failed()
    {
        _gate.Mode = "bloat";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        Assert.Equal((WebSocketCloseStatus)1013, await client.WaitClosedAsync());
        Assert.Equal("hook_failed", client.CloseDescription);
    }

    [Theory]
    [InlineData("slow", "hook_timeout")]
    [InlineData("throw", "hook_failed")]
    public async Task A_connect_hook_that_fails_closes_with_1013_so_the_client_tries_again(string mode, string reason)
    {
        _gate.Mode = mode;
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        Assert.Equal((WebSocketCloseStatus)1013, await client.WaitClosedAsync());
        Assert.Equal(reason, client.CloseDescription);
    }

    [Fact]
    public async Task Data_the_connect_hook_attaches_is_in_the_welcome_and_reaches_every_later_hook()
    {
        _gate.Mode = "attach";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var welcome = await client.NextOfTypeAsync("welcome");
        var connection = welcome.Json.GetProperty("connection").GetString();
        Assert.Equal("gold", welcome.Json.GetProperty("data").GetProperty("tier").GetString());
        Assert.Equal(connection, welcome.Json.GetProperty("data").GetProperty("connection").GetString());

        var channel = $"hooked:{Guid.NewGuid():N}";
        await client.PublishAsync(channel, "1");

        var hooks = _node.Services.GetRequiredService<ScriptedHooks>();
        var seen = Assert.Single(hooks.Calls.OfType<PublishContext>(), c => c.Channel == channel);
        Assert.Equal(connection, seen.ConnectionId);
        Assert.Equal("gold", seen.ConnectionData!.Value.GetProperty("tier").GetString());
    }

    [Fact]
    public async Task Without_data_the_welcome_has_no_data_field()
    {
        _gate.Mode = "accept";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var welcome = await client.NextOfTypeAsync("welcome");

        Assert.False(welcome.Json.TryGetProperty("data", out _));
    }
}

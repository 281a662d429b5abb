using Realtime.AspNetCore.Extensibility;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Hooks;

/// <summary>An RPC follows its method's namespace rules, as a read of a channel of that name would, and the connection's write rate.</summary>
public sealed class RpcRulesTests
{
    [Fact]
    public async Task An_rpc_in_a_namespace_closed_to_anonymous_connections_is_refused_to_them()
    {
        var settings = Tokens.Settings();
        settings["Realtime:Namespaces:staff:AllowAnonymous"] = "false";
        await using var node = await TestNode.StartAsync(redis: null, settings, services: s =>
            s.AddRealtimeRpc("staff:roster", (context, _) => ValueTask.FromResult(HookResult.Accept(new { asked = context.User }))));

        await using var anonymous = await TestClient.ConnectAsync(node.WebSocket);
        await using var signedIn = await TestClient.ConnectAsync(Tokens.With(node.WebSocket, Tokens.Create("chef")));

        var refused = await anonymous.RequestAsync("rpc", """ "method":"staff:roster" """.Trim());
        var answered = await signedIn.RequestAsync("rpc", """ "method":"staff:roster" """.Trim());

        Assert.Equal("forbidden", refused.Json.GetProperty("code").GetString());
        Assert.Equal("chef", answered.Json.GetProperty("data").GetProperty("asked").GetString());
    }

    /// <summary>Each RPC costs the app's backend a call: RPCs and publishes draw on one rate, and past it the handler is not called.</summary>
    [Fact]
    public async Task Rpcs_and_publishes_share_the_connections_rate()
    {
        var calls = 0;
        await using var node = await TestNode.StartAsync(redis: null, new Dictionary<string, string?>
        {
            ["Realtime:PublishRatePerSecond"] = "1",
            ["Realtime:PublishBurst"] = "2",
        }, services: s => s.AddRealtimeRpc("count", (_, _) => ValueTask.FromResult(HookResult.Accept(new { n = Interlocked.Increment(ref calls) }))));
        await using var client = await TestClient.ConnectAsync(node.WebSocket);

        Assert.Equal("published", (await client.PublishAsync("chat:a", """{"n":1}""")).Type);
        var answers = new List<TestClient.Received>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await client.RequestAsync("rpc", """ "method":"count" """.Trim()));
        }

        // Two tokens, one taken by the publish: at most one more comes back within these few milliseconds.
        Assert.Contains(answers, a => a.Type == "error" && a.Json.GetProperty("code").GetString() == "rate_limited");
        Assert.Equal(answers.Count(a => a.Type == "result"), Volatile.Read(ref calls));
    }
}

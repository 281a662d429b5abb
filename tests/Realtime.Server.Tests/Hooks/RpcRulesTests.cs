using Realtime.AspNetCore.Extensibility;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Hooks;

/// <summary>An RPC follows its method's namespace rules, as a read of a channel of that name would.</summary>
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
}

using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Faults;

/// <summary>Redis forgets every member (FLUSHALL, or a failover that lost them): each node writes its members back at the next refresh.</summary>
public sealed class PresenceRecoveryTests : FaultNodes
{
    protected override Dictionary<string, string?> Settings => new(base.Settings)
    {
        ["Realtime:HeartbeatSeconds"] = "1",
        ["Realtime:ClientTimeoutSeconds"] = "30",
        ["Realtime:Namespaces:room:Presence"] = "true",
    };

    [Fact]
    public async Task Members_come_back_after_the_backplane_lost_them()
    {
        var channel = Channel("room");
        await using var onA = await TestClient.ConnectAsync(A.WebSocket);
        await using var onB = await TestClient.ConnectAsync(B.WebSocket);
        await onA.SubscribeAsync(channel);
        await onB.RequestAsync("subscribe", $$"""  "channel":"{{channel}}","presence":true """.Trim());
        async Task<int> Members() => (await onB.RequestAsync("presence", $$"""  "channel":"{{channel}}" """.Trim())).Json.GetProperty("members").GetArrayLength();
        Assert.Equal(2, await Members());

        await using var admin = await Redis.AdminAsync();
        await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("FLUSHALL");
        // No check that the members are gone now: a refresh (every second here) may already have
        // written them back. The join below is the proof: it is published only for a member that was missing.

        await Eventually.TrueAsync(async () => await Members() == 2, "both members are back within a few heartbeats", TimeSpan.FromSeconds(10));
        var join = await onB.NextAsync(f => f.Type == "join" && f.Json.GetProperty("member").GetProperty("node").GetString() == A.Id);
        Assert.Equal(channel, join.Json.GetProperty("channel").GetString());
    }
}

using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Faults;

/// <summary>Two nodes on one Redis of their own (the fault tests break it), with room to publish fast and a long history.</summary>
public abstract class FaultNodes : IAsyncLifetime
{
    protected RedisServer Redis { get; } = new();

    protected TestNode A { get; private set; } = null!;

    protected TestNode B { get; private set; } = null!;

    /// <summary>Settings of both nodes: no publish limit, a history that can fill any hole a test makes (namespace <c>feed</c>), a short one (<c>thin</c>).</summary>
    protected virtual Dictionary<string, string?> Settings => new()
    {
        ["Realtime:PublishRatePerSecond"] = "100000",
        ["Realtime:PublishBurst"] = "100000",
        ["Realtime:SendQueueCapacity"] = "100000",
        ["Realtime:Namespaces:feed:HistoryLength"] = "100000",
        ["Realtime:Namespaces:thin:HistoryLength"] = "3",
    };

    protected virtual string RedisConnectionString => Redis.ConnectionString;

    public virtual async Task InitializeAsync()
    {
        await Redis.StartAsync();
        await StartNodesAsync();
    }

    /// <summary>Starts both nodes on the running Redis, keeping every line they log when given somewhere to.</summary>
    protected async Task StartNodesAsync(LogCapture? logsOfA = null, LogCapture? logsOfB = null)
    {
        A = await TestNode.StartAsync(RedisConnectionString, Settings, nodeId: "fault-a", logs: logsOfA);
        B = await TestNode.StartAsync(RedisConnectionString, Settings, nodeId: "fault-b", logs: logsOfB);
    }

    public virtual async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Redis.DisposeAsync();
    }

    protected static string Channel(string ns) => $"{ns}:{Guid.NewGuid():N}";

    protected static async Task<List<TestClient>> SubscribersAsync(TestNode node, string channel, int count)
    {
        var clients = new List<TestClient>();
        for (var i = 0; i < count; i++)
        {
            var client = await TestClient.ConnectAsync(node.WebSocket);
            Assert.Equal("subscribed", (await client.SubscribeAsync(channel)).Type);
            clients.Add(client);
        }

        return clients;
    }

    /// <summary>Waits until every acknowledged message reached each subscriber or was announced, then counts.</summary>
    protected static async Task<DeliveryLedger.Report[]> SettleAsync(DeliveryLedger ledger, string channel, IReadOnlyList<TestClient> subscribers)
    {
        await Eventually.TrueAsync(
            () => subscribers.All(s => ledger.Count(channel, s.Snapshot()) is { } r && r.Delivered + r.Announced == r.Acknowledged),
            "every acknowledged message delivered or announced", TimeSpan.FromSeconds(30));
        await Task.Delay(300); // room for a duplicate to show up
        return subscribers.Select(s => ledger.Count(channel, s.Snapshot())).ToArray();
    }

    protected static void AssertNoSilentLoss(DeliveryLedger.Report report)
    {
        Assert.Equal(0, report.SilentlyLost);
        Assert.Equal(0, report.Duplicated);
        Assert.Equal(0, report.OutOfOrder);
    }
}

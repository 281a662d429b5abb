using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Faults;

/// <summary>
/// Redis dies without persistence while a node publishes 200 messages a second and comes back empty
/// (an ElastiCache node replaced without a snapshot): publishes during the outage are refused, the
/// history is lost, and every subscriber is told about what it cannot get back.
/// </summary>
public sealed class RedisRestartTests : FaultNodes
{
    [Fact]
    public async Task A_restart_that_loses_the_history_is_announced_never_silent()
    {
        var channel = Channel("feed");
        var subscribers = await SubscribersAsync(A, channel, 3);
        await using var publisher = await TestClient.ConnectAsync(B.WebSocket);
        Task? restart = null;

        var ledger = new DeliveryLedger();
        await ledger.PublishAsync(publisher, channel, count: 1000, perSecond: 200, beforeEach: async n =>
        {
            if (n == 200)
            {
                await Redis.KillAsync();
                restart = Task.Delay(TimeSpan.FromSeconds(1)).ContinueWith(_ => Redis.StartAsync()).Unwrap();
            }
        });
        await restart!;

        Assert.True(ledger.Refused > 0, "publishes during the outage are refused");
        Assert.True(ledger.Acknowledged > 200, "publishes after the restart go through");
        var reports = await SettleAsync(ledger, channel, subscribers);
        foreach (var report in reports)
        {
            report.Record("Redis killed and restarted empty during 200 msg/s");
            AssertNoSilentLoss(report);
        }

        foreach (var client in subscribers)
        {
            await client.DisposeAsync();
        }
    }
}

using System.Net;
using Realtime.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Realtime.Server.Tests.Overload;

/// <summary>
/// A node whose heap fills (large messages queued for receivers that do not read) refuses new
/// upgrades, closes the receivers furthest behind, and takes new clients again once the heap has
/// fallen, while a receiver that keeps up is served throughout.
/// </summary>
public sealed class MemoryPressureTests(ITestOutputHelper output)
{
    /// <summary>The heap limit the runtime enforces, as a container's memory limit makes it (192 MiB).</summary>
    private const long HeapLimit = 192L << 20;

    private const int SlowReaders = 4;
    private const int MessageBytes = 60 * 1024;

    [Fact]
    public async Task A_full_heap_refuses_upgrades_and_closes_the_slowest_receivers_until_it_falls()
    {
        await using var node = await NodeProcess.StartAsync(new()
        {
            ["Realtime:PublishRatePerSecond"] = "100000",
            ["Realtime:PublishBurst"] = "100000",
            // The node's own per-receiver cap would close them first: leave it to the memory guard.
            ["Realtime:SendQueueCapacity"] = "1000000",
            ["Realtime:Namespaces:big:HistoryLength"] = "1",
            // 40 % of the heap above the mark: the publisher fills 50 MB/s, and this is a race the
            // guard must win by reading often, not one the test should lose to a slow tick on a loaded machine.
            ["Realtime:Overload:MemoryHighPercent"] = "60",
            ["Realtime:Overload:MemoryLowPercent"] = "50",
            ["Realtime:Metrics:EmbeddedMetricFormat"] = "true",
            ["Realtime:Metrics:EmbeddedMetricIntervalSeconds"] = "1",
        }, environment: new() { ["DOTNET_GCHeapHardLimit"] = $"0x{HeapLimit:X}" });

        await using var fast = await TestClient.ConnectAsync(node.WebSocket);
        Assert.Equal("subscribed", (await fast.SubscribeAsync("big:fast")).Type);
        var slow = new List<TestClient>();
        for (var i = 0; i < SlowReaders; i++)
        {
            var reader = await TestClient.ConnectAsync(node.WebSocket, read: false);
            await reader.SendAsync($$"""{"type":"subscribe","channel":"big:slow{{i}}"}""");
            slow.Add(reader);
        }

        await using var publisher = await TestClient.ConnectAsync(node.WebSocket);
        var payload = $"\"{new string('x', MessageBytes)}\"";

        // Publish to the slow readers (and the fast one) until the node refuses an upgrade. The node
        // refuses only while under pressure, which can be short: shedding frees a backlog at once, so
        // upgrades are tried all along rather than now and then.
        var publishedToFast = 0;
        var round = 0;
        using var stopProbing = new CancellationTokenSource();
        var refusal = ProbeUntilRefusedAsync(node, stopProbing.Token);
        for (; round < 2000 && !refusal.IsCompleted; round++)
        {
            for (var i = 0; i < SlowReaders; i++)
            {
                await PublishAsync(publisher, node, $"big:slow{i}", payload);
            }

            await PublishAsync(publisher, node, "big:fast", payload);
            publishedToFast++;
        }

        await stopProbing.CancelAsync();
        var refusedAt = await refusal ? round : -1;
        Assert.True(refusedAt >= 0, "the node refused an upgrade once the heap filled");
        // Memory pressure, logged: the line goes through the console logger's queue and the process's
        // stdout, so it may reach the test after the refused upgrade did.
        await Eventually.TrueAsync(() => node.Output.Any(l => l.Contains("\"EventId\":5002", StringComparison.Ordinal)), "memory pressure logged");
        Assert.False(node.HasExited);

        // Left alone, it frees itself: the slowest receivers go, and upgrades are taken again.
        await Eventually.TrueAsync(async () => await UpgradeAttempt.StatusAsync(node.WebSocket, TimeSpan.FromSeconds(10)) == HttpStatusCode.SwitchingProtocols,
            "upgrades are accepted again once the heap falls", TimeSpan.FromSeconds(60));
        var shed = node.MetricTotal("ConnectionsShed");
        output.WriteLine($"heap limit {HeapLimit >> 20} MiB: refused after {refusedAt + 1} rounds of {SlowReaders + 1} × {MessageBytes >> 10} KiB; {shed} receivers shed, RSS {node.ResidentBytes() >> 20} MiB");
        // Both counts reach the output in the once-a-second metric lines, not necessarily in the same one.
        await Eventually.TrueAsync(() => node.MetricTotal("ConnectionsShed") >= 1, "the slowest receivers were closed", TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => node.MetricTotal("ConnectionsRefused") >= 1, "the refused upgrade was counted", TimeSpan.FromSeconds(10));

        // The receiver that kept up was never closed, and has every message.
        var received = await fast.CollectAsync("message", publishedToFast, TimeSpan.FromSeconds(30));
        Assert.Equal(publishedToFast, received.Count);
        Assert.Null(fast.CloseStatus);
        Assert.False(node.HasExited);
        foreach (var reader in slow)
        {
            await reader.DisposeAsync();
        }
    }

    /// <summary>Tries upgrades one after another until one is refused (true) or it is told to stop (false).</summary>
    private static async Task<bool> ProbeUntilRefusedAsync(NodeProcess node, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (await UpgradeAttempt.StatusAsync(node.WebSocket, TimeSpan.FromSeconds(10)) == HttpStatusCode.ServiceUnavailable)
            {
                return true;
            }

            await Task.Delay(10, CancellationToken.None);
        }

        return false;
    }

    private static async Task PublishAsync(TestClient publisher, NodeProcess node, string channel, string payload)
    {
        var reply = await publisher.PublishAsync(channel, payload);
        Assert.True(reply.Type == "published", $"{reply.Text[..Math.Min(300, reply.Text.Length)]} (node exited: {node.HasExited}; {string.Join('\n', node.Output.TakeLast(5))})");
    }
}

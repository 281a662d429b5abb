using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Realtime.AspNetCore;
using Realtime.AspNetCore.Connections;
using Realtime.AspNetCore.Diagnostics;
using Realtime.AspNetCore.Overload;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Overload;

/// <summary>Alone: these tests read the process's heap, which tests running beside them would move.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapCollection
{
    public const string Name = "heap";
}

/// <summary>
/// The memory guard's reading between two of its full collections: frames queued since the last one
/// are live, so they put the node under pressure without waiting for the next (which may be a second
/// away while a publisher fills receivers that do not read at hundreds of MB/s).
/// </summary>
[Collection(HeapCollection.Name)]
public sealed class MemoryGuardTests
{
    private const int MessageBytes = 60 * 1024;

    [Fact]
    public async Task Frames_queued_since_the_last_collection_put_the_node_under_pressure_before_the_next_one()
    {
        await using var node = await TestNode.StartAsync(redis: null, new()
        {
            ["Realtime:PublishRatePerSecond"] = "100000",
            ["Realtime:PublishBurst"] = "100000",
            ["Realtime:SendQueueCapacity"] = "1000000",
            ["Realtime:Namespaces:big:HistoryLength"] = "1",
        });
        await using var slow = await TestClient.ConnectAsync(node.WebSocket, read: false);
        await slow.SendAsync("""{"type":"subscribe","channel":"big:slow"}""");
        await using var publisher = await TestClient.ConnectAsync(node.WebSocket);
        var connections = node.Services.GetRequiredService<ConnectionManager>();

        // A guard of its own, on a clock that stands still (so it may collect only once), whose high
        // mark (70 % of the limit) lies 30 MB above the heap as it is now.
        var time = new FakeTimeProvider();
        var live = GC.GetTotalMemory(forceFullCollection: true);
        var limit = (live + (30L << 20)) / 70 * 100;
        var guard = new MemoryGuard(connections, node.Metrics, node.Services.GetRequiredService<IOptions<RealtimeOptions>>(),
            new ProcessLimits(OpenFiles: null, MemoryBytes: limit), time, NullLogger<MemoryGuard>.Instance);

        // Garbage past the mark: the guard collects, finds the heap under the mark, and may not collect again.
        GC.KeepAlive(new byte[64 << 20]);
        guard.Check();
        Assert.False(guard.UnderPressure);

        // 60 MB queued for a receiver that does not read: past the mark, with no collection to show it.
        var payload = $"\"{new string('x', MessageBytes)}\"";
        while (connections.All.Sum(c => c.QueuedBytes) < 60L << 20)
        {
            Assert.Equal("published", (await publisher.PublishAsync("big:slow", payload)).Type);
        }

        guard.Check();

        Assert.True(guard.UnderPressure, "frames queued since the last collection count as live");
        slow.StartReading(); // what the socket held comes first, then the close
        Assert.Equal((System.Net.WebSockets.WebSocketCloseStatus)1013, await slow.WaitClosedAsync());
        Assert.Null(publisher.CloseStatus);
    }
}

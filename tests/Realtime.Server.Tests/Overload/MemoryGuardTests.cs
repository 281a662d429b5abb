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

/// <summary>
/// The memory guard's collections back off while the heap stays under its mark. Frames queued since
/// the last one bring the next back to the shortest spacing: a publisher filling receivers that do not
/// read at hundreds of MB/s must not outrun a backed-off second.
/// </summary>
[Collection(HeapCollection.Name)]
public sealed class MemoryGuardTests
{
    private const int MessageBytes = 60 * 1024;

    [Fact]
    public async Task Frames_queued_since_the_last_collection_bring_the_next_one_forward()
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

        // A guard of its own, on a clock that moves only when the test says, whose high mark (70 % of
        // the limit) lies 30 MB above the heap as it is now.
        var time = new FakeTimeProvider();
        var live = GC.GetTotalMemory(forceFullCollection: true);
        var limit = (live + (30L << 20)) / 70 * 100;
        var guard = new MemoryGuard(connections, node.Metrics, node.Services.GetRequiredService<IOptions<RealtimeOptions>>(),
            new ProcessLimits(OpenFiles: null, MemoryBytes: limit), time, NullLogger<MemoryGuard>.Instance);

        // Garbage past the mark: the guard collects, finds the heap under the mark, and backs off to
        // 400 ms before the next. (A collection of the runtime's own may take the garbage first.)
        for (var tries = 0; guard.Collections == 0 && tries < 10; tries++)
        {
            GC.KeepAlive(new byte[64 << 20]);
            guard.Check();
        }

        Assert.Equal(1, guard.Collections);
        Assert.False(guard.UnderPressure);

        // 60 MB queued for a receiver that does not read: past the mark, which no collection has seen yet.
        var payload = $"\"{new string('x', MessageBytes)}\"";
        while (connections.QueuedBytes() < 60L << 20)
        {
            Assert.Equal("published", (await publisher.PublishAsync("big:slow", payload)).Type);
        }

        time.Advance(TimeSpan.FromMilliseconds(200));
        guard.Check();

        Assert.Equal(2, guard.Collections);
        Assert.True(guard.UnderPressure, "the queued frames brought a collection forward, and it found them");
        slow.StartReading(); // what the socket held comes first, then the close
        Assert.Equal((System.Net.WebSockets.WebSocketCloseStatus)1013, await slow.WaitClosedAsync());
        Assert.Null(publisher.CloseStatus);
    }
}

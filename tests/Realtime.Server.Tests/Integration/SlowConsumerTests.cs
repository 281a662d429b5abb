using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Realtime.AspNetCore.Channels;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>A receiver that stops reading is closed with 1013; the others keep getting every message, on time.</summary>
public sealed class SlowConsumerTests
{
    [Fact]
    public async Task Slow_receiver_is_closed_with_1013_while_a_fast_one_gets_everything()
    {
        await using var node = await TestNode.StartAsync(redis: null, new()
        {
            ["Realtime:SendQueueCapacity"] = "64",
            ["Realtime:PublishRatePerSecond"] = "100000",
            ["Realtime:PublishBurst"] = "100000",
            ["Realtime:MaxMessageBytes"] = "65536",
        });
        const string channel = "feed:slow";
        const int count = 1500;
        var registry = node.Services.GetRequiredService<ChannelRegistry>();

        await using var fast = await TestClient.ConnectAsync(node.WebSocket);
        await fast.SubscribeAsync(channel);
        await using var slow = await TestClient.ConnectAsync(node.WebSocket, read: false);
        await slow.SendAsync($$"""{"type":"subscribe","channel":"{{channel}}"}""");
        await Eventually.TrueAsync(() => registry.SubscriberCount(channel) == 2, "the slow client is subscribed");

        // 1,500 × 32 KiB = 48 MiB: far more than the loopback socket buffers hold for a client that does not read.
        await using var publisher = await TestClient.ConnectAsync(node.WebSocket);
        var payload = $"\"{new string('x', 32 * 1024)}\"";
        var sentAt = new DateTime[count];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            sentAt[i] = DateTime.UtcNow;
            Assert.Equal("published", (await publisher.PublishAsync(channel, payload)).Type);
        }

        var received = await fast.CollectAsync("message", count, TimeSpan.FromSeconds(60));
        var latencies = received.Select((m, i) => (m.At - sentAt[i]).TotalMilliseconds).Order().ToList();
        var p99 = latencies[(int)(latencies.Count * 0.99)];

        await Eventually.TrueAsync(() => node.Metrics.SlowClosedTotal == 1, "the slow receiver is closed");
        slow.StartReading();
        Assert.Equal((WebSocketCloseStatus)1013, await slow.WaitClosedAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal("receiver too slow", slow.CloseDescription);
        Assert.True(node.Metrics.DroppedTotal > 0);
        // Generous bound for a shared 2-core machine; a receiver blocked behind the slow one would wait forever.
        Assert.True(p99 < 2000, $"fast receiver p99 {p99:F0} ms over {clock.Elapsed.TotalSeconds:F1} s");
    }
}

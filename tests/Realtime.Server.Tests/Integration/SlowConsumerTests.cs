using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Realtime.AspNetCore.Channels;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>
/// A receiver that stops reading is closed with 1013; the others keep getting every message. What is
/// asserted is the server's decision (its metric and its log line); the close code only as the
/// buffers let it through, and no latency: speed is the benchmark's to measure.
/// </summary>
public sealed class SlowConsumerTests
{
    [Fact]
    public async Task Slow_receiver_is_closed_with_1013_while_a_fast_one_gets_everything()
    {
        var logs = new LogCapture();
        await using var node = await TestNode.StartAsync(redis: null, logs: logs, settings: new()
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
        for (var i = 0; i < count; i++)
        {
            Assert.Equal("published", (await publisher.PublishAsync(channel, payload)).Type);
        }

        // The fast receiver is not held back by the slow one: it gets every message.
        var received = await fast.CollectAsync("message", count, TimeSpan.FromSeconds(60));
        Assert.Equal(count, received.Count);

        await Eventually.TrueAsync(() => node.Metrics.SlowClosedTotal == 1, "the slow receiver is closed, and counted");
        Assert.Contains(logs.AtLeast(Microsoft.Extensions.Logging.LogLevel.Warning), l => l.Contains("closed with 1013", StringComparison.Ordinal));
        Assert.True(node.Metrics.DroppedTotal > 0);
        // The close frame waits behind what the socket buffers hold; if the peer does not drain them
        // within the close timeout, the server cuts the connection instead. Either way it ends.
        slow.StartReading();
        if (await slow.WaitClosedAsync(TimeSpan.FromSeconds(30)) is { } status)
        {
            Assert.Equal((WebSocketCloseStatus)1013, status);
            Assert.Equal("receiver too slow", slow.CloseDescription);
        }
    }
}

using System.Net;
using System.Net.WebSockets;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>SIGTERM's shutdown: readiness flips at once, upgrades are refused, clients are told to reconnect, spread over the window.</summary>
public sealed class DrainTests
{
    [Fact]
    public async Task Stop_sends_reconnect_and_1012_spread_over_the_drain_window()
    {
        const int clients = 12;
        await using var node = await TestNode.StartAsync(redis: null, new()
        {
            ["Realtime:DrainSeconds"] = "3",
            ["Realtime:PublishRatePerSecond"] = "100000",
            ["Realtime:PublishBurst"] = "100000",
        });
        var connected = new List<TestClient>();
        for (var i = 0; i < clients; i++)
        {
            var client = await TestClient.ConnectAsync(node.WebSocket);
            await client.SubscribeAsync("news:drain");
            connected.Add(client);
        }

        // Published before the drain: must reach every client before its reconnect frame.
        await using (var publisher = await TestClient.ConnectAsync(node.WebSocket))
        {
            for (var i = 0; i < 20; i++)
            {
                await publisher.PublishAsync("news:drain", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var started = DateTime.UtcNow;
        var stopping = node.StopAsync();

        using var http = new HttpClient { BaseAddress = node.Http };
        await Eventually.TrueAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, "/readyz answers 503");
        var unready = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await TestClient.RefusedStatusAsync(node.WebSocket));

        var closedAt = new List<DateTime>();
        foreach (var client in connected)
        {
            Assert.Equal((WebSocketCloseStatus)1012, await client.WaitClosedAsync(TimeSpan.FromSeconds(10)));
            var messages = await client.CollectAsync("message", 20);
            var reconnect = await client.NextOfTypeAsync("reconnect");
            Assert.True(messages[^1].At <= reconnect.At);
            closedAt.Add(reconnect.At);
        }

        await stopping;
        closedAt.Sort();
        // Client i is told at i/n of the 3 s window, never before: a slow machine can only make them
        // later (and the drain then catches up), so the floor is what holds on any machine. Told all at
        // once, the last would come almost 3 s early. (n may count the publisher if its close was still
        // under way: the floor takes one more.)
        var told = string.Join(", ", closedAt.Select(t => (t - started).TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)));
        for (var i = 0; i < clients; i++)
        {
            var notBefore = started + TimeSpan.FromSeconds(3.0 * i / (clients + 1)) - TimeSpan.FromMilliseconds(50);
            Assert.True(closedAt[i] >= notBefore, $"client {i} told to leave {(notBefore - closedAt[i]).TotalMilliseconds:F0} ms before its turn: not spread ({told} ms)");
        }

        // And it starts at once: the first is told, and readiness has flipped, in the first half of the
        // window (not at its end, all together), with half a window to spare for a slow machine.
        Assert.True(closedAt[0] < started + TimeSpan.FromSeconds(1.5), $"the first client was told only {(closedAt[0] - started).TotalMilliseconds:F0} ms after the stop ({told} ms)");
        Assert.True(unready < closedAt[clients / 2], $"readiness flipped only after half the clients were told ({told} ms; 503 at {(unready - started).TotalMilliseconds:F0} ms)");
        foreach (var client in connected)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Clients_that_keep_talking_through_the_drain_are_told_to_reconnect_and_closed_with_1012()
    {
        const int clients = 20;
        await using var node = await TestNode.StartAsync(redis: null, new()
        {
            ["Realtime:DrainSeconds"] = "2",
            ["Realtime:PublishRatePerSecond"] = "100000",
            ["Realtime:PublishBurst"] = "100000",
        });
        var connected = new List<TestClient>();
        for (var i = 0; i < clients; i++)
        {
            var client = await TestClient.ConnectAsync(node.WebSocket);
            await client.SubscribeAsync("chat:drain");
            connected.Add(client);
        }

        // Every client sends something every 20 ms until its connection ends: pings, subscribes and
        // unsubscribes, and publishes large enough to arrive in several reads.
        var large = new string('x', 20_000);
        using var stop = new CancellationTokenSource();
        var chatter = connected.Select((client, i) => Task.Run(async () =>
        {
            for (var n = 0; !client.Closed.IsCompleted && !stop.IsCancellationRequested; n++)
            {
                try
                {
                    await client.SendAsync((n % 4) switch
                    {
                        0 => $$"""{"type":"publish","channel":"chat:drain","data":"{{large}}"}""",
                        1 => $$"""{"type":"subscribe","channel":"chat:drain-{{i}}"}""",
                        2 => $$"""{"type":"unsubscribe","channel":"chat:drain-{{i}}"}""",
                        _ => """{"type":"ping"}""",
                    });
                }
                catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or ObjectDisposedException or InvalidOperationException)
                {
                    return; // closed while sending
                }

                await Task.Delay(20);
            }
        })).ToList();
        await Task.Delay(300);

        await node.StopAsync();

        foreach (var client in connected)
        {
            Assert.Equal((WebSocketCloseStatus)1012, await client.WaitClosedAsync(TimeSpan.FromSeconds(10)));
            await client.NextOfTypeAsync("reconnect", TimeSpan.Zero);
        }

        await stop.CancelAsync();
        await Task.WhenAll(chatter);
        foreach (var client in connected)
        {
            await client.DisposeAsync();
        }
    }
}

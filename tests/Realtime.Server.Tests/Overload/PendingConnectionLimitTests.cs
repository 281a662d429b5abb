using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Overload;

/// <summary>
/// Kestrel's connection limit holds only connections that are not WebSockets (yet): sockets past it
/// are closed as soon as they are accepted and counted, while a WebSocket leaves the count once upgraded.
/// </summary>
public sealed class PendingConnectionLimitTests
{
    private const int Pending = 10;

    private static Dictionary<string, string?> Settings => new() { ["Realtime:Overload:MaxPendingConnections"] = $"{Pending}" };

    [Fact]
    public async Task WebSockets_do_not_count_against_the_pending_limit()
    {
        await using var node = await TestNode.StartAsync(redis: null, Settings);
        var clients = new List<TestClient>();
        try
        {
            // Three times the pending limit, one after another: each upgrade gives its slot back.
            for (var i = 0; i < 3 * Pending; i++)
            {
                var client = await TestClient.ConnectAsync(node.WebSocket);
                Assert.Equal("subscribed", (await client.SubscribeAsync("feed:pending")).Type);
                clients.Add(client);
            }

            Assert.Equal(0, node.Metrics.RefusedTotal);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Silent_connections_past_the_pending_limit_are_closed_at_accept_and_counted_not_logged()
    {
        var logs = new LogCapture();
        await using var node = await TestNode.StartAsync(redis: null, Settings, logs: logs);
        await using var resident = await TestClient.ConnectAsync(node.WebSocket);
        Assert.Equal("subscribed", (await resident.SubscribeAsync("feed:pending")).Type);

        var silent = new List<Socket>();
        try
        {
            for (var i = 0; i < 3 * Pending; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(node.Http.Host, node.Http.Port);
                silent.Add(socket);
            }

            // Kestrel keeps the first ones until its header timeout (30 s); the rest end at once.
            var closed = await Task.WhenAll(silent.Select(s => ClosedByServerAsync(s, TimeSpan.FromSeconds(5))));
            Assert.Equal(2 * Pending, closed.Count(c => c));
            await Eventually.TrueAsync(() => node.Metrics.RefusedTotal == 2 * Pending, "the sockets closed at accept are counted as refused");
            // Counted, not logged one by one: a flood must not turn into a flood of log lines.
            Assert.DoesNotContain(logs.AtLeast(LogLevel.Warning), l => l.Contains("rejected", StringComparison.Ordinal));

            // The WebSocket it had is served throughout.
            Assert.Equal("published", (await resident.PublishAsync("feed:pending", "1")).Type);
            Assert.Equal(1, (await resident.NextOfTypeAsync("message")).Json.GetProperty("data").GetInt32());
        }
        finally
        {
            foreach (var socket in silent)
            {
                socket.Dispose();
            }
        }

        // With the silent sockets gone, a newcomer gets in.
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await using var newcomer = await TestClient.ConnectAsync(node.WebSocket);
                return true;
            }
            catch (System.Net.WebSockets.WebSocketException)
            {
                return false;
            }
        }, "a new client connects once the silent sockets are gone");
    }

    /// <summary>Whether the server ends the connection within <paramref name="wait"/> (a read returns 0 or fails).</summary>
    private static async Task<bool> ClosedByServerAsync(Socket socket, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            return await socket.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}

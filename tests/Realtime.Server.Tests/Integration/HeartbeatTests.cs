using System.Net.WebSockets;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

public sealed class HeartbeatTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(redis: null, new()
    {
        ["Realtime:HeartbeatSeconds"] = "1",
        ["Realtime:ClientTimeoutSeconds"] = "3", // an answering client stays 2 s clear of it, even on a loaded machine
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Server_pings_every_heartbeat()
    {
        // What is promised is a ping every heartbeat (1 s here), not when each arrives: on a loaded
        // machine (other test classes run beside this one) a tick can come seconds late. So: pings
        // keep coming, one after another, and never in a flood.
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        await client.NextOfTypeAsync("ping", TimeSpan.FromSeconds(10));
        await client.CollectAsync("ping", 2, TimeSpan.FromSeconds(10));
        var window = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var seconds = (int)Math.Ceiling(window.Elapsed.TotalSeconds);
        Assert.InRange(client.Snapshot().Count(f => f.Type == "ping"), 0, seconds + 2);
    }

    [Fact]
    public async Task Silent_client_is_closed_after_the_timeout_and_an_answering_one_is_not()
    {
        await using var silent = await TestClient.ConnectAsync(_node.WebSocket);
        await using var answering = await TestClient.ConnectAsync(_node.WebSocket);
        using var stop = new CancellationTokenSource();
        var answers = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await answering.NextOfTypeAsync("ping", TimeSpan.FromSeconds(5));
                if (!stop.IsCancellationRequested)
                {
                    await answering.SendAsync("""{"type":"pong"}""");
                }
            }
        });

        Assert.Equal(WebSocketCloseStatus.NormalClosure, await silent.WaitClosedAsync(TimeSpan.FromSeconds(8)));
        Assert.Equal("client timeout", silent.CloseDescription);
        Assert.Equal("pong", (await answering.RequestAsync("ping")).Type);
        Assert.Null(answering.CloseStatus);
        stop.Cancel();
        await answers.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

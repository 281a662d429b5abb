using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Connections;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Hosting;

/// <summary>
/// On shutdown (SIGTERM), before the server stops: readiness turns 503 and upgrades are refused at
/// once; then each open connection gets <c>{"type":"reconnect"}</c> and close 1012, spread evenly
/// over <c>DrainSeconds</c> so the clients do not stampede the remaining nodes. Runs in
/// <see cref="IHostedLifecycleService.StoppingAsync"/>, while Kestrel still answers health checks.
/// </summary>
public sealed class DrainService(
    DrainState state,
    ConnectionManager connections,
    IOptions<RealtimeOptions> options,
    TimeProvider time,
    ILogger<DrainService> logger) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        state.Begin();
        var open = connections.All.ToList();
        var window = TimeSpan.FromSeconds(options.Value.DrainSeconds);
        HostingLog.DrainStarted(logger, open.Count, window.TotalSeconds);

        var start = time.GetTimestamp();
        for (var i = 0; i < open.Count; i++)
        {
            // Connection i leaves at i/n of the window: evenly spread, the first at once.
            var due = window * i / open.Count;
            var wait = due - time.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break; // out of time: the rest are closed together below
                }
            }

            Send(open[i]);
        }

        foreach (var connection in open)
        {
            Send(connection);
        }

        // Give the last ones a moment to answer the close before the server stops.
        var deadline = time.GetTimestamp();
        while (connections.Count > 0 && time.GetElapsedTime(deadline) < TimeSpan.FromSeconds(5) && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }

        HostingLog.DrainFinished(logger, connections.Count);
    }

    private static void Send(RealtimeConnection connection)
    {
        if (!connection.IsClosing)
        {
            connection.TrySend(ServerFrames.Reconnect);
            connection.Close(CloseCodes.ServiceRestart, "service restart", discardQueue: false);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

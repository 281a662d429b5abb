using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Connections;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// The node's drain, run once whichever trigger comes first (ECS metadata, the drain endpoint,
/// SIGTERM): readiness turns 503 and upgrades are refused at once; then each open connection gets
/// <c>{"type":"reconnect"}</c> and close 1012, spread evenly over <c>DrainSeconds</c> so the clients
/// do not stampede the remaining nodes. A later trigger joins the drain already running.
/// </summary>
public sealed class NodeDrain(
    DrainState state,
    ConnectionManager connections,
    IOptions<RealtimeOptions> options,
    TimeProvider time,
    ILogger<NodeDrain> logger)
{
    private readonly TaskCompletionSource _hurry = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private Task? _running;

    /// <summary>What started the drain (for logs and the endpoint's answer); null before.</summary>
    public string? Trigger { get; private set; }

    /// <summary>Starts the drain unless it runs already; returns it either way.</summary>
    public Task BeginAsync(string trigger)
    {
        lock (_gate)
        {
            if (_running is null)
            {
                Trigger = trigger;
                state.Begin();
                _running = Task.Run(RunAsync);
            }

            return _running;
        }
    }

    /// <summary>Out of time (the host is stopping): the connections not yet told are told at once.</summary>
    public void Hurry() => _hurry.TrySetResult();

    private async Task RunAsync()
    {
        var open = connections.All.ToList();
        var window = TimeSpan.FromSeconds(options.Value.DrainSeconds);
        DrainLog.DrainStarted(logger, Trigger!, open.Count, window.TotalSeconds);

        var start = time.GetTimestamp();
        for (var i = 0; i < open.Count; i++)
        {
            // Connection i leaves at i/n of the window: evenly spread, the first at once.
            var wait = window * i / open.Count - time.GetElapsedTime(start);
            if (wait > TimeSpan.Zero && await Task.WhenAny(Task.Delay(wait, time), _hurry.Task).ConfigureAwait(false) == _hurry.Task)
            {
                break; // out of time: the rest are closed together below
            }

            open[i].AskToReconnect("service restart");
        }

        // Everyone, including any connection the list missed while it was taken.
        foreach (var connection in connections.All)
        {
            connection.AskToReconnect("service restart");
        }

        // Give the last ones a moment to answer the close.
        var closing = time.GetTimestamp();
        while (connections.Count > 0 && time.GetElapsedTime(closing) < TimeSpan.FromSeconds(5) && !_hurry.Task.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time).ConfigureAwait(false);
        }

        DrainLog.DrainFinished(logger, connections.Count);
    }

}

internal static partial class DrainLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Draining {Connections} connections over {Seconds} s (started by {Trigger})")]
    public static partial void DrainStarted(ILogger logger, string trigger, int connections, double seconds);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Drain finished; {Remaining} connections still open")]
    public static partial void DrainFinished(ILogger logger, int remaining);
}

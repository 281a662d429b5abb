using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Connections;
using Realtime.AspNetCore.Diagnostics;
using Realtime.AspNetCore.Features;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// Every <c>IntervalSeconds</c> the node reports its connection count to the fleet and reads the
/// others'. When it holds more than its share (<see cref="RebalancePlan"/>) it asks the excess to
/// reconnect, as a drain does (<c>reconnect</c>, then 1012), spread over <c>WindowSeconds</c> and at
/// most <c>MaxPerSecond</c>; clients resume by offset wherever they land, so nothing is lost. Never
/// while draining (a draining node leaves the fleet's count), never below the average.
/// </summary>
public sealed class Rebalancer(
    IFleetLoad fleet,
    ConnectionManager connections,
    DrainState drain,
    NodeIdentity node,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    TimeProvider time,
    ILogger<Rebalancer> logger) : BackgroundService
{
    private readonly RebalanceOptions _settings = options.Value.Rebalance;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_settings.Enabled)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(_settings.IntervalSeconds);
        using var timer = new PeriodicTimer(interval, time);
        var joinsAt = time.GetTimestamp() + (long)(_settings.WarmUpSeconds * time.TimestampFrequency);
        var settledAt = 0L;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (drain.IsDraining)
                {
                    await fleet.LeaveAsync(node.Id, stoppingToken).ConfigureAwait(false);
                    return;
                }

                if (time.GetTimestamp() < joinsAt)
                {
                    continue;
                }

                // A node that stops reporting (it died) stops counting after three intervals, or a
                // round's window and those: a node shedding reports again only after its round.
                var loads = await fleet.ReportAsync(node.Id, connections.Count, (interval * 3) + TimeSpan.FromSeconds(_settings.WindowSeconds), stoppingToken).ConfigureAwait(false);
                if (time.GetTimestamp() < settledAt)
                {
                    continue;
                }

                var excess = RebalancePlan.Excess(node.Id, loads, _settings.MarginPercent, _settings.MinConnections);
                if (excess > 0)
                {
                    var average = loads.Sum(l => (double)l.Connections) / loads.Count;
                    await ShedAsync(excess, (int)Math.Ceiling(average), loads.Count, stoppingToken).ConfigureAwait(false);

                    // The clients just asked are still on their way, and the others' counts are up to an
                    // interval old: decide again only once every node has reported after they landed.
                    settledAt = time.GetTimestamp() + (long)(2 * interval.TotalSeconds * time.TimestampFrequency);
                }
            }
            catch (Exception e) when (e is BackplaneUnavailableException or BackplaneOutcomeUnknownException)
            {
                // The backplane is down: nobody can compare counts; the next interval tries again.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Never the node's end (a background service that throws stops the host): log, go on.
                RebalanceLog.Failed(logger, e);
            }
        }
    }

    /// <summary>Asks <paramref name="excess"/> connections to reconnect, evenly over the window, stopping at the average or a drain.</summary>
    private async Task ShedAsync(int excess, int average, int nodes, CancellationToken stoppingToken)
    {
        var window = TimeSpan.FromSeconds(_settings.WindowSeconds);
        var spacing = TimeSpan.FromTicks(Math.Max(window.Ticks / excess, TimeSpan.TicksPerSecond / _settings.MaxPerSecond));
        RebalanceLog.Shedding(logger, connections.Count, average, nodes, excess, (spacing * excess).TotalSeconds);
        var asked = 0;
        foreach (var connection in connections.All.ToList())
        {
            if (asked == excess || drain.IsDraining || connections.Count <= average)
            {
                break;
            }

            if (connection.AskToReconnect("rebalance"))
            {
                asked++;
                metrics.Rebalanced();
                await Task.Delay(spacing, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }
}

internal static partial class RebalanceLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Rebalancing: {Connections} connections here, {Average} the average of {Nodes} nodes; asking {Excess} to reconnect over {Seconds} s")]
    public static partial void Shedding(ILogger logger, int connections, int average, int nodes, int excess, double seconds);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Rebalancing failed this interval; trying again at the next")]
    public static partial void Failed(ILogger logger, Exception exception);
}

using System.Diagnostics.Metrics;

namespace Realtime.AspNetCore.Diagnostics;

/// <summary>
/// The server's instruments on one <see cref="Meter"/> (exported by OTLP when configured), plus
/// running totals that the CloudWatch EMF writer and the tests read.
/// </summary>
public sealed class RealtimeMetrics : IDisposable
{
    public const string MeterName = "Realtime.Server";

    private readonly Meter _meter;
    private readonly Counter<long> _published;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _slowClosed;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _recovered;
    private readonly Counter<long> _gaps;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _shed;
    private readonly Counter<long> _rebalanced;
    private readonly Counter<long> _hookFailures;
    private readonly Counter<long> _eventsLost;
    private readonly Histogram<double> _lag;
    private long _connections;
    private long _publishedTotal;
    private long _deliveredTotal;
    private long _droppedTotal;
    private long _slowClosedTotal;
    private long _reconnectsTotal;
    private long _recoveredTotal;
    private long _gapsTotal;
    private long _refusedTotal;
    private long _shedTotal;
    private long _rebalancedTotal;
    private long _hookFailuresTotal;

    public RealtimeMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableUpDownCounter("realtime.connections", () => Connections, "{connection}", "Open WebSocket connections on this node");
        _published = _meter.CreateCounter<long>("realtime.messages.published", "{message}", "Messages published through this node");
        _delivered = _meter.CreateCounter<long>("realtime.messages.delivered", "{message}", "Messages queued to local receivers");
        _dropped = _meter.CreateCounter<long>("realtime.messages.dropped", "{message}", "Messages not queued to a local receiver: its queue was full, or it was closing");
        _slowClosed = _meter.CreateCounter<long>("realtime.connections.slow_closed", "{connection}", "Receivers closed with 1013 for falling behind");
        _reconnects = _meter.CreateCounter<long>("realtime.backplane.reconnects", "{reconnect}", "Backplane subscription connections restored");
        _recovered = _meter.CreateCounter<long>("realtime.messages.recovered", "{message}", "Messages that did not arrive live (a hole in the sequence, a dropped link) and were read from history instead");
        _gaps = _meter.CreateCounter<long>("realtime.channels.gaps", "{gap}", "Holes in a channel that the history could no longer fill: the channel's subscribers were told with a gap frame");
        _refused = _meter.CreateCounter<long>("realtime.connections.refused", "{connection}", "Connections refused for lack of room (reason: limit, pending_auth, memory, accept)");
        _rebalanced = _meter.CreateCounter<long>("realtime.connections.rebalanced", "{connection}", "Connections asked to reconnect elsewhere because this node held more than its share");
        _shed = _meter.CreateCounter<long>("realtime.connections.shed", "{connection}", "Slow receivers closed with 1013 to free memory under pressure");
        _hookFailures = _meter.CreateCounter<long>("realtime.hooks.failed", "{call}", "Calls of the app's hooks or proxy that failed or ran out of time (kind, reason: timeout, failure); their requests were refused, nothing was written");
        _eventsLost = _meter.CreateCounter<long>("realtime.hooks.events.lost", "{event}", "Stored events the app was not told of (reason: queue_full, gave_up, shutdown)");
        _lag = _meter.CreateHistogram<double>("realtime.delivery.lag", "ms", "From the backplane accepting a message to queuing it for local receivers");
    }

    public long Connections => Interlocked.Read(ref _connections);
    public long PublishedTotal => Interlocked.Read(ref _publishedTotal);
    public long DeliveredTotal => Interlocked.Read(ref _deliveredTotal);
    public long DroppedTotal => Interlocked.Read(ref _droppedTotal);
    public long SlowClosedTotal => Interlocked.Read(ref _slowClosedTotal);
    public long BackplaneReconnectsTotal => Interlocked.Read(ref _reconnectsTotal);
    public long RecoveredTotal => Interlocked.Read(ref _recoveredTotal);
    public long GapsTotal => Interlocked.Read(ref _gapsTotal);
    public long RefusedTotal => Interlocked.Read(ref _refusedTotal);
    public long ShedTotal => Interlocked.Read(ref _shedTotal);
    public long RebalancedTotal => Interlocked.Read(ref _rebalancedTotal);
    public long HookFailuresTotal => Interlocked.Read(ref _hookFailuresTotal);

    /// <summary>Delivery lags since the EMF writer last took them.</summary>
    public LagSamples Lag { get; } = new();

    public void ConnectionOpened() => Interlocked.Increment(ref _connections);

    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);

    public void Published()
    {
        Interlocked.Increment(ref _publishedTotal);
        _published.Add(1);
    }

    public void Delivered(int receivers, double lagMs)
    {
        Interlocked.Add(ref _deliveredTotal, receivers);
        _delivered.Add(receivers);
        _lag.Record(lagMs);
        Lag.Add(lagMs);
    }

    public void Dropped()
    {
        Interlocked.Increment(ref _droppedTotal);
        _dropped.Add(1);
    }

    public void SlowConsumerClosed()
    {
        Interlocked.Increment(ref _slowClosedTotal);
        _slowClosed.Add(1);
    }

    public void BackplaneReconnected()
    {
        Interlocked.Increment(ref _reconnectsTotal);
        _reconnects.Add(1);
    }

    public void Recovered(int messages)
    {
        Interlocked.Add(ref _recoveredTotal, messages);
        _recovered.Add(messages);
    }

    public void GapAnnounced()
    {
        Interlocked.Increment(ref _gapsTotal);
        _gaps.Add(1);
    }

    /// <summary>A connection turned away for lack of room; <paramref name="reason"/> is one of <see cref="RefusalReason"/>'s.</summary>
    public void Refused(string reason, long count = 1)
    {
        Interlocked.Add(ref _refusedTotal, count);
        _refused.Add(count, new KeyValuePair<string, object?>("reason", reason));
    }

    public void Shed()
    {
        Interlocked.Increment(ref _shedTotal);
        _shed.Add(1);
    }

    public void Rebalanced()
    {
        Interlocked.Increment(ref _rebalancedTotal);
        _rebalanced.Add(1);
    }

    /// <summary>A hook or proxy call failed (<paramref name="timedOut"/>: it ran out of time); its request was refused.</summary>
    public void HookFailed(string kind, bool timedOut)
    {
        Interlocked.Increment(ref _hookFailuresTotal);
        _hookFailures.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("reason", timedOut ? "timeout" : "failure"));
    }

    public void EventLost(string reason) => _eventsLost.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => _meter.Dispose();
}

using Microsoft.Extensions.Options;
using Realtime.Server.Connections;
using Realtime.Server.Hosting;
using Realtime.Server.Protocol;

namespace Realtime.Server.Overload;

/// <summary>
/// Watches the managed heap against the memory limit. Past <c>Overload:MemoryHighPercent</c> the
/// node is under pressure: new upgrades are refused (503), and the receivers that hold the most
/// queued bytes are closed with 1013 (they resume by offset, elsewhere or later) until enough is
/// set free. Under <c>Overload:MemoryLowPercent</c> it accepts again. The gap between the two keeps
/// the node from flapping; a full collection confirms each reading above the mark, so garbage not
/// yet collected never closes anyone.
/// </summary>
public sealed class MemoryGuard(
    ConnectionManager connections,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    ProcessLimits limits,
    TimeProvider time,
    ILogger<MemoryGuard> logger) : BackgroundService
{
    /// <summary>How often the heap is read: a counter read, cheap enough to do often.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Less than this queued is a receiver keeping up (a frame or two in flight), not a slow one;
    /// closing it would free nothing worth its reconnect.
    /// </summary>
    public const long SlowBacklogBytes = 64 * 1024;

    /// <summary>
    /// Full collections to confirm a reading come at most this often: only while the heap reads
    /// above a mark, and near its limit the runtime collects as often by itself. A heap filling at
    /// 50 MB/s (measured in MemoryPressureTests) must not outrun it.
    /// </summary>
    private static readonly TimeSpan CollectionSpacing = TimeSpan.FromMilliseconds(200);

    private readonly long _high = limits.MemoryBytes / 100 * options.Value.Overload.MemoryHighPercent;
    private readonly long _low = limits.MemoryBytes / 100 * options.Value.Overload.MemoryLowPercent;
    private long _lastCollection;
    private volatile bool _underPressure;

    /// <summary>True while new upgrades must be refused for lack of memory.</summary>
    public bool UnderPressure => _underPressure;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var filesInUse = ProcessLimits.OpenFilesInUse();
        OverloadLog.Budget(logger, o.MaxConnections, o.Overload.MaxPendingConnections, o.Overload.ReservedFileDescriptors,
            limits.OpenFiles, filesInUse, limits.MemoryBytes >> 20, _high >> 20, _low >> 20);
        if (o.MaxConnectionsDerived && o.MaxConnections < ConnectionBudget.DefaultMaxConnections)
        {
            OverloadLog.MaxConnectionsLowered(logger, o.MaxConnections, limits.OpenFiles, ConnectionBudget.DefaultMaxConnections);
        }

        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            Check();
        }
    }

    /// <summary>
    /// One reading. Outside pressure, a reading above the high mark is confirmed by a full
    /// collection before anything happens (the counter includes garbage). Under pressure, every
    /// reading sheds what exceeds the low mark at once, since a heap filling fast gives no time to
    /// wait, and a collection (at most every <see cref="CollectionSpacing"/>) shows what is freed.
    /// </summary>
    internal void Check()
    {
        var heap = GC.GetTotalMemory(forceFullCollection: false);
        if (!_underPressure)
        {
            if (heap < _high || !TryCollect(ref heap) || heap < _high)
            {
                return;
            }

            _underPressure = true;
            OverloadLog.MemoryPressure(logger, heap >> 20, _high >> 20, limits.MemoryBytes >> 20);
        }
        else if (heap >= _low)
        {
            TryCollect(ref heap);
        }

        if (heap < _low)
        {
            _underPressure = false;
            OverloadLog.MemoryRecovered(logger, heap >> 20, _low >> 20);
            return;
        }

        ShedSlowReceivers(heap - _low);
    }

    /// <summary>A full blocking collection, then the heap it left; false (and no collection) if one ran too recently.</summary>
    private bool TryCollect(ref long heap)
    {
        if (time.GetElapsedTime(_lastCollection) < CollectionSpacing)
        {
            return false;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        _lastCollection = time.GetTimestamp();
        heap = GC.GetTotalMemory(forceFullCollection: false);
        return true;
    }

    /// <summary>
    /// Closes the receivers with the largest backlogs until their queued bytes cover
    /// <paramref name="excess"/>, counting those already closing (their memory is on its way out).
    /// </summary>
    private void ShedSlowReceivers(long excess)
    {
        var slow = new List<(RealtimeConnection Connection, long Queued)>();
        foreach (var connection in connections.All)
        {
            var queued = connection.QueuedBytes;
            if (connection.IsClosing)
            {
                excess -= queued;
            }
            else if (queued >= SlowBacklogBytes)
            {
                slow.Add((connection, queued));
            }
        }

        slow.Sort(static (a, b) => b.Queued.CompareTo(a.Queued));
        foreach (var (connection, queued) in slow)
        {
            if (excess <= 0)
            {
                break;
            }

            if (connection.Close(CloseCodes.TryAgainLater, "server under memory pressure", discardQueue: true))
            {
                excess -= queued;
                metrics.Shed();
                OverloadLog.Shed(logger, connection.Id, queued >> 10);
            }
        }
    }
}

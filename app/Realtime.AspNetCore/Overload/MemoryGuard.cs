using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Connections;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Overload;

/// <summary>
/// Watches the managed heap against the memory limit. Past <c>Overload:MemoryHighPercent</c> the
/// node is under pressure: new upgrades are refused (503), and the receivers that hold the most
/// queued bytes are closed with 1013 (they resume by offset, elsewhere or later). Under
/// <c>Overload:MemoryLowPercent</c> it accepts again; the gap between the two keeps it from flapping.
/// </summary>
/// <remarks>
/// The heap counter read every <see cref="Interval"/> includes garbage, so only a full collection
/// may put the node under pressure. Collections come 200 ms apart at first and twice as far apart
/// after each one that changes nothing (up to 1 s outside pressure, 5 s under it), so a heap that sits
/// between the marks costs one every few seconds, not five a second. What the send queues took since
/// the last collection, added to what it left, brings the next one back to 200 ms: a heap filling
/// faster than a backed-off second (a publisher feeding receivers that do not read) is not outrun.
/// </remarks>
public sealed class MemoryGuard(
    ConnectionManager connections,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    ProcessLimits limits,
    TimeProvider time,
    ILogger<MemoryGuard> logger) : BackgroundService, IMemoryPressure
{
    /// <summary>How often the heap counter is read: a few additions, cheap enough to do often.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Less than this queued is a receiver keeping up (a frame or two in flight), not a slow one;
    /// closing it would free nothing worth its reconnect.
    /// </summary>
    public const long SlowBacklogBytes = 64 * 1024;

    private static readonly TimeSpan FirstSpacing = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestSpacingOutside = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestSpacingUnder = TimeSpan.FromSeconds(5);

    private readonly long _high = limits.MemoryBytes / 100 * options.Value.Overload.MemoryHighPercent;
    private readonly long _low = limits.MemoryBytes / 100 * options.Value.Overload.MemoryLowPercent;
    private long _lastCollection;

    /// <summary>Full collections this guard has made (each one a blocking pause of the node).</summary>
    internal int Collections { get; private set; }

    // What the last full collection left, and how much of it was queued frames.
    private long _liveAfterCollection;
    private long _queuedAtCollection;
    private TimeSpan _spacing = FirstSpacing;
    private volatile bool _underPressure;

    /// <summary>True while new upgrades must be refused for lack of memory.</summary>
    public bool UnderPressure => _underPressure;

    /// <summary>Heap bytes past which the node comes under pressure.</summary>
    public long HighMark => _high;

    /// <summary>Heap bytes under which it leaves pressure.</summary>
    public long LowMark => _low;

    private long Mark => _underPressure ? _low : _high;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            Check();
        }
    }

    /// <summary>One reading: enters or leaves pressure, and sheds while under it.</summary>
    internal void Check()
    {
        var heap = GC.GetTotalMemory(forceFullCollection: false);
        if (heap < Mark)
        {
            _spacing = FirstSpacing;
            Leave(heap);
            return;
        }

        // What the last collection left plus what the send queues took since: past the mark, the
        // growth is likely real, and the next collection comes at the shortest spacing rather than
        // after a backed-off second. Only likely: a frame queued to many receivers is counted once
        // for each, so the collection, not this sum, decides.
        if (_liveAfterCollection + connections.QueuedBytes() - _queuedAtCollection >= Mark)
        {
            _spacing = FirstSpacing;
        }

        var collected = TryCollect(ref heap);
        if (heap < Mark)
        {
            Leave(heap);
            return;
        }

        if (!_underPressure)
        {
            if (!collected)
            {
                return; // Garbage, perhaps: the next collection tells.
            }

            _underPressure = true;
            _spacing = FirstSpacing; // See soon what shedding frees.
            OverloadLog.MemoryPressure(logger, heap >> 20, _high >> 20, limits.MemoryBytes >> 20);
        }

        // Between collections the counter overstates the heap; closing connections already counted
        // as freed keeps the next readings from closing more for the same bytes.
        ShedSlowReceivers(heap - _low);
    }

    private void Leave(long heap)
    {
        if (_underPressure)
        {
            _underPressure = false;
            _spacing = FirstSpacing;
            OverloadLog.MemoryRecovered(logger, heap >> 20, _low >> 20);
        }
    }

    /// <summary>A full blocking collection, then the heap it left; false (and no collection) if one ran too recently.</summary>
    private bool TryCollect(ref long heap)
    {
        if (time.GetElapsedTime(_lastCollection) < _spacing)
        {
            return false;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        _lastCollection = time.GetTimestamp();
        Collections++;
        var longest = _underPressure ? LongestSpacingUnder : LongestSpacingOutside;
        _spacing = _spacing * 2 < longest ? _spacing * 2 : longest;
        heap = GC.GetTotalMemory(forceFullCollection: false);
        (_liveAfterCollection, _queuedAtCollection) = (heap, connections.QueuedBytes());
        return true;
    }

    /// <summary>
    /// Closes the receivers with the largest backlogs until their queued bytes cover
    /// <paramref name="excess"/>, counting those already closing (their memory is on its way out).
    /// A heuristic: a frame queued to several receivers is freed only when the last lets go of it,
    /// so the next reading after a collection closes more if it must.
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

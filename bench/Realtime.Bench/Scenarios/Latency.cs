using System.Diagnostics;
using HdrHistogram;

namespace Realtime.Bench.Scenarios;

/// <summary>Delivery latencies (send → receive, one clock) and counts, recorded from many receive loops.</summary>
public sealed class Latency
{
    private readonly LongConcurrentHistogram _histogram = new(1, Stopwatch.Frequency * 120, 3);
    private long _count;
    private volatile bool _frozen;

    /// <summary>Only messages sent at or after this timestamp count (warm-up traffic is ignored).</summary>
    public long Since { get; set; } = long.MaxValue;

    public long Count => Interlocked.Read(ref _count);

    public void Record(long sent)
    {
        if (sent < Since || _frozen)
        {
            return;
        }

        _histogram.RecordValue(Math.Max(1, Stopwatch.GetTimestamp() - sent));
        Interlocked.Increment(ref _count);
    }

    /// <summary>Stops recording so the histogram can be read (it cannot be read while written).</summary>
    public async Task FreezeAsync()
    {
        _frozen = true;
        await Task.Delay(100).ConfigureAwait(false); // let recordings in flight finish
    }

    public double Percentile(double percentile) => _count == 0 ? double.NaN : ToMs(_histogram.GetValueAtPercentile(percentile));

    public double Max => _count == 0 ? double.NaN : ToMs(_histogram.GetMaxValue());

    private static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

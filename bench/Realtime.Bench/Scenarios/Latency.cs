using System.Diagnostics;
using HdrHistogram;

namespace Realtime.Bench.Scenarios;

/// <summary>Delivery latencies (send → receive, one clock) and counts, recorded from many receive loops.</summary>
public sealed class Latency
{
    private volatile Window _window = new(long.MaxValue);

    /// <summary>Counts only messages sent at or after <paramref name="since"/>, in a fresh histogram: warm-up traffic never counts.</summary>
    public void Restart(long since) => _window = new Window(since);

    /// <summary>Counts nothing until the next <see cref="Restart"/>.</summary>
    public void Pause() => _window = new Window(long.MaxValue);

    public long Count => _window.Count;

    public void Record(long sent) => _window.Record(sent);

    /// <summary>Stops recording so the histogram can be read (it cannot be read while written).</summary>
    public async Task FreezeAsync()
    {
        _window.Frozen = true;
        await Task.Delay(100).ConfigureAwait(false); // let recordings in flight finish
    }

    public double Percentile(double percentile) => _window.Count == 0 ? double.NaN : ToMs(_window.Histogram.GetValueAtPercentile(percentile));

    public double Max => _window.Count == 0 ? double.NaN : ToMs(_window.Histogram.GetMaxValue());

    private static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private sealed class Window(long since)
    {
        private long _count;

        public LongConcurrentHistogram Histogram { get; } = new(1, Stopwatch.Frequency * 120, 3);

        public volatile bool Frozen;

        public long Count => Interlocked.Read(ref _count);

        public void Record(long sent)
        {
            if (sent < since || Frozen)
            {
                return;
            }

            Histogram.RecordValue(Math.Max(1, Stopwatch.GetTimestamp() - sent));
            Interlocked.Increment(ref _count);
        }
    }
}

namespace Realtime.AspNetCore.Diagnostics;

/// <summary>
/// A uniform sample (reservoir) of at most <see cref="Capacity"/> delivery lags per metrics
/// interval: EMF takes up to 100 values per metric, and CloudWatch computes percentiles across
/// the values of every task. Recorded once per message per node, not per receiver.
/// </summary>
public sealed class LagSamples
{
    public const int Capacity = 100;

    private readonly Lock _lock = new();
    private readonly double[] _values = new double[Capacity];
    private long _seen;

    public void Add(double milliseconds)
    {
        lock (_lock)
        {
            var seen = _seen++;
            if (seen < Capacity)
            {
                _values[seen] = milliseconds;
            }
            else if (Random.Shared.NextInt64(seen + 1) is var slot && slot < Capacity)
            {
                _values[slot] = milliseconds;
            }
        }
    }

    /// <summary>The sample since the last call, and a fresh start.</summary>
    public double[] Take()
    {
        lock (_lock)
        {
            var sample = _values.AsSpan(0, (int)Math.Min(_seen, Capacity)).ToArray();
            _seen = 0;
            return sample;
        }
    }
}

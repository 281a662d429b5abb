using Realtime.AspNetCore.Diagnostics;

namespace Realtime.Server.Tests.Unit;

public sealed class LagSamplesTests
{
    [Fact]
    public void Keeps_every_value_up_to_capacity_then_a_sample_of_them()
    {
        var samples = new LagSamples();
        for (var i = 0; i < 50; i++)
        {
            samples.Add(i);
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(i => (double)i), samples.Take());
        Assert.Empty(samples.Take()); // each interval starts afresh

        for (var i = 0; i < 100_000; i++)
        {
            samples.Add(i);
        }

        var sample = samples.Take();
        Assert.Equal(LagSamples.Capacity, sample.Length);
        Assert.Equal(LagSamples.Capacity, sample.Distinct().Count());
        // Uniform over the interval, not its first 100 values: the median sits near the middle.
        Assert.InRange(sample.Order().ElementAt(50), 25_000, 75_000);
    }
}

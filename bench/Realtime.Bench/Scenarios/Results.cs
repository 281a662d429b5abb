namespace Realtime.Bench.Scenarios;

/// <summary>One measured step of one server kind.</summary>
public sealed record StepResult(
    string Scenario,
    string Server,
    int Connections,
    double OfferedMessagesPerSecond,
    long Expected,
    long Delivered,
    double DeliveriesPerSecond,
    double P50,
    double P90,
    double P99,
    double P999,
    double Max,
    double ServerCpuPercent,
    /// <summary>All Redis processes together (each one's share in <see cref="RedisCpuPercents"/>).</summary>
    double RedisCpuPercent,
    double GeneratorCpuPercent,
    double RssPerConnectionKb,
    double[]? RedisCpuPercents = null)
{
    public double Loss => Expected == 0 ? 0 : Math.Max(0, 1 - ((double)Delivered / Expected));

    /// <summary>The condition of the S1 target: nothing lost and p99 within 50 ms.</summary>
    public bool Sustained => Delivered >= Expected && P99 <= 50;

    /// <summary>Nothing lost and p99 under a second: the rate is carried, if not within S1's 50 ms.</summary>
    public bool Carried => Delivered >= Expected && P99 < 1000;

    /// <summary>Redis CPU per 1,000 messages delivered, in ms, for each Redis process: what a publish costs the backplane, far steadier than latency on a shared machine.</summary>
    public double[] RedisMsPerThousand => [.. (RedisCpuPercents ?? [RedisCpuPercent]).Select(c => DeliveriesPerSecond > 0 ? c / 100 / DeliveriesPerSecond * 1_000_000 : double.NaN)];
}

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
    /// <summary>The rate the step asked for, in messages per second (<see cref="OfferedMessagesPerSecond"/> is what the generator reached).</summary>
    public double TargetRate { get; init; }

    /// <summary>Which of the interleaved runs (0-based) this step belongs to.</summary>
    public int Run { get; init; }

    /// <summary>S5: connections opened per second while connecting them all.</summary>
    public double ConnectsPerSecond { get; init; } = double.NaN;

    /// <summary>S5: the node's resident memory with every connection open, in MB.</summary>
    public double RssMb { get; init; } = double.NaN;

    public double Loss => Expected == 0 ? 0 : Math.Max(0, 1 - ((double)Delivered / Expected));

    /// <summary>The condition of the S1 target: nothing lost and p99 within 50 ms.</summary>
    public bool Sustained => Delivered >= Expected && P99 <= 50;

    /// <summary>Nothing lost and p99 under a second: the rate is carried, if not within S1's 50 ms.</summary>
    public bool Carried => Delivered >= Expected && P99 < 1000;

    /// <summary>S6: carried, and the publisher kept the rate asked of it (a server that reads slowly holds the generator back through TCP).</summary>
    public bool KeptUp => Carried && OfferedMessagesPerSecond >= TargetRate * 0.98;

    /// <summary>
    /// CPU of every server process (both nodes and Redis, user + system) per 1,000 deliveries, in ms:
    /// the cost of the work itself, which a shared machine's noise moves far less than tail latency.
    /// </summary>
    public double CpuMsPerThousand => MsPerThousand(ServerCpuPercent + RedisCpuPercent);

    /// <summary>The nodes' share of <see cref="CpuMsPerThousand"/> (without Redis), in ms per 1,000 deliveries.</summary>
    public double NodeCpuMsPerThousand => MsPerThousand(ServerCpuPercent);

    /// <summary>Redis CPU per 1,000 messages delivered, in ms, for each Redis process: what a publish costs the backplane, far steadier than latency on a shared machine.</summary>
    public double[] RedisMsPerThousand => [.. (RedisCpuPercents ?? [RedisCpuPercent]).Select(MsPerThousand)];

    /// <summary>A CPU share (percent of a core over the step) as ms of CPU per 1,000 deliveries.</summary>
    private double MsPerThousand(double cpuPercent) => DeliveriesPerSecond > 0 ? cpuPercent / 100 / DeliveriesPerSecond * 1_000_000 : double.NaN;
}

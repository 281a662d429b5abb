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
    double RedisCpuPercent,
    double GeneratorCpuPercent,
    double RssPerConnectionKb)
{
    public double Loss => Expected == 0 ? 0 : Math.Max(0, 1 - ((double)Delivered / Expected));

    /// <summary>The condition of the S1 target: nothing lost and p99 within 50 ms.</summary>
    public bool Sustained => Delivered >= Expected && P99 <= 50;
}

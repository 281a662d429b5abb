namespace Realtime.AspNetCore.Application;

/// <summary>
/// Rebalancing after a scale-out (section <c>Realtime:Rebalance</c>): a node holding more than its
/// share of the fleet's connections asks the excess to reconnect, spread out, so the load balancer
/// places them again. docs/operations.md, "Rebalancing".
/// </summary>
public sealed class RebalanceOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How often each node reports its count and compares it with the fleet's.</summary>
    public double IntervalSeconds { get; set; } = 15;

    /// <summary>
    /// How far from the average counts as unbalanced: a node this much above it sheds, and so does
    /// every node above the average while some node is this much below it (a new task pulls).
    /// </summary>
    public int MarginPercent { get; set; } = 10;

    /// <summary>
    /// A new node joins the fleet's count this long after it starts: about as long as the load
    /// balancer takes to mark it healthy (the ALB: two checks 10 s apart), so nobody sheds towards a
    /// node that gets no connections yet.
    /// </summary>
    public double WarmUpSeconds { get; set; } = 30;

    /// <summary>A node holding fewer connections than this never sheds: a small imbalance costs nothing.</summary>
    public int MinConnections { get; set; } = 100;

    /// <summary>The reconnect requests of one round are spread over this window.</summary>
    public double WindowSeconds { get; set; } = 60;

    /// <summary>At most this many reconnect requests per second from one node, whatever the window.</summary>
    public int MaxPerSecond { get; set; } = 20;
}

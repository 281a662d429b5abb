using Realtime.AspNetCore.Application;
using Realtime.AspNetCore.Features;

namespace Realtime.Server.Tests.Rebalance;

public sealed class RebalancePlanTests
{
    private static int Excess(string node, params int[] counts) =>
        RebalancePlan.Excess(node, counts.Select((c, i) => new NodeLoad($"n{i}", c)).ToList(), marginPercent: 10, minConnections: 100);

    [Fact]
    public void A_node_alone_never_sheds() => Assert.Equal(0, Excess("n0", 5000));

    [Fact]
    public void After_a_scale_out_the_old_node_sheds_down_to_the_average_and_no_further() =>
        Assert.Equal(500, Excess("n0", 1000, 0));

    [Fact]
    public void A_new_node_pulls_from_every_node_above_the_average_even_within_the_margin()
    {
        // The average is 933.3: the second node is only 7 % above it, the third 25 % below.
        Assert.Equal(166, Excess("n0", 1100, 1000, 700));
        Assert.Equal(66, Excess("n1", 1100, 1000, 700));
        Assert.Equal(0, Excess("n2", 1100, 1000, 700));
    }

    [Fact]
    public void Within_the_margin_nobody_moves()
    {
        Assert.Equal(0, Excess("n0", 1090, 1000, 910)); // average 1,000: +9 % and −9 %
        Assert.Equal(0, Excess("n1", 1090, 1000, 910));
    }

    [Fact]
    public void A_node_above_the_margin_sheds_what_it_holds_above_the_average() =>
        Assert.Equal(200, Excess("n0", 1200, 900, 900)); // the average is 1,000: +20 %

    [Fact]
    public void Below_the_minimum_a_node_keeps_its_connections() => Assert.Equal(0, Excess("n0", 99, 0));
}

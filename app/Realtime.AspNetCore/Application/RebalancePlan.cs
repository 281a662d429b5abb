using Realtime.AspNetCore.Features;

namespace Realtime.AspNetCore.Application;

/// <summary>How many of its connections a node should ask to go elsewhere, from the fleet's counts.</summary>
public static class RebalancePlan
{
    /// <summary>
    /// Zero unless the fleet is unbalanced: this node is more than <paramref name="marginPercent"/>
    /// above the average, or some node is that much below it and this one is above it. Then what
    /// this node holds above the average (rounded down): it never sheds below the average.
    /// </summary>
    public static int Excess(string node, IReadOnlyList<NodeLoad> fleet, int marginPercent, int minConnections)
    {
        var mine = fleet.FirstOrDefault(l => l.Node == node).Connections;
        if (fleet.Count < 2 || mine < minConnections)
        {
            return 0;
        }

        var average = fleet.Sum(l => (double)l.Connections) / fleet.Count;
        var margin = marginPercent / 100.0;
        var hot = mine > average * (1 + margin);
        var someoneCold = fleet.Any(l => l.Connections < average * (1 - margin));
        return hot || (someoneCold && mine > average) ? (int)Math.Floor(mine - average) : 0;
    }
}

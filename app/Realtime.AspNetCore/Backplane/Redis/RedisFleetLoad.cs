using System.Globalization;
using Realtime.AspNetCore.Features;
using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>The fleet's counts in one Redis hash, expiries judged by Redis's clock (<see cref="RedisScripts.Fleet"/>).</summary>
public sealed class RedisFleetLoad(RedisBackplane backplane) : IFleetLoad
{
    private const string Scope = "(fleet)";

    public async ValueTask<IReadOnlyList<NodeLoad>> ReportAsync(string node, int connections, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var live = (RedisResult[])(await backplane.RunAsync(Scope, RedisScripts.Fleet, [backplane.Keys.Fleet],
            [node, connections, (long)ttl.TotalMilliseconds], mutates: false).ConfigureAwait(false))!;
        var loads = new List<NodeLoad>(live.Length / 2);
        for (var i = 0; i + 1 < live.Length; i += 2)
        {
            loads.Add(new NodeLoad(live[i].ToString(), int.Parse(live[i + 1].ToString(), NumberStyles.None, CultureInfo.InvariantCulture)));
        }

        return loads;
    }

    public async ValueTask LeaveAsync(string node, CancellationToken cancellationToken = default) =>
        await backplane.RunAsync(Scope, RedisScripts.Fleet, [backplane.Keys.Fleet], [node, -1, 0], mutates: false).ConfigureAwait(false);
}

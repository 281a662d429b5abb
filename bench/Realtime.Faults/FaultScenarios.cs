using Realtime.Faults.Cluster;
using Realtime.Faults.Load;
using Realtime.Faults.Reporting;
using Realtime.Testing;

namespace Realtime.Faults;

/// <summary>One fault: what it injects, and what the report says of it.</summary>
/// <param name="Inject">Injects the fault and returns when the cluster is whole again, with the spread to check for a deploy.</param>
public sealed record Fault(string Name, Func<Task<Spread?>> Inject);

/// <summary>A deploy's clients that had to move, the drain window an even spread would use, and how long after the fault to look at the peak.</summary>
public sealed record Spread(int Moving, double WindowSeconds, double ObservedSeconds);

/// <summary>
/// Runs the faults one at a time on one cluster and one fleet of clients: publishing runs across
/// each, then the ledger counts what every subscriber got.
/// </summary>
public sealed class FaultScenarios(FaultCluster cluster, ClientFleet fleet, Ledger ledger, Scale scale, Timeline timeline)
{
    private double DeregistrationDelay => scale.DrainSeconds + 3;

    /// <summary>Every silently lost message of the run, by fault (written beside the report).</summary>
    public IReadOnlyList<string> LostEvidence { get; private set; } = [];

    public IReadOnlyList<Fault> All =>
    [
        new("rolling deploy: ECS stops n1 (metadata drain), SIGTERM after the deregistration delay", DeployAsync),
        new("rolling deploy without the drain trigger (n2): the ALB cuts what is open at the end of the delay", StormingDeployAsync),
        new("scale-out: n3 joins, rebalancing brings it to its share", ScaleOutAsync),
        new("SIGKILL of n1", KillNodeAsync),
        new("Redis restarted, data kept", () => RestartRedisAsync(keepData: true)),
        new("Redis restarted, data lost", () => RestartRedisAsync(keepData: false)),
        new("Redis pub/sub links killed (CLIENT KILL TYPE pubsub)", KillPubSubAsync),
        new("reconnect storm: every client dropped at once", StormAsync),
    ];

    public async Task<FaultResult> RunAsync(Fault fault)
    {
        Console.WriteLine($"faults: {fault.Name}");
        ledger.Reset();
        fleet.TakeReopens();
        var rssBefore = NodesRss();
        fleet.StartPublishing();
        await Task.Delay(TimeSpan.FromSeconds(2));

        var start = Environment.TickCount64;
        timeline.Mark(fault.Name);
        var spread = await fault.Inject();
        await WaitAsync(() => fleet.NotOpen == 0, TimeSpan.FromSeconds(120), () => $"every client open again ({fleet.States})");
        var allOpen = Environment.TickCount64;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await fleet.StopPublishingAsync();

        // Quiet now: wait until everything acknowledged has arrived (or was announced), within reason.
        var deadline = Environment.TickCount64 + 20_000;
        while (!ledger.Settled(fleet.Subscribers) && Environment.TickCount64 < deadline)
        {
            await Task.Delay(250);
        }

        var counts = ledger.Count(fleet.Subscribers);
        if (counts.SilentlyLost > 0)
        {
            LostEvidence = [.. LostEvidence, $"## {fault.Name}", .. ledger.LostDetails(fleet.Subscribers, start)];
        }
        var reopens = fleet.TakeReopens();
        // For a deploy, only the reconnects of its drain (rebalancing refills the new task afterwards).
        var observed = spread is null ? reopens : reopens.Where(t => t - start <= spread.ObservedSeconds * 1000).ToArray();
        var peak = observed.Length == 0 ? 0 : observed.GroupBy(t => (t - start) / 1000).Max(g => g.Count());
        var lastReopen = reopens.Length == 0 ? start : reopens.Max();
        return new FaultResult(
            fault.Name,
            counts,
            reopens.Length,
            peak,
            spread is { WindowSeconds: > 0 } s ? s.Moving / s.WindowSeconds : null,
            (Math.Max(lastReopen, start) - start) / 1000.0,
            (allOpen - start) / 1000.0,
            rssBefore,
            NodesRss());
    }

    private async Task<Spread?> DeployAsync()
    {
        var moving = (await cluster.Runtime.SessionsAsync()).GetValueOrDefault("n1");
        cluster.Metadata.Stop("n1");       // ECS decides to stop the task…
        await cluster.Runtime.DrainAsync("n1"); // …and deregisters it: no new connections
        await Task.Delay(TimeSpan.FromSeconds(DeregistrationDelay));
        await cluster.Runtime.CutAsync("n1");   // the delay ends: the ALB cuts what is left
        await cluster.TerminateNodeAsync("n1"); // then SIGTERM
        await ReplaceAsync("n1");
        return new Spread(moving, scale.DrainSeconds, DeregistrationDelay + 2);
    }

    private async Task<Spread?> StormingDeployAsync()
    {
        var moving = (await cluster.Runtime.SessionsAsync()).GetValueOrDefault("n2");
        await cluster.Runtime.DrainAsync("n2"); // deregistered, but the node is not told
        await Task.Delay(TimeSpan.FromSeconds(DeregistrationDelay));
        await cluster.Runtime.CutAsync("n2");
        await cluster.TerminateNodeAsync("n2");
        await ReplaceAsync("n2");
        return new Spread(moving, scale.DrainSeconds, DeregistrationDelay + 2);
    }

    private async Task<Spread?> ScaleOutAsync()
    {
        await cluster.StartNodeAsync("n3");
        await cluster.Runtime.ReadyAsync("n3");
        var total = scale.Clients;
        await WaitAsync(async () =>
        {
            var sessions = await cluster.Runtime.SessionsAsync();
            return Math.Abs(sessions.GetValueOrDefault("n3") - total / 3.0) <= total / 3.0 * 0.1;
        }, TimeSpan.FromSeconds(60 + (20 * scale.RebalanceWindowSeconds)), () => "n3 within 10 % of its share");
        return null;
    }

    private async Task<Spread?> KillNodeAsync()
    {
        await cluster.KillNodeAsync("n1");
        await WaitAsync(() => fleet.NotOpen == 0, TimeSpan.FromSeconds(120), () => $"clients of n1 open elsewhere ({fleet.States})");
        await ReplaceAsync("n1");
        return null;
    }

    private async Task<Spread?> RestartRedisAsync(bool keepData)
    {
        await cluster.KillRedisAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.StartRedisAsync(keepData);
        return null;
    }

    private async Task<Spread?> KillPubSubAsync()
    {
        await cluster.RedisCliAsync("CLIENT", "KILL", "TYPE", "pubsub");
        return null;
    }

    private async Task<Spread?> StormAsync()
    {
        foreach (var server in FaultCluster.Servers)
        {
            await cluster.Runtime.CutAsync(server);
        }

        return null;
    }

    /// <summary>The deploy's new task under the same name, registered once it is ready.</summary>
    private async Task ReplaceAsync(string server)
    {
        await cluster.StartNodeAsync(server);
        await cluster.Runtime.ReadyAsync(server);
    }

    private long NodesRss() => cluster.NodeProcessIds.Sum(ProcessStats.RssBytes);

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, Func<string> what) =>
        await WaitAsync(() => Task.FromResult(condition()), timeout, what);

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"faults: not reached within {timeout.TotalSeconds} s: {what()}");
            }

            await Task.Delay(200);
        }
    }
}

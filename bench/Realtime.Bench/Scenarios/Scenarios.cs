using Realtime.Testing;
using System.Diagnostics;
using Realtime.Bench.Protocols;
using Realtime.Bench.Servers;

namespace Realtime.Bench.Scenarios;

/// <summary>The scenarios of DESIGN §8 (S1–S3) and §9 (S4); each runs against one server kind's cluster.</summary>
public static class Scenarios
{
    /// <summary>
    /// S1 fan-out: subscribers of one channel over both nodes, one publisher on node 1 at a fixed
    /// rate (open loop: message n leaves at n / rate whatever happened before).
    /// </summary>
    public static async Task<StepResult> FanOutAsync(ServerCluster cluster, int subscribers, int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var channel = $"s1-{Guid.NewGuid():N}";
        var latency = new Latency();
        var nodes = cluster.Nodes.Select(n => n.Url).ToList();
        var receivers = await Clients.ConnectAsync(cluster.Kind, nodes, subscribers, _ => channel, latency, cancellationToken).ConfigureAwait(false);
        var publisher = cluster.Kind.Client();
        await publisher.ConnectAsync(nodes[0], cancellationToken).ConfigureAwait(false);
        try
        {
            await WarmUpAsync(publisher, channel, latency, subscribers, cancellationToken).ConfigureAwait(false);
            return await MeasureAsync(cluster, "S1", subscribers, rate, latency, subscribers, duration, async (n, sent) =>
                await publisher.PublishAsync(channel, sent, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await Clients.CloseAsync([publisher, .. receivers]).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// S6 one busy publisher: a single connection on node 1 publishes at <paramref name="rate"/> into
    /// one channel read by a subscriber on node 2. What bounds it is how many publishes one
    /// connection can have on their way to Redis, not fan-out.
    /// </summary>
    public static async Task<StepResult> BusyPublisherAsync(ServerCluster cluster, int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var channel = $"s6-{Guid.NewGuid():N}";
        var latency = new Latency();
        var nodes = cluster.Nodes.Select(n => n.Url).ToList();
        var receivers = await Clients.ConnectAsync(cluster.Kind, [nodes[^1]], 1, _ => channel, latency, cancellationToken).ConfigureAwait(false);
        var publisher = cluster.Kind.Client();
        await publisher.ConnectAsync(nodes[0], cancellationToken).ConfigureAwait(false);
        try
        {
            await WarmUpAsync(publisher, channel, latency, 1, cancellationToken).ConfigureAwait(false);
            return await MeasureAsync(cluster, "S6", 1, rate, latency, 1, duration, async (n, sent) =>
                await publisher.PublishAsync(channel, sent, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await Clients.CloseAsync([publisher, .. receivers]).ConfigureAwait(false);
        }
    }

    /// <summary>S2 rooms: rooms of ten over both nodes; every connection publishes once a second into its room.</summary>
    public static async Task<StepResult> RoomsAsync(ServerCluster cluster, int connections, int roomSize, TimeSpan duration, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        string Room(int i) => $"s2-{run}-{i / roomSize}";
        var latency = new Latency();
        var nodes = cluster.Nodes.Select(n => n.Url).ToList();
        var members = await Clients.ConnectAsync(cluster.Kind, nodes, connections, Room, latency, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(1000, cancellationToken).ConfigureAwait(false); // every join lands
            return await MeasureAsync(cluster, "S2", connections, connections, latency, roomSize, duration, async (n, sent) =>
            {
                var member = (int)(n % connections);
                await members[member].PublishAsync(Room(member), sent, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await Clients.CloseAsync(members).ConfigureAwait(false);
        }
    }

    /// <summary>S3 idle: connections on one node, each subscribed, then left alone: resident memory per connection.</summary>
    public static async Task<StepResult> IdleAsync(ServerCluster cluster, int connections, TimeSpan settle, CancellationToken cancellationToken)
    {
        var node = cluster.Nodes[0];
        await Task.Delay(2000, cancellationToken).ConfigureAwait(false);
        var before = ProcessStats.RssBytes(node.Process.Id);
        var idle = await Clients.ConnectAsync(cluster.Kind, [node.Url], connections, i => $"s3-{i % 100}", null, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(settle, cancellationToken).ConfigureAwait(false);
            var after = ProcessStats.RssBytes(node.Process.Id);
            var perConnection = (after - before) / 1024.0 / connections;
            return new StepResult("S3", cluster.Kind.Name, connections, 0, 0, 0, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, 0, perConnection);
        }
        finally
        {
            await Clients.CloseAsync(idle).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// S5 many connections on one node: <paramref name="connections"/> subscribers of one channel,
    /// opened from several source addresses; how fast they open, the node's memory with all of them,
    /// and a fan-out of one message a second to every one of them.
    /// </summary>
    public static async Task<StepResult> ManyConnectionsAsync(ServerCluster cluster, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        var node = cluster.Nodes[0];
        var channel = $"s5-{Guid.NewGuid():N}";
        var latency = new Latency();
        await Task.Delay(2000, cancellationToken).ConfigureAwait(false);
        var before = ProcessStats.RssBytes(node.Process.Id);
        var connecting = Stopwatch.StartNew();
        var subscribers = await Clients.ConnectAsync(cluster.Kind, [node.Url], connections, _ => channel, latency, cancellationToken, sourceAddresses: 4).ConfigureAwait(false);
        var connectsPerSecond = connections / connecting.Elapsed.TotalSeconds;
        var publisher = cluster.Kind.Client();
        await publisher.ConnectAsync(node.Url, cancellationToken).ConfigureAwait(false);
        try
        {
            await WarmUpAsync(publisher, channel, latency, connections, cancellationToken).ConfigureAwait(false);
            await Task.Delay(3000, cancellationToken).ConfigureAwait(false);
            var rss = ProcessStats.RssBytes(node.Process.Id);
            var result = await MeasureAsync(cluster, "S5", connections, 1, latency, connections, duration, async (n, sent) =>
                await publisher.PublishAsync(channel, sent, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return result with
            {
                ConnectsPerSecond = connectsPerSecond,
                RssMb = rss / 1024.0 / 1024,
                RssPerConnectionKb = (rss - before) / 1024.0 / connections,
            };
        }
        finally
        {
            await Clients.CloseAsync([publisher, .. subscribers]).ConfigureAwait(false);
        }
    }

    private static TimeSpan WarmUp(TimeSpan duration) => duration / 5;

    /// <summary>Open loop: message n leaves at n / rate seconds, whatever happened before.</summary>
    private static async Task SendAtRateAsync(double rate, TimeSpan duration, Func<long, long, Task> send, Action<TimeSpan> tick, CancellationToken cancellationToken)
    {
        var total = (long)(rate * duration.TotalSeconds);
        var clock = Stopwatch.StartNew();
        for (long n = 0; n < total; n++)
        {
            var wait = TimeSpan.FromSeconds(n / rate) - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            await send(n, Stopwatch.GetTimestamp()).ConfigureAwait(false);
            tick(clock.Elapsed);
        }
    }

    /// <summary>Publishes until every subscriber has received something: all subscriptions are live everywhere.</summary>
    private static async Task WarmUpAsync(BenchConnection publisher, string channel, Latency latency, int subscribers, CancellationToken cancellationToken)
    {
        latency.Restart(since: 0);
        var deadline = Stopwatch.StartNew();
        while (latency.Count < subscribers * 3L && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await publisher.PublishAsync(channel, Stopwatch.GetTimestamp(), cancellationToken).ConfigureAwait(false);
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(500, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends <paramref name="rate"/> messages a second for <paramref name="duration"/> (open loop),
    /// waits for stragglers, and reports deliveries, latency and CPU of every process.
    /// </summary>
    internal static async Task<StepResult> MeasureAsync(ServerCluster cluster, string scenario, int connections, double rate, Latency latency, int deliveriesPerMessage, TimeSpan duration, Func<long, long, Task> send, CancellationToken cancellationToken)
    {
        // Warm-up at the step's own rate, not measured: JIT, pools and socket buffers settle first.
        latency.Pause();
        await SendAtRateAsync(rate, WarmUp(duration), send, _ => { }, cancellationToken).ConfigureAwait(false);
        await Task.Delay(300, cancellationToken).ConfigureAwait(false);

        var total = (long)(rate * duration.TotalSeconds);
        var cpuBefore = cluster.CpuSeconds();
        var generatorBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        latency.Restart(start);
        var clock = Stopwatch.StartNew();
        var progress = Stopwatch.StartNew();
        await SendAtRateAsync(rate, duration, send, elapsed =>
        {
            if (progress.Elapsed > TimeSpan.FromSeconds(2))
            {
                Console.Error.Write($"\r  {scenario} {cluster.Kind.Name,-9} {rate,7:F0} msg/s  {elapsed.TotalSeconds,4:F0}/{duration.TotalSeconds:F0} s  delivered {latency.Count,10:N0}   ");
                progress.Restart();
            }
        }, cancellationToken).ConfigureAwait(false);

        var sendingTook = clock.Elapsed;
        var expected = total * deliveriesPerMessage;
        var straggle = Stopwatch.StartNew();
        while (latency.Count < expected && straggle.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        await latency.FreezeAsync().ConfigureAwait(false);
        var cpuAfter = cluster.CpuSeconds();
        var generator = (Process.GetCurrentProcess().TotalProcessorTime - generatorBefore).TotalSeconds;
        Console.Error.Write("\r" + new string(' ', 100) + "\r");
        var serverCpu = (cpuAfter[0] - cpuBefore[0] + cpuAfter[1] - cpuBefore[1]) / elapsed * 100;
        var redisCpus = cpuAfter.Skip(2).Zip(cpuBefore.Skip(2), (after, before) => (after - before) / elapsed * 100).ToArray();
        var redisCpu = redisCpus.Sum();
        return new StepResult(scenario, cluster.Kind.Name, connections, total / sendingTook.TotalSeconds, expected, Math.Min(latency.Count, expected),
            latency.Count / Math.Max(elapsed, duration.TotalSeconds), latency.Percentile(50), latency.Percentile(90), latency.Percentile(99),
            latency.Percentile(99.9), latency.Max, serverCpu, redisCpu, generator / elapsed * 100, 0, redisCpus) { TargetRate = rate };
    }
}

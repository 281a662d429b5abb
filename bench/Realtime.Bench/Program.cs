using System.Globalization;
using Realtime.Bench.Reporting;
using Realtime.Bench.Scenarios;
using Realtime.Bench.Servers;

// The benchmark (DESIGN §8): ours, ASP.NET Core SignalR and Socket.IO, each as two nodes on one
// redis-server, on loopback, kinds interleaved step by step so machine noise hits all alike.
//   bench/run.sh [--smoke]        (builds what it needs, then runs this)
//   dotnet bench/Realtime.Bench/bin/Release/net10.0/Realtime.Bench.dll run [--smoke] [--servers realtime,signalr,socketio] [--out DIR]
if (args is ["report", var directory])
{
    Report.Rewrite(directory);
    return 0;
}

if (args.Length == 0 || args[0] != "run")
{
    Console.Error.WriteLine("usage: Realtime.Bench run [--smoke] [--servers realtime,signalr,socketio] [--only S1,S2,S3,S4] [--repeat N] [--out DIR]");
    return 2;
}

var smoke = args.Contains("--smoke");
var root = FindRoot();
var selected = Option("--servers")?.Split(',') ?? ServerKind.All.Select(k => k.Name).ToArray();
var kinds = ServerKind.All.Where(k => selected.Contains(k.Name)).ToList();
var output = Option("--out") ?? Path.Combine(root, "bench", "results", smoke ? "smoke" : "full");
var only = Option("--only")?.Split(',') ?? ["S1", "S2", "S3", "S4"];
var repeat = int.Parse(Option("--repeat") ?? (smoke ? "1" : "3"), CultureInfo.InvariantCulture);

var s1Rates = smoke ? new[] { 10, 50 } : [10, 20, 50, 100, 200, 500, 1000, 2000];
var s1Subscribers = smoke ? 100 : 1000;
var stepDuration = TimeSpan.FromSeconds(smoke ? 2 : 10);
var s2Connections = smoke ? 200 : 2000;
var s3Connections = smoke ? 500 : 5000;
var s4Rates = smoke ? new[] { 500, 1000 } : [1000, 2000, 5000, 10000, 15000, 20000];
var s4Channels = smoke ? 1000 : 10_000;
var results = new List<StepResult>();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

Console.Error.WriteLine($"benchmark ({(smoke ? "smoke" : "full")} scale): {string.Join(", ", kinds.Select(k => k.Name))}");
var clusters = new List<ServerCluster>();
try
{
    foreach (var kind in kinds)
    {
        clusters.Add(await ServerCluster.StartAsync(kind, root));
    }

    // S1: rising rates; a kind stops once a step fails (loss, or p99 above 50 ms).
    var stopped = new HashSet<string>();
    for (var step = 0; step < s1Rates.Length && only.Contains("S1"); step++)
    {
        foreach (var cluster in Rotate(clusters, step).Where(c => !stopped.Contains(c.Kind.Name)))
        {
            var result = await Scenarios.FanOutAsync(cluster, s1Subscribers, s1Rates[step], stepDuration, cancel.Token);
            Print(result);
            results.Add(result);
            if (!result.Sustained)
            {
                stopped.Add(cluster.Kind.Name);
            }
        }
    }

    // S2 tails are noisy: every kind runs it `repeat` times, interleaved; the report shows each run and the median.
    for (var run = 0; run < repeat && only.Contains("S2"); run++)
    {
        foreach (var cluster in Rotate(clusters, run))
        {
            var result = await Scenarios.RoomsAsync(cluster, s2Connections, 10, stepDuration, cancel.Token);
            Print(result);
            results.Add(result);
        }
    }
}
finally
{
    foreach (var cluster in clusters)
    {
        await cluster.DisposeAsync();
    }
}

// S4: ours on one redis-server against ours on a 3-shard cluster, steps interleaved; a backplane
// stops once a step is no longer carried (loss, or p99 of a second or more).
if (only.Contains("S4") && kinds.Contains(ServerKind.Realtime))
{
    var backplanes = new List<ServerCluster>();
    var loads = new List<ManyChannelsLoad>();
    try
    {
        foreach (var kind in new[] { ServerKind.Realtime, ServerKind.RealtimeOnCluster })
        {
            var cluster = await ServerCluster.StartAsync(kind, root);
            backplanes.Add(cluster);
            loads.Add(await ManyChannelsLoad.OpenAsync(cluster, s4Channels, channelsPerConnection: 5, publishers: 50, cancel.Token));
        }

        var stopped = new HashSet<string>();
        for (var step = 0; step < s4Rates.Length; step++)
        {
            foreach (var load in Rotate(loads, step).Where(l => !stopped.Contains(l.Server)))
            {
                var result = await load.StepAsync(s4Rates[step], stepDuration, cancel.Token);
                Print(result);
                results.Add(result);
                if (!result.Carried)
                {
                    stopped.Add(load.Server);
                }
            }
        }
    }
    finally
    {
        foreach (var load in loads)
        {
            await load.DisposeAsync();
        }

        foreach (var cluster in backplanes)
        {
            await cluster.DisposeAsync();
        }
    }
}

// S3 on fresh clusters: memory that earlier scenarios grew must not count.
foreach (var kind in kinds.Where(_ => only.Contains("S3")))
{
    await using var cluster = await ServerCluster.StartAsync(kind, root);
    var result = await Scenarios.IdleAsync(cluster, s3Connections, TimeSpan.FromSeconds(smoke ? 3 : 10), cancel.Token);
    Print(result);
    results.Add(result);
}

var header = string.Create(CultureInfo.InvariantCulture,
    $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {(smoke ? "smoke" : "full")} scale, {Environment.ProcessorCount} cores, .NET {Environment.Version}.");
Report.Write(output, header, results);
Console.WriteLine(Report.Markdown(header, results));
Console.Error.WriteLine($"results: {output}/results.md, results.json, s1-latency.svg");
return 0;

static IEnumerable<T> Rotate<T>(IReadOnlyList<T> items, int by) => items.Skip(by % items.Count).Concat(items.Take(by % items.Count));

static void Print(StepResult r) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  {r.Scenario} {r.Server,-9} {r.OfferedMessagesPerSecond,7:F0} msg/s  {r.DeliveriesPerSecond,10:N0} deliveries/s  loss {r.Loss,7:P2}  p50 {r.P50,8:F1}  p99 {r.P99,8:F1} ms  server CPU {r.ServerCpuPercent:F0} %  redis CPU {string.Join("/", (r.RedisCpuPercents ?? []).Select(c => c.ToString("F0", CultureInfo.InvariantCulture)))} %  rss/conn {r.RssPerConnectionKb:F1} KB"));

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "RealtimeInfra.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("RealtimeInfra.sln not found above the benchmark");
}

using System.Globalization;
using Realtime.Bench.Reporting;
using Realtime.Bench.Scenarios;
using Realtime.Bench.Servers;

// The benchmark (DESIGN §8): ours, ASP.NET Core SignalR and Socket.IO, each as two nodes on one
// redis-server, on loopback, kinds interleaved step by step so machine noise hits all alike, every
// scenario run --repeat times (interleaved) and reported as the median with its range. The servers
// run on --server-cpus (taskset); bench/run.sh starts this generator on the other CPUs.
//   bench/run.sh [--smoke]        (builds what it needs, then runs this)
//   dotnet bench/Realtime.Bench/bin/Release/net10.0/Realtime.Bench.dll run [--smoke] [--servers realtime,signalr,socketio] [--only S1,…] [--repeat N] [--server-cpus 0] [--out DIR]
if (args is ["report", var directory])
{
    Report.Rewrite(directory);
    return 0;
}

if (args.Length == 0 || args[0] != "run")
{
    Console.Error.WriteLine("usage: Realtime.Bench run [--smoke] [--servers realtime,signalr,socketio] [--only S1,S2,S3,S4,S5,S6,H] [--repeat N] [--server-cpus LIST] [--out DIR]");
    return 2;
}

var smoke = args.Contains("--smoke");
var root = FindRoot();
var selected = Option("--servers")?.Split(',') ?? ServerKind.All.Select(k => k.Name).ToArray();
var kinds = ServerKind.All.Where(k => selected.Contains(k.Name)).ToList();
var output = Option("--out") ?? Path.Combine(root, "bench", "results", smoke ? "smoke" : "full");
var only = Option("--only")?.Split(',') ?? ["S1", "S2", "S3", "S4", "S5", "S6", "H"];
var repeat = int.Parse(Option("--repeat") ?? (smoke ? "1" : "3"), CultureInfo.InvariantCulture);
var pinning = new CpuPinning(Option("--server-cpus"));

var s1Rates = smoke ? new[] { 10, 50 } : [10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
var s1Subscribers = smoke ? 100 : 1000;
var stepDuration = TimeSpan.FromSeconds(smoke ? 2 : 10);
var s2Connections = smoke ? 200 : 2000;
var s3Connections = smoke ? 500 : 5000;
var s4Rates = smoke ? new[] { 500, 1000 } : [1000, 2000, 5000, 10000, 15000, 20000];
var s4Channels = smoke ? 1000 : 10_000;
// 20,000 when the open-file limit allows (the node needs one per connection plus its reserve of
// about 1,000; the generator one per connection); otherwise what fits, in thousands.
var s5Connections = Math.Min(smoke ? 2000 : 20_000, (OpenFileLimit() - 1200) / 1000 * 1000);
var s6Rates = smoke ? new[] { 1000, 5000 } : [1000, 2000, 5000, 10_000, 20_000];
var hRate = smoke ? 200 : 1000;
var results = new List<StepResult>();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

Console.Error.WriteLine($"benchmark ({(smoke ? "smoke" : "full")} scale, {repeat} run(s), servers on CPUs {pinning.ServerCpus ?? "any"}, generator on CPUs {GeneratorCpus()}): {string.Join(", ", kinds.Select(k => k.Name))}");
var clusters = new List<ServerCluster>();
try
{
    foreach (var kind in kinds)
    {
        clusters.Add(await ServerCluster.StartAsync(kind, root, pinning));
    }

    for (var run = 0; run < repeat; run++)
    {
        // S1: rising rates; a kind's ramp stops once a step is no longer carried (loss, or p99 of a
        // second or more); the report gives the highest step within 50 ms and the highest carried.
        if (only.Contains("S1"))
        {
            await RampAsync(clusters, s1Rates, run, c => c.Kind.Name,
                async (cluster, rate) => await Scenarios.FanOutAsync(cluster, s1Subscribers, rate, stepDuration, cancel.Token) with { Run = run },
                r => r.Carried);
        }

        // S6: one publisher connection at rising rates; a kind stops once it no longer keeps up.
        if (only.Contains("S6"))
        {
            await RampAsync(clusters, s6Rates, run, c => c.Kind.Name,
                async (cluster, rate) => await Scenarios.BusyPublisherAsync(cluster, rate, stepDuration, cancel.Token) with { Run = run },
                r => r.KeptUp);
        }

        // S2, the kinds in turn.
        foreach (var cluster in Rotate(clusters, run).Where(_ => only.Contains("S2")))
        {
            var result = await Scenarios.RoomsAsync(cluster, s2Connections, 10, stepDuration, cancel.Token) with { Run = run };
            Keep(result);
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
            var cluster = await ServerCluster.StartAsync(kind, root, pinning);
            backplanes.Add(cluster);
            loads.Add(await ManyChannelsLoad.OpenAsync(cluster, s4Channels, channelsPerConnection: 5, publishers: 50, cancel.Token));
        }

        await RampAsync(loads, s4Rates, 0, l => l.Server, (load, rate) => load.StepAsync(rate, stepDuration, cancel.Token), r => r.Carried);
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

// H: the price of a publish hook (ours only), on a cluster whose nodes know the proxy's backend;
// the variants take turns, their order rotated each run.
if (only.Contains("H") && kinds.Contains(ServerKind.Realtime))
{
    using var backend = new HookBackend();
    await using var cluster = await ServerCluster.StartAsync(ServerKind.Realtime, root, pinning, HookCost.NodeSettings(backend));
    for (var run = 0; run < repeat; run++)
    {
        foreach (var variant in Rotate(HookCost.Variants, run))
        {
            await RecordAsync("H", ServerKind.Realtime, async () => await HookCost.MeasureAsync(cluster, variant, hRate, stepDuration, cancel.Token) with { Run = run });
        }
    }
}

// S3 and S5 on fresh clusters, each run: memory that earlier scenarios grew must not count.
for (var run = 0; run < repeat; run++)
{
    foreach (var kind in Rotate(kinds, run).Where(_ => only.Contains("S3")))
    {
        await RecordAsync("S3", kind, async () =>
        {
            await using var cluster = await ServerCluster.StartAsync(kind, root, pinning);
            return await Scenarios.IdleAsync(cluster, s3Connections, TimeSpan.FromSeconds(smoke ? 3 : 10), cancel.Token) with { Run = run };
        });
    }

    foreach (var kind in Rotate(kinds, run).Where(_ => only.Contains("S5")))
    {
        await RecordAsync("S5", kind, async () =>
        {
            // Room for every connection: ours derives its limit from the open-file limit, at most 20,000.
            await using var cluster = await ServerCluster.StartAsync(kind, root, pinning, new Dictionary<string, string> { ["Realtime__MaxConnections"] = $"{s5Connections + 50}" });
            return await Scenarios.ManyConnectionsAsync(cluster, s5Connections, TimeSpan.FromSeconds(smoke ? 5 : 20), cancel.Token) with { Run = run };
        });
    }
}

var header = string.Create(CultureInfo.InvariantCulture,
    $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {(smoke ? "smoke" : "full")} scale, {repeat} interleaved run(s), servers on CPUs {pinning.ServerCpus ?? "any"}, generator on CPUs {GeneratorCpus()}, .NET {Environment.Version}.");
Report.Write(output, header, results);
Console.WriteLine(Report.Markdown(header, results));
Console.Error.WriteLine($"results: {output}/results.md, results.json, s1-latency.svg");
return 0;

// Rising rates, the items taking turns at each step (the order rotated by the step and `offset`);
// an item's ramp stops at its first step that does not `hold`.
async Task RampAsync<T>(IReadOnlyList<T> items, int[] rates, int offset, Func<T, string> name, Func<T, int, Task<StepResult>> measure, Func<StepResult, bool> hold)
{
    var stopped = new HashSet<string>();
    for (var step = 0; step < rates.Length; step++)
    {
        foreach (var item in Rotate(items, step + offset).Where(i => !stopped.Contains(name(i))))
        {
            var result = await measure(item, rates[step]);
            Keep(result);
            if (!hold(result))
            {
                stopped.Add(name(item));
            }
        }
    }
}

// Every measured step is printed and written at once (results.md says "partial" until the end).
void Keep(StepResult result)
{
    Print(result);
    results.Add(result);
    Report.Write(output, "(partial: the run is still going)", results);
}

// One scenario of one kind on a cluster of its own: a kind that fails to start or breaks down is
// reported and skipped, and what was measured so far is written at once, never lost with the run.
async Task RecordAsync(string scenario, ServerKind kind, Func<Task<StepResult>> measure)
{
    try
    {
        Keep(await measure());
    }
    catch (Exception e) when (e is not OperationCanceledException)
    {
        Console.Error.WriteLine($"  {scenario} {kind.Name}: failed: {e.Message}");
    }
}

static int OpenFileLimit()
{
    var line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
    var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
    return soft == "unlimited" ? int.MaxValue : int.Parse(soft, CultureInfo.InvariantCulture);
}

static IEnumerable<T> Rotate<T>(IReadOnlyList<T> items, int by) => items.Skip(by % items.Count).Concat(items.Take(by % items.Count));

static void Print(StepResult r) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  {r.Scenario} {r.Server,-9} {r.OfferedMessagesPerSecond,7:F0} msg/s  {r.DeliveriesPerSecond,10:N0} deliveries/s  loss {r.Loss,7:P2}  p50 {r.P50,8:F1}  p99 {r.P99,8:F1} ms  server CPU {r.ServerCpuPercent:F0} %  redis CPU {string.Join("/", (r.RedisCpuPercents ?? []).Select(c => c.ToString("F0", CultureInfo.InvariantCulture)))} %  rss/conn {r.RssPerConnectionKb:F1} KB  CPU/1k {r.CpuMsPerThousand:F1} ms{(double.IsNaN(r.RssMb) ? "" : $"  rss {r.RssMb:F0} MB  connects/s {r.ConnectsPerSecond:F0}")}"));

// The CPUs this process may run on (bench/run.sh pins it), as taskset prints them.
static string GeneratorCpus()
{
    var allowed = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
    return allowed?.Split(':', 2)[1].Trim() ?? "any";
}

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

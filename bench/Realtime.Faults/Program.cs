using Realtime.Faults;
using Realtime.Faults.Cluster;
using Realtime.Faults.Load;
using Realtime.Faults.Reporting;

// The fault suite (docs/reliability.md, "The fault suite"): scripts/faults.sh publishes the server and
// runs this with --app; --smoke runs a small scale (CI). Exit code 1 when any subscriber silently
// lost or received twice an acknowledged message.
var smoke = args.Contains("--smoke");
var app = Argument("--app") ?? throw new ArgumentException("--app DIR: the published server");
var output = Argument("--out") ?? "artifacts/faults";
var scale = smoke ? Scale.Smoke : Scale.Full;
Directory.CreateDirectory(output);
var work = Directory.CreateTempSubdirectory("realtime-faults-").FullName;
Console.WriteLine($"faults: logs in {work} (removed after a passing run)");

var results = new List<FaultResult>();
await using (var cluster = await FaultCluster.StartAsync(app, work, scale))
{
    var ledger = new Ledger();
    await using var timeline = new Timeline(cluster.Runtime);
    timeline.Start();
    Console.WriteLine($"faults: {scale.Clients} clients on {scale.Channels} channels, {scale.Publishers} publishing {scale.PublishesPerSecond}/s each");
    await using var fleet = await ClientFleet.ConnectAsync(cluster.WebSocket, scale.Clients, scale.Channels, scale.Publishers, scale.PublishesPerSecond, ledger);
    var scenarios = new FaultScenarios(cluster, fleet, ledger, scale, timeline);
    // --only 1,3: just those faults (numbered as in the report), to look into one.
    var only = Argument("--only")?.Split(',').Select(int.Parse).ToHashSet();
    foreach (var (fault, number) in scenarios.All.Select((f, i) => (f, i + 1)))
    {
        if (only is not null && !only.Contains(number))
        {
            continue;
        }

        var result = await scenarios.RunAsync(fault);
        results.Add(result);
        Console.WriteLine($"faults:   {result.Counts}; reconnects {result.Reopens}, peak {result.PeakReopensPerSecond}/s");
    }

    await File.WriteAllLinesAsync(Path.Combine(output, "lost.txt"), scenarios.LostEvidence);
    await File.WriteAllTextAsync(Path.Combine(output, "connections.csv"), timeline.Csv());
    await File.WriteAllTextAsync(Path.Combine(output, "connections.svg"), timeline.Svg($"Open connections per node ({scale.Clients} clients); dashed lines: faults 1–{results.Count}"));
}

var command = $"./scripts/faults.sh{(smoke ? " --smoke" : "")}";
var report = FaultReport.Markdown(results, command, scale.Clients);
await File.WriteAllTextAsync(Path.Combine(output, "report.md"), report);
Console.WriteLine();
Console.WriteLine(report);
var failed = results.Any(r => r.Failed);
if (!failed)
{
    Directory.Delete(work, recursive: true);
}

return failed ? 1 : 0;

string? Argument(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

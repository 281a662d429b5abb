using System.Globalization;
using Realtime.Bench;

// Quick fan-out measurement against running nodes (e.g. scripts/local-cluster.sh or two `dotnet run`s):
//   dotnet run -c Release --project bench/Realtime.Bench -- fanout ws://127.0.0.1:5001/ws,ws://127.0.0.1:5002/ws 1000 50,100,200 10
if (args.Length < 5 || args[0] != "fanout")
{
    Console.Error.WriteLine("usage: Realtime.Bench fanout NODE_URLS(comma-separated) SUBSCRIBERS RATES(comma-separated msg/s) SECONDS");
    return 2;
}

var nodes = args[1].Split(',').Select(u => new Uri(u)).ToArray();
var subscribers = int.Parse(args[2], CultureInfo.InvariantCulture);
var rates = args[3].Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture));
var seconds = int.Parse(args[4], CultureInfo.InvariantCulture);

Console.WriteLine("| subscribers | msg/s | deliveries/s | loss | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var rate in rates)
{
    var r = await FanOut.RunAsync(nodes, subscribers, rate, seconds, CancellationToken.None);
    var loss = 1 - ((double)r.Delivered / r.Expected);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Subscribers} | {r.Rate} | {r.DeliveriesPerSecond:F0} | {loss:P2} | {r.P50:F1} | {r.P90:F1} | {r.P99:F1} | {r.P999:F1} | {r.Max:F1} |"));
}

return 0;

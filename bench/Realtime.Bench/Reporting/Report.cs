using System.Globalization;
using System.Text;
using System.Text.Json;
using Realtime.Bench.Scenarios;

namespace Realtime.Bench.Reporting;

/// <summary>Results as Markdown (for docs/benchmarks.md), JSON (for tools) and an SVG chart.</summary>
public static class Report
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Rewrites the Markdown and the chart from a run's results.json.</summary>
    public static void Rewrite(string directory)
    {
        var results = JsonSerializer.Deserialize<List<StepResult>>(File.ReadAllText(Path.Combine(directory, "results.json")), Json)!;
        var header = File.ReadLines(Path.Combine(directory, "results.md")).First();
        Write(directory, header, results);
    }

    public static void Write(string directory, string header, IReadOnlyList<StepResult> results)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(results, Json));
        File.WriteAllText(Path.Combine(directory, "results.md"), Markdown(header, results));
        // The first run's ramp: runs measure the same rates, and one line per server reads best.
        File.WriteAllText(Path.Combine(directory, "s1-latency.svg"), Chart(results.Where(r => r.Scenario == "S1" && r.Run == 0).ToList()));
    }

    public static string Markdown(string header, IReadOnlyList<StepResult> results)
    {
        var md = new StringBuilder().AppendLine(header).AppendLine();
        LoadSteps(md, "### S1 fan-out", "subscribers", results.Where(r => r.Scenario == "S1"));
        md.Append(Medians.S1(results));
        md.AppendLine();
        LoadSteps(md, "### S2 rooms", "connections", results.Where(r => r.Scenario == "S2"));
        md.Append(Medians.S2(results));

        var s4 = results.Where(r => r.Scenario == "S4").ToList();
        if (s4.Count > 0)
        {
            md.AppendLine().AppendLine("### S4 many channels").AppendLine()
              .AppendLine("| backplane | channels | msg/s | delivered/s | loss | p50 ms | p99 ms | max ms | nodes CPU % | Redis CPU % (each process) | Redis CPU ms per 1,000 (each process) | generator CPU % |")
              .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|");
            foreach (var r in s4)
            {
                var each = string.Join(" / ", (r.RedisCpuPercents ?? [r.RedisCpuPercent]).Select(c => F(c, "F0")));
                var cost = string.Join(" / ", r.RedisMsPerThousand.Select(c => F(c, "F1")));
                md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Server} | {r.Connections:N0} | {F(r.OfferedMessagesPerSecond, "F0")} | {F(r.DeliveriesPerSecond, "N0")} | {r.Loss:P2} | {F(r.P50)} | {F(r.P99)} | {F(r.Max)} | {F(r.ServerCpuPercent, "F0")} | {each} | {cost} | {F(r.GeneratorCpuPercent, "F0")} |");
            }

            md.AppendLine().AppendLine("S4 highest step carried (zero loss, p99 < 1 s) and within 50 ms:").AppendLine();
            foreach (var group in s4.GroupBy(r => r.Server))
            {
                var carried = group.Where(r => r.Carried).MaxBy(r => r.DeliveriesPerSecond);
                var sustained = group.Where(r => r.Sustained).MaxBy(r => r.DeliveriesPerSecond);
                md.AppendLine(CultureInfo.InvariantCulture, $"- {group.Key}: carried {(carried is null ? "none" : $"{carried.DeliveriesPerSecond:N0} publishes/s")}; within 50 ms {(sustained is null ? "none" : $"{sustained.DeliveriesPerSecond:N0} publishes/s")}");
            }
        }

        md.AppendLine().AppendLine("### S3 idle").AppendLine()
          .AppendLine("| run | server | idle connections on one node | server RSS per connection (KB) |")
          .AppendLine("|---:|---|---:|---:|");
        foreach (var r in results.Where(r => r.Scenario == "S3"))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Run + 1} | {r.Server} | {r.Connections} | {F(r.RssPerConnectionKb)} |");
        }

        md.Append(Medians.S3(results));

        var s6 = results.Where(r => r.Scenario == "S6").ToList();
        if (s6.Count > 0)
        {
            md.AppendLine().AppendLine("### S6 one busy publisher").AppendLine()
              .AppendLine("| run | server | asked msg/s | sent msg/s | delivered/s | loss | p50 ms | p99 ms | max ms | nodes CPU % | redis CPU % | CPU ms per 1,000 deliveries |")
              .AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in s6)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Run + 1} | {r.Server} | {F(r.TargetRate, "F0")} | {F(r.OfferedMessagesPerSecond, "F0")} | {F(r.DeliveriesPerSecond, "N0")} | {r.Loss:P2} | {F(r.P50)} | {F(r.P99)} | {F(r.Max)} | {F(r.ServerCpuPercent, "F0")} | {F(r.RedisCpuPercent, "F0")} | {F(r.CpuMsPerThousand, "F2")} |");
            }

            md.Append(Medians.S6(results));
        }

        var h = results.Where(r => r.Scenario == "H").ToList();
        if (h.Count > 0)
        {
            md.AppendLine().AppendLine("### H the price of a publish hook (ours)").AppendLine()
              .AppendLine("| run | hook | asked msg/s | delivered/s | loss | p50 ms | p90 ms | p99 ms | max ms | nodes CPU % | CPU ms per 1,000 deliveries |")
              .AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in h)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Run + 1} | {r.Server} | {F(r.TargetRate, "F0")} | {F(r.DeliveriesPerSecond, "N0")} | {r.Loss:P2} | {F(r.P50)} | {F(r.P90)} | {F(r.P99)} | {F(r.Max)} | {F(r.ServerCpuPercent, "F0")} | {F(r.CpuMsPerThousand, "F2")} |");
            }

            md.Append(Medians.Hooks(results));
        }

        var s5 = results.Where(r => r.Scenario == "S5").ToList();
        if (s5.Count > 0)
        {
            md.AppendLine().AppendLine("### S5 many connections on one node").AppendLine()
              .AppendLine("| run | server | connections | connects/s | node RSS MB | RSS per connection KB | deliveries/s | loss | p50 ms | p99 ms | max ms | node CPU % | CPU ms per 1,000 deliveries |")
              .AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in s5)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Run + 1} | {r.Server} | {r.Connections:N0} | {F(r.ConnectsPerSecond, "F0")} | {F(r.RssMb, "F0")} | {F(r.RssPerConnectionKb)} | {F(r.DeliveriesPerSecond, "N0")} | {r.Loss:P2} | {F(r.P50)} | {F(r.P99)} | {F(r.Max)} | {F(r.ServerCpuPercent, "F0")} | {F(r.CpuMsPerThousand, "F2")} |");
            }

            md.Append(Medians.S5(results));
        }

        return md.ToString();
    }

    /// <summary>Every step of a load scenario (S1, S2), one row each.</summary>
    private static void LoadSteps(StringBuilder md, string title, string connections, IEnumerable<StepResult> steps)
    {
        md.AppendLine(title).AppendLine()
          .AppendLine(CultureInfo.InvariantCulture, $"| run | server | {connections} | msg/s | deliveries/s | loss | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | server CPU % | redis CPU % | CPU ms per 1,000 deliveries | generator CPU % |")
          .AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in steps)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Run + 1} | {r.Server} | {r.Connections} | {F(r.OfferedMessagesPerSecond, "F0")} | {F(r.DeliveriesPerSecond, "N0")} | {r.Loss:P2} | {F(r.P50)} | {F(r.P90)} | {F(r.P99)} | {F(r.P999)} | {F(r.Max)} | {F(r.ServerCpuPercent, "F0")} | {F(r.RedisCpuPercent, "F0")} | {F(r.CpuMsPerThousand, "F2")} | {F(r.GeneratorCpuPercent, "F0")} |");
        }
    }

    private static string F(double value, string format = "F1") => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>p50 and p99 (log scale) against the offered rate, one colour per server.</summary>
    public static string Chart(IReadOnlyList<StepResult> s1)
    {
        const int width = 720, height = 420, left = 70, right = 150, top = 30, bottom = 50;
        var colours = new Dictionary<string, string> { ["realtime"] = "#1565c0", ["signalr"] = "#c62828", ["socketio"] = "#2e7d32" };
        var rates = s1.Select(r => r.OfferedMessagesPerSecond).Where(r => r > 0).DefaultIfEmpty(1).ToList();
        double minRate = rates.Min(), maxRate = Math.Max(rates.Max(), minRate * 10);
        double X(double rate) => left + ((Math.Log10(rate) - Math.Log10(minRate)) / (Math.Log10(maxRate) - Math.Log10(minRate)) * (width - left - right));
        double Y(double ms) => top + ((1 - (Math.Log10(Math.Clamp(ms, 0.1, 100_000)) + 1) / 6) * (height - top - bottom));
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{left}" y="18" font-weight="bold">S1 fan-out: latency against offered rate (log–log); solid p99, dashed p50</text>""");
        foreach (var ms in new[] { 1, 10, 100, 1000, 10000 })
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{left}" x2="{width - right}" y1="{Y(ms):F1}" y2="{Y(ms):F1}" stroke="#ddd"/><text x="{left - 8}" y="{Y(ms) + 4:F1}" text-anchor="end">{ms} ms</text>""");
        }

        foreach (var rate in rates.Distinct())
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{X(rate):F1}" y="{height - bottom + 18}" text-anchor="middle">{rate:F0}</text>""");
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">published msg/s (× subscribers = deliveries/s)</text>""");
        var row = 0;
        foreach (var group in s1.GroupBy(r => r.Server))
        {
            var colour = colours.GetValueOrDefault(group.Key, "#555");
            foreach (var (percentile, dash) in new[] { ((Func<StepResult, double>)(r => r.P99), ""), (r => r.P50, " stroke-dasharray=\"4 3\"") })
            {
                var measured = group.Where(r => !double.IsNaN(percentile(r))).ToList();
                var points = string.Join(' ', measured.Select(r => $"{X(r.OfferedMessagesPerSecond):F1},{Y(percentile(r)):F1}"));
                svg.Append(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{points}"/>""");
                foreach (var r in measured)
                {
                    // A filled dot where the step held (no loss, p99 ≤ 50 ms), a hollow one where it failed.
                    svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{X(r.OfferedMessagesPerSecond):F1}" cy="{Y(percentile(r)):F1}" r="3.5" stroke="{colour}" fill="{(r.Sustained ? colour : "white")}"/>""");
                }
            }

            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{width - right + 15}" y="{top + (row * 20)}" width="12" height="12" fill="{colour}"/><text x="{width - right + 32}" y="{top + (row * 20) + 11}">{group.Key}</text>""");
            row++;
        }

        return svg.Append("</svg>").ToString();
    }
}

using System.Globalization;
using System.Text;
using Realtime.Bench.Scenarios;

namespace Realtime.Bench.Reporting;

/// <summary>
/// Each scenario's figure per run, summarised as the median over the interleaved runs with its range,
/// and ours against each peer as the median of the ratios taken within the same run (the runs share
/// the machine's state at the time, so a ratio survives noise that moves both).
/// </summary>
public static class Medians
{
    private const string Ours = "realtime";

    public static string S1(IReadOnlyList<StepResult> results)
    {
        var s1 = results.Where(r => r.Scenario == "S1").ToList();
        if (s1.Count == 0)
        {
            return "";
        }

        var sustained = PerRun(s1, steps => steps.Where(r => r.Sustained).Select(r => r.DeliveriesPerSecond).DefaultIfEmpty(0).Max());
        var carried = PerRun(s1, steps => steps.Where(r => r.Carried).Select(r => r.DeliveriesPerSecond).DefaultIfEmpty(0).Max());
        // Cost where every kind is comfortable: the highest step all kinds held within 50 ms in that run.
        var cost = PerRun(s1, steps => steps.Where(r => r.Sustained).MaxBy(r => r.DeliveriesPerSecond)?.CpuMsPerThousand ?? double.NaN);
        var md = new StringBuilder().AppendLine().AppendLine("S1 over the runs: median (lowest–highest) of each run's highest step").AppendLine()
            .AppendLine("| server | within 50 ms (zero loss, p99 ≤ 50 ms), deliveries/s | carried (zero loss, p99 < 1 s), deliveries/s | CPU ms per 1,000 deliveries at its highest step within 50 ms |")
            .AppendLine("|---|---:|---:|---:|");
        foreach (var server in Servers(s1))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {server} | {Summary(sustained, server, "N0")} | {Summary(carried, server, "N0")} | {Summary(cost, server, "F2")} |");
        }

        return md.Append(RatioLines("S1 within 50 ms", sustained)).Append(RatioLines("S1 carried", carried)).ToString();
    }

    public static string S2(IReadOnlyList<StepResult> results)
    {
        var s2 = results.Where(r => r.Scenario == "S2").ToList();
        if (s2.Count == 0)
        {
            return "";
        }

        var p99 = PerRun(s2, steps => steps.Single().P99);
        var cost = PerRun(s2, steps => steps.Single().CpuMsPerThousand);
        var nodes = PerRun(s2, steps => steps.Single().NodeCpuMsPerThousand);
        var loss = PerRun(s2, steps => steps.Single().Loss);
        var md = new StringBuilder().AppendLine().AppendLine("S2 over the runs: median (lowest–highest)").AppendLine()
            .AppendLine("| server | p99 ms | CPU ms per 1,000 deliveries (nodes + Redis) | of which the nodes | loss, worst run |")
            .AppendLine("|---|---:|---:|---:|---:|");
        foreach (var server in Servers(s2))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {server} | {Summary(p99, server, "F1")} | {Summary(cost, server, "F2")} | {Summary(nodes, server, "F2")} | {loss.Where(l => l.Key.Server == server).Max(l => l.Value):P2} |");
        }

        return md.Append(RatioLines("S2 p99", p99)).Append(RatioLines("S2 CPU per 1,000 deliveries", cost)).Append(RatioLines("S2 nodes' CPU per 1,000 deliveries", nodes)).ToString();
    }

    public static string S3(IReadOnlyList<StepResult> results)
    {
        var s3 = results.Where(r => r.Scenario == "S3").ToList();
        if (s3.Count == 0)
        {
            return "";
        }

        var kb = PerRun(s3, steps => steps.Single().RssPerConnectionKb);
        var md = new StringBuilder().AppendLine().AppendLine("S3 over the runs: median (lowest–highest)").AppendLine()
            .AppendLine("| server | RSS per idle connection, KB |").AppendLine("|---|---:|");
        foreach (var server in Servers(s3))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {server} | {Summary(kb, server, "F1")} |");
        }

        return md.Append(RatioLines("S3 KB per connection", kb)).ToString();
    }

    public static string S5(IReadOnlyList<StepResult> results)
    {
        var s5 = results.Where(r => r.Scenario == "S5").ToList();
        var rss = PerRun(s5, steps => steps.Single().RssMb);
        var kb = PerRun(s5, steps => steps.Single().RssPerConnectionKb);
        var connects = PerRun(s5, steps => steps.Single().ConnectsPerSecond);
        var p99 = PerRun(s5, steps => steps.Single().P99);
        var loss = PerRun(s5, steps => steps.Single().Loss);
        var md = new StringBuilder().AppendLine().AppendLine("S5 over the runs: median (lowest–highest)").AppendLine()
            .AppendLine("| server | node RSS MB | RSS per connection KB | connects/s | fan-out p99 ms | loss, worst run |")
            .AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var server in Servers(s5))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {server} | {Summary(rss, server, "F0")} | {Summary(kb, server, "F1")} | {Summary(connects, server, "F0")} | {Summary(p99, server, "F1")} | {loss.Where(l => l.Key.Server == server).Max(l => l.Value):P2} |");
        }

        return md.ToString();
    }

    public static string S6(IReadOnlyList<StepResult> results)
    {
        var s6 = results.Where(r => r.Scenario == "S6").ToList();
        if (s6.Count == 0)
        {
            return "";
        }

        var kept = PerRun(s6, steps => steps.Where(r => r.KeptUp).Select(r => r.TargetRate).DefaultIfEmpty(0).Max());
        var reached = PerRun(s6, steps => steps.Max(r => r.DeliveriesPerSecond));
        var md = new StringBuilder().AppendLine().AppendLine("S6 over the runs: median (lowest–highest)").AppendLine()
            .AppendLine("| server | highest rate one publisher kept (zero loss, p99 < 1 s), msg/s | most delivered in a step, msg/s |")
            .AppendLine("|---|---:|---:|");
        foreach (var server in Servers(s6))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {server} | {Summary(kept, server, "N0")} | {Summary(reached, server, "N0")} |");
        }

        return md.Append(RatioLines("S6 rate kept", kept)).ToString();
    }

    /// <summary>H: each variant's medians, and its p50/p99 against no hook, run by run.</summary>
    public static string Hooks(IReadOnlyList<StepResult> results)
    {
        var h = results.Where(r => r.Scenario == "H").ToList();
        var p50 = PerRun(h, steps => steps[0].P50);
        var p99 = PerRun(h, steps => steps[0].P99);
        var cpu = PerRun(h, steps => steps[0].CpuMsPerThousand);
        var md = new StringBuilder().AppendLine().AppendLine("H over the runs: median (lowest–highest)").AppendLine()
            .AppendLine("| hook | p50 ms | p99 ms | CPU ms per 1,000 deliveries | p50 ÷ none | p99 ÷ none |")
            .AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var variant in Servers(h))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {variant} | {Summary(p50, variant, "F2")} | {Summary(p99, variant, "F2")} | {Summary(cpu, variant, "F2")} | {RatioTo(p50, variant, "none")} | {RatioTo(p99, variant, "none")} |");
        }

        return md.ToString();
    }

    /// <summary>The median of <paramref name="server"/>'s figure over <paramref name="baseline"/>'s in the same run.</summary>
    private static string RatioTo(Dictionary<(string Server, int Run), double> figure, string server, string baseline)
    {
        var ratios = figure.Where(f => f.Key.Server == server && figure.TryGetValue((baseline, f.Key.Run), out var b) && b > 0)
            .Select(f => f.Value / figure[(baseline, f.Key.Run)]).ToList();
        return ratios.Count == 0 ? "–" : Median(ratios).ToString("F2", CultureInfo.InvariantCulture) + " ×";
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static Dictionary<(string Server, int Run), double> PerRun(IEnumerable<StepResult> results, Func<IReadOnlyList<StepResult>, double> figure) =>
        results.GroupBy(r => (r.Server, r.Run)).ToDictionary(g => g.Key, g => figure([.. g]));

    private static IEnumerable<string> Servers(IEnumerable<StepResult> results) => results.Select(r => r.Server).Distinct();

    private static string Summary(Dictionary<(string Server, int Run), double> figure, string server, string format)
    {
        var values = figure.Where(f => f.Key.Server == server && !double.IsNaN(f.Value)).Select(f => f.Value).ToList();
        if (values.Count == 0)
        {
            return "–";
        }

        var median = Median(values).ToString(format, CultureInfo.InvariantCulture);
        return values.Count == 1 ? median : $"{median} ({values.Min().ToString(format, CultureInfo.InvariantCulture)}–{values.Max().ToString(format, CultureInfo.InvariantCulture)})";
    }

    /// <summary>Ours ÷ each peer, run by run; the median of those ratios and their range.</summary>
    private static string RatioLines(string what, Dictionary<(string Server, int Run), double> figure)
    {
        var md = new StringBuilder();
        foreach (var peer in figure.Keys.Select(k => k.Server).Distinct().Where(s => s != Ours))
        {
            var ratios = figure.Where(f => f.Key.Server == Ours && figure.TryGetValue((peer, f.Key.Run), out var p) && p > 0)
                .Select(f => f.Value / figure[(peer, f.Key.Run)]).Where(r => !double.IsNaN(r)).ToList();
            if (ratios.Count > 0)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {what}, ours ÷ {peer}: median {Median(ratios):F2} × (runs {string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))})");
            }
        }

        return md.Length == 0 ? "" : "\n" + md;
    }
}

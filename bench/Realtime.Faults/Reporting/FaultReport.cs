using System.Globalization;
using System.Text;

namespace Realtime.Faults.Reporting;

/// <summary>The table docs/reliability.md quotes: one row per fault, counted per subscriber and message.</summary>
public static class FaultReport
{
    public static string Markdown(IReadOnlyList<FaultResult> results, string command, int clients)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Command: `{command}`, {clients} clients, {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {Environment.OSVersion}.\n\n");
        text.Append("| # | fault | acknowledged | delivered | duplicated | announced | silently lost | reconnects | peak /s | even spread /s | s to last resubscribe | nodes' RSS MB before → after |\n");
        text.Append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var c = r.Counts;
            text.Append(CultureInfo.InvariantCulture,
                $"| {i + 1} | {r.Name} | {c.Acknowledged:N0} | {c.Delivered:N0} of {c.Expected:N0} | {c.Duplicated} | {c.Announced:N0} | **{c.SilentlyLost}** | {r.Reopens} | {r.PeakReopensPerSecond} | {(r.EvenSpreadPerSecond is { } even ? even.ToString("F1", CultureInfo.InvariantCulture) : "—")} | {r.SecondsToLastReopen:F1} | {r.RssBefore / 1048576} → {r.RssAfter / 1048576} |\n");
        }

        text.Append("\nDelivered and announced count subscriber × message: every acknowledged message, once for each subscriber of its channel.\n");
        return text.ToString();
    }
}

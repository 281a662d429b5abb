using System.Globalization;
using System.Text;
using Realtime.Faults.Cluster;

namespace Realtime.Faults.Reporting;

/// <summary>Open connections per node over time, from the load balancer's counters, sampled twice a second.</summary>
public sealed class Timeline(HaproxyRuntime runtime) : IAsyncDisposable
{
    private readonly List<(double At, int[] Sessions)> _samples = [];
    private readonly List<(double At, string Label)> _marks = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly long _start = Environment.TickCount64;
    private Task _sampling = Task.CompletedTask;

    public void Start() => _sampling = Task.Run(SampleAsync);

    public void Mark(string label)
    {
        lock (_samples)
        {
            _marks.Add((Now, label));
        }
    }

    private double Now => (Environment.TickCount64 - _start) / 1000.0;

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var sessions = await runtime.SessionsAsync();
                lock (_samples)
                {
                    _samples.Add((Now, [.. FaultCluster.Servers.Select(s => sessions.GetValueOrDefault(s))]));
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
                // HAProxy busy or restarting its socket: the next sample comes in half a second.
            }

            await Task.Delay(500);
        }
    }

    public string Csv()
    {
        var csv = new StringBuilder("seconds," + string.Join(',', FaultCluster.Servers) + "\n");
        lock (_samples)
        {
            foreach (var (at, sessions) in _samples)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{at:F1},{string.Join(',', sessions)}\n");
            }
        }

        return csv.ToString();
    }

    /// <summary>A line per node, with the faults marked; plain SVG, no library.</summary>
    public string Svg(string title)
    {
        const int width = 900, height = 320, left = 50, bottom = 30, top = 30;
        (double At, int[] Sessions)[] samples;
        (double At, string Label)[] marks;
        lock (_samples)
        {
            samples = [.. _samples];
            marks = [.. _marks];
        }

        var end = Math.Max(1, samples.Length == 0 ? 1 : samples[^1].At);
        var max = Math.Max(1, samples.Length == 0 ? 1 : samples.Max(s => s.Sessions.Max()));
        string X(double at) => (left + (at / end * (width - left - 10))).ToString("F1", CultureInfo.InvariantCulture);
        string Y(double value) => (height - bottom - (value / max * (height - bottom - top))).ToString("F1", CultureInfo.InvariantCulture);
        string[] colours = ["#1f77b4", "#d62728", "#2ca02c"];
        var svg = new StringBuilder($"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{left}" y="16" font-size="13">{Escape(title)}</text>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#888"/><line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#888"/>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="4" y="{Y(max)}">{max}</text><text x="4" y="{height - bottom}">0</text><text x="{width - 60}" y="{height - 8}">{end:F0} s</text>""");
        for (var i = 0; i < marks.Length; i++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{X(marks[i].At)}" y1="{top}" x2="{X(marks[i].At)}" y2="{height - bottom}" stroke="#bbb" stroke-dasharray="3,3"/><text x="{X(marks[i].At)}" y="{top - 2 + (i % 2 * 10)}" fill="#555">{i + 1}</text>""");
        }

        for (var n = 0; n < FaultCluster.Servers.Length; n++)
        {
            var points = string.Join(' ', samples.Select(s => $"{X(s.At)},{Y(s.Sessions[n])}"));
            svg.Append(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{colours[n]}" stroke-width="1.5" points="{points}"/><text x="{width - 120 + (n * 35)}" y="{top + 12}" fill="{colours[n]}">{FaultCluster.Servers[n]}</text>""");
        }

        return svg.Append("</svg>\n").ToString();
    }

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? "";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}

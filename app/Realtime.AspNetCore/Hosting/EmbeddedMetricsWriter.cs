using System.Text.Json;
using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Hosting;

/// <summary>
/// Writes one CloudWatch Embedded Metric Format line to stdout per interval: CloudWatch Logs turns
/// it into metrics (namespace <c>Realtime</c>) with no agent, and <c>ConnectionsPerTask</c> is the
/// metric the service scales on. Counters are reported as the change since the last line;
/// <c>DeliveryLag</c> as a sample of the interval's lags (omitted when nothing was delivered).
/// </summary>
public sealed class EmbeddedMetricsWriter(
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    NodeIdentity node,
    TimeProvider time) : BackgroundService
{
    public const string Namespace = "Realtime";

    private readonly TextWriter _output = Console.Out;
    private long _published;
    private long _delivered;
    private long _dropped;
    private long _reconnects;
    private long _refused;
    private long _shed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Metrics;
        if (!settings.EmbeddedMetricFormat)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.EmbeddedMetricIntervalSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await _output.WriteLineAsync(NextLine(settings.ServiceName)).ConfigureAwait(false);
            await _output.FlushAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>The next EMF document; advances the counters' baselines.</summary>
    public string NextLine(string serviceName)
    {
        var published = Delta(ref _published, metrics.PublishedTotal);
        var delivered = Delta(ref _delivered, metrics.DeliveredTotal);
        var dropped = Delta(ref _dropped, metrics.DroppedTotal);
        var reconnects = Delta(ref _reconnects, metrics.BackplaneReconnectsTotal);
        var refused = Delta(ref _refused, metrics.RefusedTotal);
        var shed = Delta(ref _shed, metrics.ShedTotal);
        var lag = metrics.Lag.Take();

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("_aws");
            w.WriteNumber("Timestamp", time.GetUtcNow().ToUnixTimeMilliseconds());
            w.WriteStartArray("CloudWatchMetrics");
            w.WriteStartObject();
            w.WriteString("Namespace", Namespace);
            w.WriteStartArray("Dimensions");
            w.WriteStartArray();
            w.WriteStringValue("ServiceName");
            w.WriteEndArray();
            w.WriteEndArray();
            w.WriteStartArray("Metrics");
            foreach (var name in new[] { "ConnectionsPerTask", "Published", "Delivered", "Dropped", "BackplaneReconnects", "ConnectionsRefused", "ConnectionsShed" })
            {
                w.WriteStartObject();
                w.WriteString("Name", name);
                w.WriteString("Unit", "Count");
                w.WriteEndObject();
            }

            if (lag.Length > 0)
            {
                w.WriteStartObject();
                w.WriteString("Name", "DeliveryLag");
                w.WriteString("Unit", "Milliseconds");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteString("ServiceName", serviceName);
            w.WriteString("Node", node.Id);
            w.WriteNumber("ConnectionsPerTask", metrics.Connections);
            w.WriteNumber("Published", published);
            w.WriteNumber("Delivered", delivered);
            w.WriteNumber("Dropped", dropped);
            w.WriteNumber("BackplaneReconnects", reconnects);
            w.WriteNumber("ConnectionsRefused", refused);
            w.WriteNumber("ConnectionsShed", shed);
            if (lag.Length > 0)
            {
                // An array of values: CloudWatch keeps each as a sample, so p99 spans all tasks.
                w.WriteStartArray("DeliveryLag");
                foreach (var value in lag)
                {
                    w.WriteNumberValue(Math.Round(value, 2));
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static long Delta(ref long baseline, long total)
    {
        var delta = total - baseline;
        baseline = total;
        return delta;
    }
}

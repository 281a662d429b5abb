using System.Text.Json;
using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Application;

namespace Realtime.AspNetCore.Hosting;

/// <summary>
/// Reads the ECS task metadata endpoint v4 (<c>{uri}/task</c>) every <c>Realtime:Drain:EcsPollSeconds</c>
/// and starts the drain once the task's <c>DesiredStatus</c> is <c>STOPPED</c>: ECS sets it when it
/// decides to stop the task, before it deregisters it and long before SIGTERM. Off outside ECS (no
/// <c>ECS_CONTAINER_METADATA_URI_V4</c>). A failed read is logged once and tried again.
/// </summary>
public sealed class EcsTaskWatcher(
    HttpClient http,
    NodeDrain drain,
    NodeIdentity node,
    IOptions<RealtimeOptions> options,
    TimeProvider time,
    ILogger<EcsTaskWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Drain;
        if (string.IsNullOrEmpty(settings.EcsMetadataUri) || settings.EcsPollSeconds <= 0)
        {
            return;
        }

        var task = new Uri($"{settings.EcsMetadataUri.TrimEnd('/')}/task");
        var interval = TimeSpan.FromSeconds(settings.EcsPollSeconds);
        using var timer = new PeriodicTimer(interval, time);
        var failing = false;
        do
        {
            try
            {
                var status = await DesiredStatusAsync(task, interval, stoppingToken).ConfigureAwait(false);
                failing = false;
                if (status == "STOPPED")
                {
                    HostingLog.EcsStopping(logger, status);
                    _ = drain.BeginAsync("ECS task metadata");
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
                                      || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                if (!failing)
                {
                    HostingLog.EcsMetadataFailed(logger, e.Message, interval.TotalSeconds);
                    failing = true;
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>The task's <c>DesiredStatus</c>; a read that takes longer than a poll interval is given up.</summary>
    private async Task<string?> DesiredStatusAsync(Uri task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var response = await http.GetAsync(task, deadline.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: deadline.Token).ConfigureAwait(false);
        if (json.RootElement.TryGetProperty("TaskARN", out var arn))
        {
            node.TaskArn ??= arn.GetString(); // the drain endpoint checks a caller's task against it
        }

        return json.RootElement.GetProperty("DesiredStatus").GetString();
    }
}

using Microsoft.Extensions.Options;
using Realtime.Server.Hosting;
using Realtime.Server.Protocol;

namespace Realtime.Server.Connections;

/// <summary>
/// One timer for the whole node: every heartbeat, each connection gets the shared ping frame, and
/// one that has sent nothing for the client timeout is closed (1000: it may reconnect).
/// </summary>
public sealed class HeartbeatService(
    ConnectionManager connections,
    IOptions<RealtimeOptions> options,
    TimeProvider time,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var timeout = TimeSpan.FromSeconds(settings.ClientTimeoutSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.HeartbeatSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            foreach (var connection in connections.All)
            {
                var silence = connection.Silence;
                if (silence > timeout)
                {
                    ConnectionLog.TimedOut(logger, connection.Id, silence.TotalSeconds);
                    connection.Close(CloseCodes.Normal, "client timeout", discardQueue: true);
                }
                else
                {
                    connection.TrySend(ServerFrames.Ping);
                }
            }
        }
    }
}

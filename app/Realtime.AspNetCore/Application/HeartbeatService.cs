using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Connections;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// One timer for the whole node: every heartbeat, each connection gets the shared ping frame; one
/// that has sent nothing for the client timeout is closed (1000: it may reconnect); one whose token
/// expired without a refresh is closed (1008); and the node's presence members are refreshed.
/// </summary>
public sealed class HeartbeatService(
    ConnectionManager connections,
    PresenceService presence,
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
            var now = time.GetUtcNow();
            foreach (var connection in connections.All)
            {
                var silence = connection.Silence;
                if (connection.TokenExpiresAt is { } expires && expires <= now)
                {
                    connection.Close(CloseCodes.Policy, "token expired", discardQueue: false);
                }
                else if (silence > timeout)
                {
                    ConnectionLog.TimedOut(logger, connection.Id, silence.TotalSeconds);
                    connection.Close(CloseCodes.Normal, "client timeout", discardQueue: true);
                }
                else
                {
                    connection.TrySend(ServerFrames.Ping);
                }
            }

            try
            {
                await presence.RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ConnectionLog.HeartbeatFailed(logger, e); // the next beat tries again
            }
        }
    }
}

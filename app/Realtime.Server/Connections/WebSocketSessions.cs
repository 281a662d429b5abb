using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Realtime.Server.Hosting;
using Realtime.Server.Protocol;

namespace Realtime.Server.Connections;

/// <summary>Runs an accepted WebSocket as a <see cref="RealtimeConnection"/>: welcome, both loops, and bookkeeping until it ends.</summary>
public sealed class WebSocketSessions(
    ConnectionManager connections,
    RequestDispatcher dispatcher,
    NodeIdentity node,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    TimeProvider time,
    ILogger<WebSocketSessions> logger)
{
    private readonly RealtimeOptions _options = options.Value;

    /// <summary>Runs the session of an admitted upgrade; its connection slot is given back when it ends.</summary>
    public async Task RunAsync(WebSocket socket, Identity.Identity? identity)
    {
        using var connection = new RealtimeConnection(
            Guid.NewGuid().ToString("N"),
            socket,
            new ConnectionSettings(_options.MaxMessageBytes, _options.SendQueueCapacity, CloseTimeout: TimeSpan.FromSeconds(5)),
            time)
        {
            User = identity?.User,
            TokenExpiresAt = identity?.ExpiresAt,
        };
        connection.SlowConsumer += c =>
        {
            metrics.SlowConsumerClosed();
            ConnectionLog.SlowConsumer(logger, c.Id);
        };

        connections.Add(connection);
        ConnectionLog.Opened(logger, connection.Id);
        try
        {
            connection.TrySend(ServerFrames.Welcome(connection.Id, node.Id, _options.HeartbeatSeconds, _options.MaxMessageBytes, connection.User));
            await connection.RunAsync(dispatcher).ConfigureAwait(false);
        }
        finally
        {
            connections.Remove(connection);
            ConnectionLog.Closed(logger, connection.Id);
        }
    }
}

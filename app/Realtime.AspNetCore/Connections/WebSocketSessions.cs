using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Connections;

/// <summary>Runs an accepted WebSocket as a <see cref="RealtimeConnection"/>: welcome, both loops, and bookkeeping until it ends.</summary>
public sealed class WebSocketSessions(
    ConnectionManager connections,
    IFrameHandlerFactory handlers,
    AuthFrameReader authFrames,
    NodeIdentity node,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    TimeProvider time,
    ILogger<WebSocketSessions> logger)
{
    private readonly RealtimeOptions _options = options.Value;

    /// <summary>The same for every connection: one instance, not one each.</summary>
    private readonly ConnectionSettings _settings = new(options.Value.MaxMessageBytes, options.Value.SendQueueCapacity, CloseTimeout: TimeSpan.FromSeconds(5));

    private Action<RealtimeConnection>? _slowConsumerHandler;

    /// <summary>One handler for every connection (a lambda here would be one delegate per connection).</summary>
    private Action<RealtimeConnection> OnSlowConsumer => _slowConsumerHandler ??= c =>
    {
        metrics.SlowConsumerClosed();
        ConnectionLog.SlowConsumer(logger, c.Id);
    };

    /// <summary>
    /// Runs the session of an admitted upgrade; its connection slot is given back when it ends. With
    /// <paramref name="awaitsAuthFrame"/> the identity is read from the first frame first: a refusal
    /// closes with 1008 before anything else is said. With <paramref name="batching"/> (the socket's
    /// stream, when it can hold writes back) frames waiting together go out in one flush.
    /// </summary>
    public async Task RunAsync(WebSocket socket, Identity.Identity? identity, bool awaitsAuthFrame = false, IFrameBatching? batching = null)
    {
        if (awaitsAuthFrame)
        {
            AuthFrameReader.Outcome outcome;
            try
            {
                outcome = await authFrames.ReadAsync(socket, _options.MaxMessageBytes, TimeSpan.FromSeconds(_options.Auth.FrameTimeoutSeconds)).ConfigureAwait(false);
            }
            finally
            {
                connections.EndPendingAuth();
            }

            if (outcome.Refusal is { } refusal)
            {
                ConnectionLog.UpgradeRefused(logger, StatusCodes.Status401Unauthorized, refusal);
                connections.Release();
                if (!outcome.Closed)
                {
                    await AuthFrameReader.CloseAsync(socket, refusal).ConfigureAwait(false);
                }

                return;
            }

            identity = outcome.Identity;
        }

        using var connection = new RealtimeConnection(
            Guid.NewGuid().ToString("N"),
            socket,
            _settings,
            time,
            batching)
        {
            User = identity?.User,
            TokenExpiresAt = identity?.ExpiresAt,
        };
        connection.SlowConsumer += OnSlowConsumer;

        connections.Add(connection);
        ConnectionLog.Opened(logger, connection.Id);
        try
        {
            connection.TrySend(ServerFrames.Welcome(connection.Id, node.Id, _options.HeartbeatSeconds, _options.MaxMessageBytes, connection.User));
            await connection.RunAsync(handlers.Open(connection)).ConfigureAwait(false);
        }
        finally
        {
            connections.Remove(connection);
            ConnectionLog.Closed(logger, connection.Id);
        }
    }
}

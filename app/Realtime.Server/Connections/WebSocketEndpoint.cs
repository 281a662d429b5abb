using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Realtime.Server.Hosting;
using Realtime.Server.Protocol;

namespace Realtime.Server.Connections;

/// <summary>
/// <c>GET /ws</c>: admits or refuses the upgrade (403 foreign origin, 503 draining or full), then
/// runs the connection until it ends.
/// </summary>
public sealed class WebSocketEndpoint(
    ConnectionManager connections,
    RequestDispatcher dispatcher,
    OriginPolicy origins,
    DrainState drain,
    NodeIdentity node,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    IHostApplicationLifetime lifetime,
    Identity.TokenValidator tokens,
    TimeProvider time,
    ILogger<WebSocketEndpoint> logger)
{
    private readonly RealtimeOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Refuse(context, StatusCodes.Status426UpgradeRequired, "a WebSocket upgrade is required").ConfigureAwait(false);
            return;
        }

        if (!origins.IsAllowed(context.Request))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, "origin not allowed").ConfigureAwait(false);
            return;
        }

        if (drain.IsDraining)
        {
            await Refuse(context, StatusCodes.Status503ServiceUnavailable, "draining").ConfigureAwait(false);
            return;
        }

        Identity.Identity? identity = null;
        if (tokens.Enabled)
        {
            var token = Identity.TokenValidator.TokenOf(context.Request);
            if (token is not null)
            {
                var check = await tokens.ValidateAsync(token, context.RequestAborted).ConfigureAwait(false);
                if (check.Identity is null)
                {
                    await Refuse(context, StatusCodes.Status401Unauthorized, check.Error!).ConfigureAwait(false);
                    return;
                }

                identity = check.Identity;
            }
            else if (!_options.Auth.AllowAnonymous)
            {
                await Refuse(context, StatusCodes.Status401Unauthorized, "a token is required (access_token or Authorization: Bearer)").ConfigureAwait(false);
                return;
            }
        }

        if (!connections.TryReserve())
        {
            await Refuse(context, StatusCodes.Status503ServiceUnavailable, "connection limit reached").ConfigureAwait(false);
            return;
        }

        WebSocket socket;
        try
        {
            // Protocol-level pings off: the app's own ping is visible to clients and sized to the ALB.
            socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero }).ConfigureAwait(false);
        }
        catch
        {
            connections.Release();
            throw;
        }

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
            await connection.RunAsync(dispatcher, lifetime.ApplicationStopping).ConfigureAwait(false);
        }
        finally
        {
            connections.Remove(connection);
            ConnectionLog.Closed(logger, connection.Id);
        }
    }

    private Task Refuse(HttpContext context, int status, string reason)
    {
        ConnectionLog.UpgradeRefused(logger, status, reason);
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(reason);
    }
}

using System.Net.WebSockets;

namespace Realtime.AspNetCore.Connections;

/// <summary>
/// <c>GET /ws</c> through Kestrel's HTTP pipeline: 426 without an upgrade, else admission, accept
/// and the session. Most upgrades never get here: <see cref="Handshake.WebSocketHandshakeMiddleware"/>
/// answers a connection whose first request is the upgrade below HTTP, so the socket keeps none of
/// the HTTP/1.1 request state. This path serves the rest (an upgrade after other requests on a
/// kept-alive connection, TLS ended by Kestrel, in-memory test servers).
/// </summary>
public sealed class WebSocketEndpoint(WebSocketAdmission admission, WebSocketSessions sessions, ConnectionManager connections)
{
    public const string Path = "/ws";

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Refuse(context, StatusCodes.Status426UpgradeRequired, WebSocketAdmission.UpgradeRequired).ConfigureAwait(false);
            return;
        }

        var admitted = await admission.AdmitAsync(UpgradeRequest.From(context.Request), context.RequestAborted).ConfigureAwait(false);
        if (!admitted.Admitted)
        {
            await Refuse(context, admitted.Status, admitted.Reason!).ConfigureAwait(false);
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
            if (admitted.AwaitsAuthFrame)
            {
                connections.EndPendingAuth();
            }

            throw;
        }

        await sessions.RunAsync(socket, admitted.Identity, admitted.AwaitsAuthFrame).ConfigureAwait(false);
    }

    private static Task Refuse(HttpContext context, int status, string reason)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(reason);
    }
}

using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Realtime.Server.Connections.Handshake;

/// <summary>
/// Kestrel connection middleware that answers a WebSocket upgrade arriving as a connection's first
/// request, below the HTTP layer. Through Kestrel's HTTP pipeline an upgraded request keeps its
/// HTTP/1.1 state (connection and request objects, header dictionaries, features, the upgrade
/// stream) for the socket's whole life, several KB per idle connection; from here the socket is
/// the transport's pipes and the WebSocket only.
/// <para>
/// It peeks without consuming: anything that is not a <c>GET</c> of the WebSocket path in the
/// first read goes on to Kestrel untouched, and the HTTP endpoint serves it (including upgrades
/// that arrive later on a kept-alive connection). Once the request line matches, this middleware
/// answers whatever follows, since the bytes it has examined cannot be handed back.
/// </para>
/// </summary>
public sealed class WebSocketHandshakeMiddleware(
    ConnectionDelegate next,
    KestrelServerLimits limits,
    WebSocketAdmission admission,
    WebSocketSessions sessions,
    ConnectionManager connections)
{
    public async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var headersTimeout = new CancellationTokenSource(limits.RequestHeadersTimeout);
        ReadResult read;
        try
        {
            read = await input.ReadAsync(headersTimeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // Silent for the whole header timeout: closed, as Kestrel would.
        }

        var parse = HandshakeParser.Parse(read.Buffer, WebSocketEndpoint.Path, out var head, out var end);
        if (parse is HandshakeParse.NotOurs or HandshakeParse.NotAnUpgrade)
        {
            // Nothing consumed or examined: Kestrel's HTTP parser reads the same bytes.
            input.AdvanceTo(read.Buffer.Start);
            await next(connection).ConfigureAwait(false);
            return;
        }

        while (parse == HandshakeParse.NeedMore)
        {
            if (read.IsCompleted || read.Buffer.Length > limits.MaxRequestHeadersTotalSize)
            {
                var tooLarge = !read.IsCompleted;
                input.AdvanceTo(read.Buffer.End);
                if (tooLarge)
                {
                    await HandshakeResponses.RefusalAsync(connection.Transport.Output, StatusCodes.Status431RequestHeaderFieldsTooLarge, "request headers too large").ConfigureAwait(false);
                }

                return;
            }

            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            try
            {
                read = await input.ReadAsync(headersTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            parse = HandshakeParser.Parse(read.Buffer, WebSocketEndpoint.Path, out head, out end);
        }

        // Bytes after the head (a client may send its first frame at once) stay for the WebSocket.
        input.AdvanceTo(end);
        if (parse != HandshakeParse.Upgrade)
        {
            await HandshakeResponses.RefusalAsync(connection.Transport.Output, StatusCodes.Status426UpgradeRequired, "a WebSocket upgrade is required").ConfigureAwait(false);
            return;
        }

        var admitted = await admission.AdmitAsync(head!.ToUpgradeRequest(), connection.ConnectionClosed).ConfigureAwait(false);
        if (!admitted.Admitted)
        {
            await HandshakeResponses.RefusalAsync(connection.Transport.Output, admitted.Status, admitted.Reason!).ConfigureAwait(false);
            return;
        }

        WebSocket socket;
        try
        {
            await HandshakeResponses.SwitchingProtocolsAsync(connection.Transport.Output, head).ConfigureAwait(false);
            // Protocol-level pings off: the app's own ping is visible to clients and sized to the ALB.
            socket = WebSocket.CreateFromStream(
                new DuplexPipeStream(connection.Transport),
                new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        }
        catch
        {
            connections.Release();
            throw;
        }

        using (socket)
        {
            await sessions.RunAsync(socket, admitted.Identity).ConfigureAwait(false);
            if (socket.State == WebSocketState.Aborted)
            {
                // Cut off (a peer that neither read nor closed): do not wait to flush what is left.
                connection.Abort(new ConnectionAbortedException("WebSocket aborted"));
            }
        }
    }
}

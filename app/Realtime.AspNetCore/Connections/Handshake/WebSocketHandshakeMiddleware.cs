using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Realtime.AspNetCore.Connections.Handshake;

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
        var (parse, head) = await ReadHeadAsync(connection).ConfigureAwait(false);
        switch (parse)
        {
            case HandshakeParse.NotOurs:
                await next(connection).ConfigureAwait(false);
                return;
            case HandshakeParse.NotAnUpgrade:
                await HandshakeResponses.RefusalAsync(connection.Transport.Output, StatusCodes.Status426UpgradeRequired, WebSocketAdmission.UpgradeRequired).ConfigureAwait(false);
                return;
            case HandshakeParse.Upgrade:
                break;
            default:
                return; // Timed out, cut short or too large: the connection closes.
        }

        var admitted = await admission.AdmitAsync(head!.Request, connection.ConnectionClosed).ConfigureAwait(false);
        if (!admitted.Admitted)
        {
            await HandshakeResponses.RefusalAsync(connection.Transport.Output, admitted.Status, admitted.Reason!).ConfigureAwait(false);
            return;
        }

        // A WebSocket counts against MaxConnections from here on, no longer against Kestrel's limit
        // of connections that are not WebSockets: as Kestrel does for an upgrade through HTTP.
        connection.Features.Get<IDecrementConcurrentConnectionCountFeature>()?.ReleaseConnection();

        WebSocket socket;
        var stream = new DuplexPipeStream(connection.Transport);
        try
        {
            await HandshakeResponses.SwitchingProtocolsAsync(connection.Transport.Output, head).ConfigureAwait(false);
            // Protocol-level pings off: the app's own ping is visible to clients and sized to the ALB.
            socket = WebSocket.CreateFromStream(
                stream,
                new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
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

        using (socket)
        {
            await sessions.RunAsync(socket, admitted.Identity, admitted.AwaitsAuthFrame, batching: stream).ConfigureAwait(false);
            if (socket.State == WebSocketState.Aborted)
            {
                // Cut off (a peer that neither read nor closed): do not wait to flush what is left.
                connection.Abort(new ConnectionAbortedException("WebSocket aborted"));
            }
        }
    }

    /// <summary>
    /// Reads the request head, within Kestrel's header timeout. <see cref="HandshakeParse.NotOurs"/>
    /// leaves every byte unread for Kestrel's HTTP parser (a first read that is not a whole upgrade
    /// of the path counts as not ours too); <see cref="HandshakeParse.Upgrade"/> and
    /// <see cref="HandshakeParse.NotAnUpgrade"/> consume the head; <see cref="HandshakeParse.NeedMore"/>
    /// means the connection must close (timed out, ended, or headers too large: answered 431).
    /// </summary>
    private async ValueTask<(HandshakeParse Parse, HandshakeHead? Head)> ReadHeadAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        // Disposed once the head is in: a timer per connection for the socket's whole life would be waste.
        using var headersTimeout = new CancellationTokenSource(limits.RequestHeadersTimeout);
        try
        {
            var read = await input.ReadAsync(headersTimeout.Token).ConfigureAwait(false);
            var parse = HandshakeParser.Parse(read.Buffer, WebSocketEndpoint.Path, out var head, out var end);
            if (parse is HandshakeParse.NotOurs or HandshakeParse.NotAnUpgrade)
            {
                // Nothing consumed or examined: Kestrel's HTTP parser reads the same bytes.
                input.AdvanceTo(read.Buffer.Start);
                return (HandshakeParse.NotOurs, null);
            }

            while (parse == HandshakeParse.NeedMore)
            {
                if (read.IsCompleted || read.Buffer.Length > limits.MaxRequestHeadersTotalSize)
                {
                    input.AdvanceTo(read.Buffer.End);
                    if (!read.IsCompleted)
                    {
                        await HandshakeResponses.RefusalAsync(connection.Transport.Output, StatusCodes.Status431RequestHeaderFieldsTooLarge, "request headers too large").ConfigureAwait(false);
                    }

                    return (HandshakeParse.NeedMore, null);
                }

                input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                read = await input.ReadAsync(headersTimeout.Token).ConfigureAwait(false);
                parse = HandshakeParser.Parse(read.Buffer, WebSocketEndpoint.Path, out head, out end);
            }

            // Bytes after the head (a client may send its first frame at once) stay for the WebSocket.
            input.AdvanceTo(end);
            return (parse, head);
        }
        catch (OperationCanceledException)
        {
            return (HandshakeParse.NeedMore, null); // Silent for the whole header timeout: closed, as Kestrel would.
        }
    }
}

using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Realtime.Client;

/// <summary>
/// One WebSocket to one node, for one connection's life: it connects with the token where the
/// options put it, reads whole JSON frames, and sends text frames one at a time (a WebSocket allows
/// one send at a time). What the frames mean is <see cref="RealtimeClient"/>'s business.
/// </summary>
internal sealed class ClientSocket : IDisposable
{
    private const int ReceiveBufferBytes = 64 * 1024;

    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    private ClientSocket(ClientWebSocket socket) => _socket = socket;

    public bool IsOpen => _socket.State == WebSocketState.Open;

    /// <summary>Opens a socket to <paramref name="endpoint"/>; throws <see cref="WebSocketException"/>, <see cref="HttpRequestException"/> or a cancellation when it cannot.</summary>
    public static async Task<ClientSocket> ConnectAsync(Uri endpoint, RealtimeClientOptions options, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.KeepAliveInterval = TimeSpan.Zero; // the server's JSON ping is the heartbeat
            if (options.TokenProvider is { } tokens && await tokens(cancellationToken).ConfigureAwait(false) is { Length: > 0 } token)
            {
                if (options.TokenTransport == TokenTransport.Query)
                {
                    endpoint = new Uri($"{endpoint}{(endpoint.Query.Length > 0 ? "&" : "?")}access_token={Uri.EscapeDataString(token)}");
                }
                else
                {
                    socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
                }
            }

            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            return new ClientSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Hands every frame to <paramref name="onFrame"/>, in order, until the socket ends; returns the
    /// close code (null when the connection broke without one) and the reason.
    /// </summary>
    public async Task<(int? CloseCode, string? Reason)> ReceiveAllAsync(Func<JsonElement, ValueTask> onFrame, CancellationToken cancellationToken)
    {
        var buffer = new byte[ReceiveBufferBytes];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return ((int?)_socket.CloseStatus, _socket.CloseStatusDescription);
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                using var document = JsonDocument.Parse(message.GetBuffer().AsMemory(0, (int)message.Length));
                message.SetLength(0);
                await onFrame(document.RootElement.Clone()).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or JsonException)
        {
            return ((int?)_socket.CloseStatus, e.Message);
        }
    }

    /// <summary>Sends one text frame; a socket that has gone becomes <c>disconnected</c>.</summary>
    public async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
        {
            throw new RealtimeException("disconnected", e.Message);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Starts a close (1000) without waiting for the answer, while the receive loop runs: the loop
    /// reads the server's close and ends the connection.
    /// </summary>
    public async Task CloseOutputAsync(string reason)
    {
        try
        {
            await _sendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, reason, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Already closing or gone: the receive loop ends either way.
        }
    }

    /// <summary>Says goodbye (1000) if the socket is still open, waiting at most <paramref name="timeout"/> for the server's answer.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        if (!IsOpen)
        {
            return;
        }

        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "client closed", cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // It went first: nothing left to say.
        }
    }

    /// <summary>
    /// The send lock is left alone: a request may still be about to send on a socket that has just
    /// ended, and it must get <c>disconnected</c>, not an <see cref="ObjectDisposedException"/> from
    /// the lock (which holds no wait handle, so there is nothing to free).
    /// </summary>
    public void Dispose() => _socket.Dispose();
}

using System.Net;
using System.Net.WebSockets;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// One raw upgrade and how it ended: accepted (the open socket, the caller's to close), refused
/// with a status, or cut at accept (status 0). A timeout reads as 408, which no server sends here.
/// </summary>
public sealed record UpgradeAttempt(ClientWebSocket? Socket, HttpStatusCode Status)
{
    public static async Task<UpgradeAttempt> TryAsync(Uri uri, TimeSpan timeout)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.CollectHttpResponseDetails = true;
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(uri, cancel.Token);
            return new UpgradeAttempt(socket, HttpStatusCode.SwitchingProtocols);
        }
        catch (Exception e) when (e is WebSocketException or IOException or HttpRequestException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return new UpgradeAttempt(null, status);
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            return new UpgradeAttempt(null, HttpStatusCode.RequestTimeout);
        }
    }

    /// <summary>The status an upgrade gets; an accepted socket is closed again at once.</summary>
    public static async Task<HttpStatusCode> StatusAsync(Uri uri, TimeSpan timeout)
    {
        var attempt = await TryAsync(uri, timeout);
        attempt.Socket?.Abort();
        attempt.Socket?.Dispose();
        return attempt.Status;
    }
}

using System.Buffers;
using System.Net.WebSockets;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Connections;

/// <summary>
/// The identity a client sends in its first frame (<c>{"type":"auth","token":"…"}</c>) after an
/// upgrade with <c>?auth=frame</c>: browsers cannot set headers on a WebSocket, and a token in the URL
/// would be kept by every access log on the way. Nothing is sent to the client before it.
/// </summary>
public sealed class AuthFrameReader(Identity.TokenValidator tokens)
{
    /// <summary>The identity (null: anonymous, on a server that checks no tokens), or why the connection must close (1008).</summary>
    /// <param name="Closed">The close was sent already.</param>
    public readonly record struct Outcome(Identity.Identity? Identity, string? Refusal, bool Closed = false);

    public async Task<Outcome> ReadAsync(WebSocket socket, int maxBytes, TimeSpan timeout)
    {
        var limit = Math.Min(maxBytes, 16 * 1024);
        var buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        var receiving = ReceiveAsync(socket, buffer, limit);
        try
        {
            if (await Task.WhenAny(receiving, Task.Delay(timeout)).ConfigureAwait(false) != receiving)
            {
                // Say why; the pending read ends with the peer's answer to the close (or with the socket,
                // cut if none comes), and only then is the buffer free.
                await CloseAsync(socket, "no auth frame in time").ConfigureAwait(false);
                if (await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false) != receiving)
                {
                    socket.Abort();
                }

                await receiving.ConfigureAwait(false);
                return new Outcome(null, "no auth frame in time", Closed: true);
            }

            var count = await receiving.ConfigureAwait(false);
            if (count < 0)
            {
                return new Outcome(null, "the first frame must be an auth frame (text, at most 16 KiB)");
            }

            var parsed = FrameParser.Parse(buffer.AsMemory(0, count));
            if (parsed.Frame is not { Type: "auth" } frame || string.IsNullOrEmpty(frame.Token))
            {
                return new Outcome(null, "the first frame must be {\"type\":\"auth\",\"token\":…}");
            }

            if (!tokens.Enabled)
            {
                return new Outcome(null, null); // this server checks no tokens: the connection is anonymous
            }

            var check = await tokens.ValidateAsync(frame.Token, CancellationToken.None).ConfigureAwait(false);
            return check.Identity is { } identity ? new Outcome(identity, null) : new Outcome(null, check.Error);
        }
        finally
        {
            if (receiving.IsCompleted)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>A close frame's reason holds at most 123 bytes of UTF-8: longer ones are cut (at a character).</summary>
    public static string FitCloseReason(string reason)
    {
        const int Max = 123;
        if (System.Text.Encoding.UTF8.GetByteCount(reason) <= Max)
        {
            return reason;
        }

        var cut = reason.Length;
        while (System.Text.Encoding.UTF8.GetByteCount(reason.AsSpan(0, cut)) > Max - 3 || char.IsHighSurrogate(reason[cut - 1]))
        {
            cut--;
        }

        return reason[..cut] + "…";
    }

    /// <summary>Close (1008 unless told otherwise) with the reason; a peer that is gone already is fine.</summary>
    public static async Task CloseAsync(WebSocket socket, string reason, WebSocketCloseStatus status = CloseCodes.Policy)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync(status, FitCloseReason(reason), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone already.
        }
    }

    /// <summary>One whole text message into <paramref name="buffer"/>; -1 for anything else (binary, close, too big).</summary>
    private static async Task<int> ReceiveAsync(WebSocket socket, byte[] buffer, int limit)
    {
        var count = 0;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(count, limit + 1 - count), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType != WebSocketMessageType.Text)
                {
                    return -1;
                }

                count += result.Count;
                if (result.EndOfMessage)
                {
                    return count;
                }

                if (count > limit)
                {
                    return -1;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            return -1;
        }
    }
}

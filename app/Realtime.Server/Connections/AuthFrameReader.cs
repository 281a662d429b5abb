using System.Buffers;
using System.Net.WebSockets;
using Realtime.Server.Protocol;

namespace Realtime.Server.Connections;

/// <summary>
/// The identity a client sends in its first frame (<c>{"type":"auth","token":"…"}</c>) after an
/// upgrade with <c>?auth=frame</c>: browsers cannot set headers on a WebSocket, and a token in the URL
/// would be kept by every access log on the way. Nothing is sent to the client before it.
/// </summary>
public sealed class AuthFrameReader(Identity.TokenValidator tokens)
{
    /// <summary>The identity (null: anonymous, on a server that checks no tokens), or why the connection must close (1008).</summary>
    public readonly record struct Outcome(Identity.Identity? Identity, string? Refusal);

    public async Task<Outcome> ReadAsync(WebSocket socket, int maxBytes, TimeSpan timeout)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes, 16 * 1024) + 1);
        try
        {
            var count = 0;
            var receiving = ReceiveAsync(socket, buffer);
            if (await Task.WhenAny(receiving, Task.Delay(timeout)).ConfigureAwait(false) != receiving)
            {
                return new Outcome(null, "no auth frame in time");
            }

            count = await receiving.ConfigureAwait(false);
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
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>One whole text message into <paramref name="buffer"/>; -1 for anything else (binary, close, too big).</summary>
    private static async Task<int> ReceiveAsync(WebSocket socket, byte[] buffer)
    {
        var count = 0;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType != WebSocketMessageType.Text)
                {
                    return -1;
                }

                count += result.Count;
                if (result.EndOfMessage)
                {
                    return count;
                }

                if (count == buffer.Length)
                {
                    return -1;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            return -1;
        }
    }
}

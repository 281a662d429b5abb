using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Realtime.AspNetCore.Connections.Handshake;

/// <summary>The two answers to an upgrade written below HTTP: 101 with the accept key, or a refusal that closes the connection.</summary>
internal static class HandshakeResponses
{
    public static ValueTask<FlushResult> SwitchingProtocolsAsync(PipeWriter output, HandshakeHead head)
    {
        output.Write(Encoding.ASCII.GetBytes(
            "HTTP/1.1 101 Switching Protocols\r\n" +
            "Connection: Upgrade\r\n" +
            "Upgrade: websocket\r\n" +
            $"Sec-WebSocket-Accept: {head.AcceptKey()}\r\n\r\n"));
        return output.FlushAsync();
    }

    public static ValueTask<FlushResult> RefusalAsync(PipeWriter output, int status, string reason)
    {
        var body = Encoding.UTF8.GetBytes(reason);
        var versionHint = status == StatusCodes.Status426UpgradeRequired ? "Sec-WebSocket-Version: 13\r\n" : "";
        output.Write(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            $"Content-Length: {body.Length}\r\n" +
            versionHint +
            "Connection: close\r\n\r\n"));
        output.Write(body);
        return output.FlushAsync();
    }
}

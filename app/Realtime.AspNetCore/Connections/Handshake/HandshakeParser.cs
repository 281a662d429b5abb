using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Realtime.AspNetCore.Connections.Handshake;

/// <summary>What the first bytes of a connection are, as far as the WebSocket path is concerned.</summary>
public enum HandshakeParse
{
    /// <summary>Not a <c>GET</c> of the path over HTTP/1.1, or its request line has not arrived whole.</summary>
    NotOurs,

    /// <summary>A <c>GET</c> of the path whose headers have not all arrived.</summary>
    NeedMore,

    /// <summary>A <c>GET</c> of the path that is not a valid WebSocket upgrade (no upgrade headers, wrong version, a body).</summary>
    NotAnUpgrade,

    /// <summary>A valid WebSocket upgrade of the path.</summary>
    Upgrade,
}

/// <summary>
/// Reads an HTTP/1.1 WebSocket upgrade request head (RFC 6455 §4.2.1) from a connection's first
/// bytes. Strict on purpose: anything unusual is <see cref="HandshakeParse.NotOurs"/> or
/// <see cref="HandshakeParse.NotAnUpgrade"/>, and Kestrel's own HTTP parser gets it instead.
/// </summary>
public static class HandshakeParser
{
    public static HandshakeParse Parse(ReadOnlySequence<byte> buffer, string path, out HandshakeHead? head, out SequencePosition end)
    {
        head = null;
        end = buffer.Start;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> lineBytes, "\r\n"u8) || lineBytes.Length > 8 * 1024)
        {
            return HandshakeParse.NotOurs;
        }

        var line = Encoding.Latin1.GetString(lineBytes);
        if (!line.StartsWith("GET ", StringComparison.Ordinal) || !line.EndsWith(" HTTP/1.1", StringComparison.Ordinal))
        {
            return HandshakeParse.NotOurs;
        }

        var target = line["GET ".Length..^" HTTP/1.1".Length];
        var queryStart = target.IndexOf('?', StringComparison.Ordinal);
        var targetPath = queryStart < 0 ? target : target[..queryStart];
        if (!string.Equals(targetPath, path, StringComparison.OrdinalIgnoreCase))
        {
            return HandshakeParse.NotOurs;
        }

        ReadOnlySequence<byte> headerBytes;
        if (reader.IsNext("\r\n"u8, advancePast: true))
        {
            headerBytes = ReadOnlySequence<byte>.Empty;
        }
        else if (!reader.TryReadTo(out headerBytes, "\r\n\r\n"u8))
        {
            return HandshakeParse.NeedMore;
        }

        end = reader.Position;
        var headers = ParseHeaders(Encoding.Latin1.GetString(headerBytes));
        if (headers is null
            || !HasToken(headers, "Upgrade", "websocket")
            || !HasToken(headers, "Connection", "upgrade")
            || Value(headers, "Sec-WebSocket-Version") != "13"
            || Value(headers, "Sec-WebSocket-Key") is not { } key || !IsNonce(key)
            || headers.ContainsKey("Transfer-Encoding")
            || (Value(headers, "Content-Length") is { } length && length != "0"))
        {
            return HandshakeParse.NotAnUpgrade;
        }

        var query = queryStart < 0 ? null : QueryHelpers.ParseNullableQuery(target[queryStart..]);
        var accessToken = query is not null && query.TryGetValue("access_token", out var token) ? token.ToString() : null;
        var authInFrame = query is not null && query.TryGetValue("auth", out var auth) && auth == "frame";
        head = new HandshakeHead(key, new UpgradeRequest(Value(headers, "Origin"), Value(headers, "Host"), accessToken, Value(headers, "Authorization"), authInFrame));
        return HandshakeParse.Upgrade;
    }

    /// <summary>Header name → values joined with ", " (RFC 9110 §5.3); null when a line is malformed or folded.</summary>
    private static Dictionary<string, string>? ParseHeaders(string block)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (block.Length == 0)
        {
            return headers;
        }

        foreach (var line in block.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[0] is ' ' or '\t' || line[colon - 1] is ' ' or '\t')
            {
                return null;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(' ', '\t');
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
        }

        return headers;
    }

    private static string? Value(Dictionary<string, string> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value : null;

    private static bool HasToken(Dictionary<string, string> headers, string name, string token) =>
        Value(headers, name) is { } value
        && value.Split(',', StringSplitOptions.TrimEntries).Contains(token, StringComparer.OrdinalIgnoreCase);

    /// <summary>The key must be a base64 16-byte nonce (RFC 6455 §4.1).</summary>
    private static bool IsNonce(string key)
    {
        Span<byte> bytes = stackalloc byte[18];
        return Convert.TryFromBase64String(key, bytes, out var written) && written == 16;
    }
}

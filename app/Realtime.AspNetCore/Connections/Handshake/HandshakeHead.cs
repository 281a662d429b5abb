using System.Security.Cryptography;
using System.Text;

namespace Realtime.AspNetCore.Connections.Handshake;

/// <summary>A WebSocket upgrade request (RFC 6455 §4.2.1): its key, and what admission reads.</summary>
public sealed record HandshakeHead(string Key, UpgradeRequest Request)
{
    /// <summary>Sec-WebSocket-Accept: base64(SHA-1(key + the RFC's GUID)), which proves the server read this handshake.</summary>
    public string AcceptKey()
    {
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 here; it proves freshness, not secrecy.
        var hash = SHA1.HashData(Encoding.ASCII.GetBytes(Key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
#pragma warning restore CA5350
        return Convert.ToBase64String(hash);
    }
}

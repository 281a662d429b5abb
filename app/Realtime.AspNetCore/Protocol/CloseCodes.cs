using System.Net.WebSockets;

namespace Realtime.AspNetCore.Protocol;

/// <summary>WebSocket close codes of protocol v1 (docs/protocol.md).</summary>
public static class CloseCodes
{
    public const WebSocketCloseStatus Normal = WebSocketCloseStatus.NormalClosure;                 // 1000
    public const WebSocketCloseStatus BinaryFrame = WebSocketCloseStatus.InvalidMessageType;       // 1003
    public const WebSocketCloseStatus Policy = WebSocketCloseStatus.PolicyViolation;               // 1008
    public const WebSocketCloseStatus TooBig = WebSocketCloseStatus.MessageTooBig;                 // 1009

    /// <summary>Service restart: the node is draining; reconnect (to another node).</summary>
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;

    /// <summary>Try again later: overload or a receiver too slow to keep up.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;
}

namespace Realtime.AspNetCore.Connections;

/// <summary>Values of the <c>reason</c> tag of <c>realtime.connections.refused</c>.</summary>
public static class RefusalReason
{
    /// <summary>The node holds <c>MaxConnections</c> WebSockets: 503 before the upgrade.</summary>
    public const string Limit = "limit";

    /// <summary><c>Auth:MaxPendingFrames</c> connections already wait for their auth frame: 503.</summary>
    public const string PendingAuth = "pending_auth";

    /// <summary>The heap passed <c>Overload:MemoryHighPercent</c> of the memory limit: 503.</summary>
    public const string Memory = "memory";

    /// <summary><c>Overload:MaxPendingConnections</c> non-WebSocket connections are open: closed by Kestrel at accept.</summary>
    public const string Accept = "accept";
}

namespace Realtime.AspNetCore.Overload;

/// <summary>
/// <c>Realtime:Overload</c>: what a node may hold besides its WebSockets, and when it sheds load.
/// Together with <c>Realtime:MaxConnections</c> these make the node's budget (docs/operations.md, "Overload").
/// </summary>
public sealed class OverloadOptions
{
    /// <summary>
    /// Open files the node needs besides its connections: loaded assemblies (two each, about 240 at
    /// idle), the Redis links, logs, epoll and pipes. Measured: 243 for an idle node with Redis.
    /// </summary>
    public int ReservedFileDescriptors { get; set; } = 512;

    /// <summary>
    /// TCP connections that are not WebSockets (yet): handshakes in progress, HTTP requests, health
    /// probes, sockets that never send. Kestrel's <c>MaxConcurrentConnections</c>; beyond it a new
    /// connection is closed as soon as it is accepted.
    /// </summary>
    public int MaxPendingConnections { get; set; } = 500;

    /// <summary>
    /// Share of the memory limit (percent) the managed heap may reach before the node refuses new
    /// upgrades and closes its slowest receivers.
    /// </summary>
    public int MemoryHighPercent { get; set; } = 70;

    /// <summary>Share of the memory limit (percent) the heap must fall under before upgrades are accepted again.</summary>
    public int MemoryLowPercent { get; set; } = 60;
}

namespace Realtime.AspNetCore.Connections;

/// <summary>
/// A WebSocket's stream that can hold writes back: while <see cref="DeferFlush"/> is set, frames are
/// written to the transport without a flush, and the next write made without it flushes them all
/// in one transport write. Only the connection's sender sets it.
/// </summary>
public interface IFrameBatching
{
    bool DeferFlush { get; set; }

    /// <summary>Hands what was written to the transport (the sender's last resort when it stops mid-batch).</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

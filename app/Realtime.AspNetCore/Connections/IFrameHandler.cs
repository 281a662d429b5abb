namespace Realtime.AspNetCore.Connections;

/// <summary>What a connection does with each complete text frame it receives.</summary>
public interface IFrameHandler
{
    ValueTask HandleAsync(RealtimeConnection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

    /// <summary>The connection has ended: release what it held (subscriptions).</summary>
    ValueTask ClosedAsync(RealtimeConnection connection);
}

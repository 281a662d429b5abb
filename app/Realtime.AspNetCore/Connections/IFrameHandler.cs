namespace Realtime.AspNetCore.Connections;

/// <summary>
/// What the application does with one connection: it is opened when the connection starts and fed
/// each complete text frame, one at a time, from the connection's receive loop.
/// </summary>
public interface IFrameHandler
{
    ValueTask HandleAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

    /// <summary>The connection has ended: release what it held (subscriptions, presence, claims).</summary>
    ValueTask ClosedAsync();
}

/// <summary>Opens the application's handler for each new connection (the transport knows nothing of what it holds).</summary>
public interface IFrameHandlerFactory
{
    IFrameHandler Open(RealtimeConnection connection);
}

namespace Realtime.Bench.Protocols;

/// <summary>
/// Socket.IO 4 over Engine.IO v4, WebSocket transport only: open packet "0{…}", namespace connect
/// "40", events "42[…]"; the server's ping "2" is answered with "3".
/// </summary>
public sealed class SocketIoProtocol : BenchConnection
{
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override Uri Endpoint(Uri server) => new(server, "/socket.io/?EIO=4&transport=websocket");

    protected override async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        await SendAsync("40", cancellationToken).ConfigureAwait(false);
        await _connected.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
    }

    public override Task SubscribeAsync(string channel, CancellationToken cancellationToken) =>
        SendAsync($$"""42["subscribe","{{channel}}"]""", cancellationToken);

    public override Task PublishAsync(string channel, long timestamp, CancellationToken cancellationToken) =>
        SendAsync($$"""42["publish","{{channel}}",{"t":{{timestamp}}}]""", cancellationToken);

    protected override void OnFrame(ReadOnlySpan<byte> frame)
    {
        if (frame.StartsWith("42[\"message\""u8))
        {
            Delivered(frame);
        }
        else if (frame.SequenceEqual("2"u8))
        {
            SendInBackground("3");
        }
        else if (frame.StartsWith("40"u8))
        {
            _connected.TrySetResult();
        }
    }
}

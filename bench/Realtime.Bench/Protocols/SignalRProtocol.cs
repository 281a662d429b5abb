namespace Realtime.Bench.Protocols;

/// <summary>
/// ASP.NET Core SignalR's JSON hub protocol over a WebSocket without negotiation: a handshake,
/// then records ending in 0x1E (several may share one frame); pings (type 6) are answered.
/// </summary>
public sealed class SignalRProtocol : BenchConnection
{
    private const char Separator = '\u001e';
    private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override Uri Endpoint(Uri server) => new(server, "/hub");

    protected override async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        await SendAsync($$"""{"protocol":"json","version":1}{{Separator}}""", cancellationToken).ConfigureAwait(false);
        await _handshake.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
    }

    public override Task SubscribeAsync(string channel, CancellationToken cancellationToken) =>
        SendAsync($$"""{"type":1,"target":"Subscribe","arguments":["{{channel}}"]}{{Separator}}""", cancellationToken);

    public override Task PublishAsync(string channel, long timestamp, CancellationToken cancellationToken) =>
        SendAsync($$"""{"type":1,"target":"Publish","arguments":["{{channel}}",{"t":{{timestamp}}}]}{{Separator}}""", cancellationToken);

    protected override void OnFrame(ReadOnlySpan<byte> frame)
    {
        while (!frame.IsEmpty)
        {
            var end = frame.IndexOf((byte)Separator);
            var record = end < 0 ? frame : frame[..end];
            if (record.StartsWith("{\"type\":1,\"target\":\"message\""u8))
            {
                Delivered(record);
            }
            else if (record.StartsWith("{\"type\":6"u8))
            {
                SendInBackground($$"""{"type":6}{{Separator}}""");
            }
            else if (record.SequenceEqual("{}"u8))
            {
                _handshake.TrySetResult();
            }

            frame = end < 0 ? default : frame[(end + 1)..];
        }
    }
}

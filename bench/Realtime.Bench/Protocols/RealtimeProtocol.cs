namespace Realtime.Bench.Protocols;

/// <summary>Ours: protocol v1 (docs/protocol.md).</summary>
public sealed class RealtimeProtocol : BenchConnection
{
    protected override Uri Endpoint(Uri server) => new(server, "/ws");

    /// <summary>Fields written before the timestamp in each publish's data (H's chat hook wants a name and text).</summary>
    public string DataPrefix { get; init; } = "";

    public override Task SubscribeAsync(string channel, CancellationToken cancellationToken) =>
        SendAsync($$"""{"type":"subscribe","channel":"{{channel}}"}""", cancellationToken);

    public override Task PublishAsync(string channel, long timestamp, CancellationToken cancellationToken) =>
        SendAsync($$$"""{"type":"publish","channel":"{{{channel}}}","data":{{{{DataPrefix}}}"t":{{{timestamp}}}}}""", cancellationToken);

    protected override void OnFrame(ReadOnlySpan<byte> frame)
    {
        if (frame.StartsWith("{\"type\":\"message\""u8))
        {
            Delivered(frame);
        }
        else if (frame.StartsWith("{\"type\":\"ping\""u8))
        {
            SendInBackground("""{"type":"pong"}""");
        }
    }
}

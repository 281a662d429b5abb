using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using HdrHistogram;

namespace Realtime.Bench;

/// <summary>
/// Fan-out: N subscribers of one channel spread over the given nodes, one publisher on the first
/// node at a fixed rate (open loop). Each payload carries its send time; each subscriber records
/// arrival minus send time. Reports deliveries/s, loss and latency percentiles.
/// </summary>
public static class FanOut
{
    public sealed record Result(int Subscribers, int Rate, int Seconds, long Expected, long Delivered,
        double DeliveriesPerSecond, double P50, double P90, double P99, double P999, double Max);

    public static async Task<Result> RunAsync(Uri[] nodes, int subscribers, int rate, int seconds, CancellationToken cancellationToken)
    {
        var channel = $"bench:{Guid.NewGuid():N}";
        var histogram = new LongConcurrentHistogram(1, TimeStamp.Hours(1), 3);
        long delivered = 0;
        var sockets = new List<ClientWebSocket>();
        var readers = new List<Task>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        for (var i = 0; i < subscribers; i++)
        {
            var socket = await ConnectAsync(nodes[i % nodes.Length], cancellationToken);
            await SendAsync(socket, $$"""{"type":"subscribe","channel":"{{channel}}","ref":1}""", cancellationToken);
            sockets.Add(socket);
            readers.Add(Task.Run(() => ReadAsync(socket, histogram, () => Interlocked.Increment(ref delivered), stop.Token), CancellationToken.None));
        }

        await Task.Delay(1000, cancellationToken); // let every subscribe land
        var publisher = await ConnectAsync(nodes[0], cancellationToken);
        var publisherReader = Task.Run(() => DrainAsync(publisher, stop.Token), CancellationToken.None);

        var total = rate * seconds;
        var clock = Stopwatch.StartNew();
        for (var n = 0; n < total; n++)
        {
            // Open loop: message n is due at n / rate seconds, whatever happened before.
            var due = TimeSpan.FromSeconds((double)n / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            var sent = Stopwatch.GetTimestamp();
            var frame = string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"publish\",\"channel\":\"{channel}\",\"data\":{{\"t\":{sent}}}}}");
            await SendAsync(publisher, frame, cancellationToken);
        }

        var expected = (long)total * subscribers;
        var deadline = Stopwatch.StartNew();
        while (Interlocked.Read(ref delivered) < expected && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50, cancellationToken);
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        foreach (var socket in sockets.Append(publisher))
        {
            socket.Abort();
            socket.Dispose();
        }

        await Task.WhenAll(readers.Append(publisherReader)).ContinueWith(_ => { }, TaskScheduler.Default);
        var count = Interlocked.Read(ref delivered);
        double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) / (double)TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerSecond / Stopwatch.Frequency;
        return new Result(subscribers, rate, seconds, expected, count, count / elapsed,
            Ms(50), Ms(90), Ms(99), Ms(99.9), histogram.GetMaxValue() * 1000.0 / Stopwatch.Frequency);
    }

    private static async Task<ClientWebSocket> ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(uri, cancellationToken);
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string json, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, cancellationToken);

    private static async Task ReadAsync(ClientWebSocket socket, LongConcurrentHistogram histogram, Action counted, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var now = Stopwatch.GetTimestamp();
                var reader = new Utf8JsonReader(buffer.AsSpan(0, result.Count));
                if (TryReadSendTime(ref reader, out var sent))
                {
                    histogram.RecordValue(Math.Max(1, now - sent));
                    counted();
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task DrainAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Finds <c>"type":"message"</c> … <c>"data":{"t":N}</c> without building a document.</summary>
    private static bool TryReadSendTime(ref Utf8JsonReader reader, out long sent)
    {
        sent = 0;
        var isMessage = false;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
            {
                continue;
            }

            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                isMessage = reader.ValueTextEquals("message"u8);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("t"u8))
                    {
                        reader.Read();
                        sent = reader.GetInt64();
                    }
                }
            }
        }

        return isMessage && sent != 0;
    }
}

using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace Realtime.Bench.Protocols;

/// <summary>
/// One client connection of the load generator, on a raw <see cref="ClientWebSocket"/>: each
/// protocol adds its handshake and framing. Lean on purpose: the generator shares the machine with
/// the servers, so it must not be the bottleneck it measures.
/// </summary>
public abstract class BenchConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task? _receiving;

    protected BenchConnection()
    {
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
    }

    /// <summary>Called with the sender's timestamp (Stopwatch ticks) of every message delivered to this connection.</summary>
    public Action<long>? OnMessage { get; set; }

    /// <param name="invoker">Opens the TCP connection (one bound to a chosen source address); the default otherwise.</param>
    public async Task ConnectAsync(Uri server, CancellationToken cancellationToken, HttpMessageInvoker? invoker = null)
    {
        var uri = new UriBuilder(Endpoint(server)) { Scheme = "ws" }.Uri;
        if (invoker is null)
        {
            await _socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _socket.ConnectAsync(uri, invoker, cancellationToken).ConfigureAwait(false);
        }

        _receiving = Task.Run(() => ReceiveLoopAsync(cancellationToken), CancellationToken.None);
        await HandshakeAsync(cancellationToken).ConfigureAwait(false);
    }

    public abstract Task SubscribeAsync(string channel, CancellationToken cancellationToken);

    /// <summary>Publishes <c>{"t":timestamp}</c> to the channel.</summary>
    public abstract Task PublishAsync(string channel, long timestamp, CancellationToken cancellationToken);

    protected abstract Uri Endpoint(Uri server);

    protected virtual Task HandshakeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One complete text frame from the server.</summary>
    protected abstract void OnFrame(ReadOnlySpan<byte> frame);

    protected async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends without waiting (answers to pings from the receive loop).</summary>
    protected void SendInBackground(string text) => _ = SendAsync(text, CancellationToken.None).ContinueWith(static _ => { }, TaskScheduler.Default);

    /// <summary>The number after the last <c>"t":</c> in a frame: the payload's send timestamp.</summary>
    protected static bool TryReadTimestamp(ReadOnlySpan<byte> frame, out long timestamp)
    {
        timestamp = 0;
        var at = frame.LastIndexOf("\"t\":"u8);
        if (at < 0)
        {
            return false;
        }

        var digits = frame[(at + 4)..];
        var length = 0;
        while (length < digits.Length && (uint)(digits[length] - '0') <= 9)
        {
            timestamp = (timestamp * 10) + (digits[length] - '0');
            length++;
        }

        return length > 0;
    }

    protected void Delivered(ReadOnlySpan<byte> frame)
    {
        if (OnMessage is { } handler && TryReadTimestamp(frame, out var sent))
        {
            handler(sent);
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var result = await _socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                count += result.Count;
                if (result.EndOfMessage)
                {
                    OnFrame(buffer.AsSpan(0, count));
                    count = 0;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        if (_receiving is not null)
        {
            await _receiving.ConfigureAwait(false);
        }

        _socket.Dispose();
        _sendLock.Dispose();
        GC.SuppressFinalize(this);
    }
}

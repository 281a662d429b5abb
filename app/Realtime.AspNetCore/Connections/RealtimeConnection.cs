using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Connections;

/// <summary>Limits and timing one connection runs with (from <c>RealtimeOptions</c>).</summary>
public sealed record ConnectionSettings(int MaxMessageBytes, int SendQueueCapacity, TimeSpan CloseTimeout);

/// <summary>
/// One WebSocket: a receive loop that reassembles text frames (bounded in size) and hands them to
/// the frame handler, and a send loop fed by a bounded queue, since a WebSocket allows one send
/// and one receive at a time. Anyone may queue a frame or ask for a close; only the send loop
/// writes to the socket. A receiver whose queue is full is closed with 1013 instead of growing memory.
/// </summary>
public sealed class RealtimeConnection : Channels.IFrameReceiver, IDisposable
{
    private const int InitialReceiveBuffer = 4 * 1024;

    private readonly WebSocket _socket;
    private readonly ConnectionSettings _settings;
    private readonly TimeProvider _time;
    private readonly Channel<ReadOnlyMemory<byte>> _queue;
    private readonly CancellationTokenSource _closeTimeout = new();
    private long _lastReceived;
    private long _queuedBytes;
    private int _closeRequested;
    private volatile bool _discardQueue;
    private WebSocketCloseStatus _closeStatus = CloseCodes.Normal;
    private string _closeReason = "";

    public RealtimeConnection(string id, WebSocket socket, ConnectionSettings settings, TimeProvider time)
    {
        Id = id;
        _socket = socket;
        _settings = settings;
        _time = time;
        _lastReceived = time.GetTimestamp();
        _queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(settings.SendQueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // never used to wait: TryWrite fails instead
        });
    }

    public string Id { get; }

    /// <summary>The signed-in user, or null for an anonymous connection.</summary>
    public string? User { get; init; }

    /// <summary>When the connection's token expires; it is closed with 1008 then unless refreshed.</summary>
    public DateTimeOffset? TokenExpiresAt { get; set; }

    public bool IsClosing => Volatile.Read(ref _closeRequested) != 0;

    /// <summary>Bytes of frames queued and not yet written to the socket: how far behind this receiver is.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>Time since the client last sent anything.</summary>
    public TimeSpan Silence => _time.GetElapsedTime(Interlocked.Read(ref _lastReceived));

    /// <summary>Raised once, when the connection is closed for falling behind (for metrics).</summary>
    public event Action<RealtimeConnection>? SlowConsumer;

    /// <summary>
    /// Queues a frame. When the queue is full the receiver is too slow: it is closed with 1013 (it
    /// resumes by offset elsewhere) and the frame is dropped. Returns false when not queued.
    /// </summary>
    public bool TrySend(ReadOnlyMemory<byte> frame)
    {
        if (TryQueue(frame))
        {
            return true;
        }

        CloseTooSlow();
        return false;
    }

    /// <summary>
    /// Closes with 1013 for falling behind (a full send queue, or more held during a resume than a
    /// queue holds), dropping what is queued; raises <see cref="SlowConsumer"/> once, whichever found it.
    /// </summary>
    public void CloseTooSlow()
    {
        if (!IsClosing && Close(CloseCodes.TryAgainLater, "receiver too slow", discardQueue: true))
        {
            SlowConsumer?.Invoke(this);
        }
    }

    /// <summary>
    /// Queues a frame, waiting while the queue is full (replay sends more than a queue holds). A
    /// receiver that does not make room within the close timeout is closed with 1013.
    /// </summary>
    public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (TryQueue(frame))
        {
            return true;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.CloseTimeout);
        try
        {
            await _queue.Writer.WriteAsync(frame, timeout.Token).ConfigureAwait(false);
            Interlocked.Add(ref _queuedBytes, frame.Length);

            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TrySend(frame);
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Queues a frame and counts its bytes: one addition per frame on the fan-out path. The send loop
    /// may take the frame before it is counted, so the count can dip below zero for a moment; only
    /// the memory guard reads it, to rank backlogs of many kilobytes.
    /// </summary>
    private bool TryQueue(ReadOnlyMemory<byte> frame)
    {
        if (!_queue.Writer.TryWrite(frame))
        {
            return false;
        }

        Interlocked.Add(ref _queuedBytes, frame.Length);
        return true;
    }

    /// <summary>
    /// Asks the client to go elsewhere (a drain, a rebalance): <c>reconnect</c>, then close 1012 once
    /// the frames queued before it are sent. Returns false when the connection was closing already.
    /// </summary>
    public bool AskToReconnect(string reason)
    {
        if (IsClosing)
        {
            return false;
        }

        TrySend(ServerFrames.Reconnect);
        return Close(CloseCodes.ServiceRestart, reason, discardQueue: false);
    }

    /// <summary>
    /// Asks for a close with <paramref name="status"/>. With <paramref name="discardQueue"/> the
    /// frames still queued are dropped; otherwise they are sent first (drain: the reconnect frame
    /// precedes the close). Returns false if a close was already requested.
    /// </summary>
    public bool Close(WebSocketCloseStatus status, string reason, bool discardQueue)
    {
        if (Interlocked.CompareExchange(ref _closeRequested, 1, 0) != 0)
        {
            return false;
        }

        _closeStatus = status;
        _closeReason = reason;
        _discardQueue = discardQueue;
        _queue.Writer.TryComplete();
        try
        {
            // A peer that neither reads nor answers the close is cut off after the timeout.
            _closeTimeout.CancelAfter(_settings.CloseTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The connection has already ended.
        }

        return true;
    }

    /// <summary>
    /// Runs both loops until the connection ends. Nothing here follows the host's stopping token: the
    /// host fires it before the drain runs, and a read or write tied to it would cut every client that
    /// talks during the drain instead of letting the drain say goodbye. A connection ends when the
    /// peer leaves, when it is closed (drain included), or when its close timeout aborts it.
    /// </summary>
    public async Task RunAsync(IFrameHandler handler)
    {
        using var abortOnTimeout = _closeTimeout.Token.Register(static s => ((WebSocket)s!).Abort(), _socket);
        var sending = SendLoopAsync();
        try
        {
            await ReceiveLoopAsync(handler, _closeTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The peer vanished or the socket was aborted: nothing left to say to it.
        }
        finally
        {
            Close(CloseCodes.Normal, "", discardQueue: true);
            await sending.ConfigureAwait(false);
            await handler.ClosedAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => _closeTimeout.Dispose();

    /// <param name="aborted">Fires when the close timeout gives up on the peer; requests in progress stop then.</param>
    private async Task ReceiveLoopAsync(IFrameHandler handler, CancellationToken aborted)
    {
        while (true)
        {
            // Between messages the connection holds no buffer: a zero-byte receive waits for the
            // next frame's header. Idle sockets are most of a node's connections.
            // No cancellation token: it would register a callback per receive on every idle socket;
            // at shutdown the drain closes each connection, and the server aborts what remains.
            var result = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Exchange(ref _lastReceived, _time.GetTimestamp());
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            if (result.MessageType == WebSocketMessageType.Binary && !IsClosing)
            {
                Close(CloseCodes.BinaryFrame, "binary frames are not supported", discardQueue: true);
            }

            var buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
            var count = 0;
            try
            {
                while (!result.EndOfMessage)
                {
                    if (count == buffer.Length)
                    {
                        buffer = Grow(buffer, count);
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                    Interlocked.Exchange(ref _lastReceived, _time.GetTimestamp());
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    count += result.Count;
                    if (count > _settings.MaxMessageBytes)
                    {
                        // Say so at once; the rest of the frame is read and dropped until the peer
                        // answers the close (or the close timeout cuts it off).
                        Close(CloseCodes.TooBig, $"frame larger than {_settings.MaxMessageBytes} bytes", discardQueue: true);
                        count = 0;
                    }
                }

                if (!IsClosing)
                {
                    await handler.HandleAsync(buffer.AsMemory(0, count), aborted).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private byte[] Grow(byte[] buffer, int used)
    {
        // One byte past the limit is enough to tell that a frame is too big.
        var size = Math.Min(buffer.Length * 2, _settings.MaxMessageBytes + 1);
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(size, buffer.Length + 1));
        buffer.AsSpan(0, used).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    private async Task SendLoopAsync()
    {
        try
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (!_discardQueue && reader.TryRead(out var frame))
                {
                    Interlocked.Add(ref _queuedBytes, -frame.Length);
                    // No token: it would register and unregister a callback on every send. A send stuck
                    // on a reader that never reads ends when the close timeout aborts the socket.
                    await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
                }

                if (_discardQueue)
                {
                    break;
                }
            }

            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The socket is gone; the receive loop ends with it.
        }
    }
}

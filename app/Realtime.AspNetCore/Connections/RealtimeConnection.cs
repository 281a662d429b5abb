using System.Buffers;
using System.Net.WebSockets;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Connections;

/// <summary>Limits and timing one connection runs with (from <c>RealtimeOptions</c>).</summary>
public sealed record ConnectionSettings(int MaxMessageBytes, int SendQueueCapacity, TimeSpan CloseTimeout);

/// <summary>
/// One WebSocket: a receive loop that reassembles text frames (bounded in size) and hands them to
/// the frame handler, and a bounded send queue, since a WebSocket allows one send and one receive at
/// a time. Anyone may queue a frame or ask for a close; only the sender writes to the socket. The
/// sender runs on the thread pool only while frames wait (an idle connection holds no parked loop),
/// and writes the frames it finds waiting with one flush, so a busy socket costs one transport write
/// per batch instead of one per frame; a lone frame goes out at once. A receiver whose queue is
/// full is closed with 1013 instead of growing memory.
/// </summary>
public sealed class RealtimeConnection : Channels.IFrameReceiver, IThreadPoolWorkItem, IDisposable
{
    private const int InitialReceiveBuffer = 4 * 1024;

    /// <summary>Most frames and bytes written before a flush: a long backlog still reaches the wire in steady pieces.</summary>
    private const int MaxBatchFrames = 64;
    private const int MaxBatchBytes = 64 * 1024;

    private readonly WebSocket _socket;
    private readonly IFrameBatching? _batching;
    private readonly ConnectionSettings _settings;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _closeTimeout = new();
    private readonly Lock _gate = new();
    private Queue<ReadOnlyMemory<byte>>? _frames;
    private bool _sending;
    private bool _completed;
    private bool _senderDone;
    private TaskCompletionSource? _room;
    private TaskCompletionSource? _sent;
    private long _lastReceived;
    private long _queuedBytes;
    private int _closeRequested;
    private WebSocketCloseStatus _closeStatus = CloseCodes.Normal;
    private string _closeReason = "";

    /// <param name="batching">The socket's stream, when it can hold writes back for one flush; without it each frame is flushed.</param>
    public RealtimeConnection(string id, WebSocket socket, ConnectionSettings settings, TimeProvider time, IFrameBatching? batching = null)
    {
        Id = id;
        _socket = socket;
        _batching = batching;
        _settings = settings;
        _time = time;
        _lastReceived = time.GetTimestamp();
    }

    public string Id { get; }

    /// <summary>The signed-in user, or null for an anonymous connection.</summary>
    public string? User { get; init; }

    /// <summary>What the app's connect hook attached to this connection (sent in <c>welcome</c>, given to every later hook).</summary>
    public System.Text.Json.JsonElement? ConnectData { get; init; }

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
        var deadline = _time.GetTimestamp() + (long)(_settings.CloseTimeout.TotalSeconds * _time.TimestampFrequency);
        while (!TryQueue(frame, out var room))
        {
            if (room is null)
            {
                return false; // closing
            }

            var left = TimeSpan.FromSeconds((double)(deadline - _time.GetTimestamp()) / _time.TimestampFrequency);
            try
            {
                await room.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return TrySend(frame);
            }
        }

        return true;
    }

    private bool TryQueue(ReadOnlyMemory<byte> frame) => TryQueue(frame, out _);

    /// <summary>
    /// Queues a frame and counts its bytes: one addition per frame on the fan-out path. The sender may
    /// take the frame before it is counted, so the count can dip below zero for a moment; only the
    /// memory guard reads it, to rank backlogs of many kilobytes. Not queued: <paramref name="room"/>
    /// completes when the sender next makes room, or is null when the connection is closing.
    /// </summary>
    private bool TryQueue(ReadOnlyMemory<byte> frame, out Task? room)
    {
        room = null;
        lock (_gate)
        {
            if (_completed)
            {
                return false;
            }

            var frames = _frames ??= new Queue<ReadOnlyMemory<byte>>(4);
            if (frames.Count >= _settings.SendQueueCapacity)
            {
                room = (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                return false;
            }

            frames.Enqueue(frame);
            Interlocked.Add(ref _queuedBytes, frame.Length);
            if (_sending)
            {
                return true;
            }

            _sending = true;
        }

        StartSender();
        return true;
    }

    /// <summary>The sender runs on the pool, never inline: a fan-out to thousands must not write to each socket itself.</summary>
    private void StartSender() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

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
        bool start;
        lock (_gate)
        {
            _completed = true;
            if (discardQueue && _frames is { Count: > 0 } frames)
            {
                foreach (var frame in frames)
                {
                    Interlocked.Add(ref _queuedBytes, -frame.Length);
                }

                frames.Clear();
            }

            // The sender says goodbye after the frames it has (none when discarded).
            start = !_sending;
            _sending = true;
            _room?.TrySetResult();
            _room = null;
        }

        if (start)
        {
            StartSender();
        }

        try
        {
            // A peer that neither reads nor answers the close is cut off after the timeout. Registered
            // only now: an idle connection carries no registration.
            _closeTimeout.Token.Register(static s => ((WebSocket)s!).Abort(), _socket);
            _closeTimeout.CancelAfter(_settings.CloseTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The connection has already ended.
        }

        return true;
    }

    /// <summary>
    /// Runs the receive loop until the connection ends, then waits for the sender's goodbye. Nothing
    /// here follows the host's stopping token: the host fires it before the drain runs, and a read or write tied to it would cut every client that
    /// talks during the drain instead of letting the drain say goodbye. A connection ends when the
    /// peer leaves, when it is closed (drain included), or when its close timeout aborts it.
    /// </summary>
    public async Task RunAsync(IFrameHandler handler)
    {
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
            Task sent;
            lock (_gate)
            {
                // The sender's goodbye, unless said already (or given up on a broken socket). Made here,
                // not by Close: another thread may have won the close and not reached the gate yet.
                sent = _senderDone ? Task.CompletedTask : (_sent ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            await sent.ConfigureAwait(false);
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

    void IThreadPoolWorkItem.Execute() => _ = SendQueuedAsync();

    /// <summary>
    /// Writes what is queued, then returns: started when the first frame of an empty queue (or a
    /// close) arrives, so an idle connection has no sender waiting. Frames found waiting behind the
    /// one in hand are written without a flush; the last of them flushes them all.
    /// </summary>
    private async Task SendQueuedAsync()
    {
        var batched = 0;
        var batchedBytes = 0;
        var unflushed = false;
        var broken = false;
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> frame;
                bool more;
                lock (_gate)
                {
                    if (_frames is not { Count: > 0 } frames)
                    {
                        if (!_completed)
                        {
                            _sending = false;
                            return;
                        }

                        break; // closing, and everything to send before the close is sent
                    }

                    frame = frames.Dequeue();
                    batched++;
                    batchedBytes += frame.Length;
                    more = _batching is not null && frames.Count > 0 && batched < MaxBatchFrames && batchedBytes < MaxBatchBytes;
                    _room?.TrySetResult();
                    _room = null;
                }

                Interlocked.Add(ref _queuedBytes, -frame.Length);
                if (_batching is not null)
                {
                    _batching.DeferFlush = more;
                }

                // No token: it would register and unregister a callback on every send. A send stuck
                // on a reader that never reads ends when the close timeout aborts the socket.
                unflushed = more;
                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
                if (!more)
                {
                    batched = batchedBytes = 0;
                }
            }

            if (_batching is not null)
            {
                _batching.DeferFlush = false;
            }

            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, CancellationToken.None).ConfigureAwait(false);
                unflushed = false;
            }
        }
        catch (Exception e)
        {
            // The socket is gone (or, for anything else, made to be): the receive loop ends with it,
            // and nothing more is sent. Never left to fail a task nobody awaits, which would leave
            // the connection waiting for its goodbye for ever.
            broken = true;
            if (e is not (WebSocketException or OperationCanceledException or IOException or ObjectDisposedException))
            {
                _socket.Abort();
            }
        }

        await FlushHeldBackAsync(unflushed).ConfigureAwait(false);
        lock (_gate)
        {
            if (broken)
            {
                // Closing from here on, so a frame offered later is refused quietly, not taken for a slow reader.
                Interlocked.Exchange(ref _closeRequested, 1);
                _completed = true;
                foreach (var frame in _frames ?? [])
                {
                    Interlocked.Add(ref _queuedBytes, -frame.Length);
                }

                _frames?.Clear();
                _room?.TrySetResult();
                _room = null;
            }

            _senderDone = true;
            _sent?.TrySetResult();
        }
    }

    /// <summary>
    /// The sender stopped after a write it held back (mid-batch, the socket then closed or broke): what
    /// the WebSocket wrote meanwhile, its own close frame after a protocol error included, still goes out.
    /// </summary>
    private async ValueTask FlushHeldBackAsync(bool unflushed)
    {
        if (_batching is null)
        {
            return;
        }

        _batching.DeferFlush = false;
        if (!unflushed || _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            return; // nothing held, or the WebSocket may still write, and a write flushes it
        }

        try
        {
            await _batching.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The transport is gone too.
        }
    }
}

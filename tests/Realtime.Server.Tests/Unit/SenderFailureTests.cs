using System.Net.WebSockets;
using Realtime.AspNetCore.Connections;

namespace Realtime.Server.Tests.Unit;

/// <summary>
/// A socket whose transport breaks under the sender: the connection counts as closing (a frame
/// offered afterwards is refused quietly, not taken for a slow reader), and it still ends, releasing
/// what it held, when its receive side gives up.
/// </summary>
public sealed class SenderFailureTests
{
    [Fact]
    public async Task A_send_that_fails_closes_the_connection_quietly_and_it_still_ends()
    {
        var transport = new BrokenTransport();
        using var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        using var connection = new RealtimeConnection("c1", socket, new ConnectionSettings(1024, 8, TimeSpan.FromSeconds(5)), TimeProvider.System);
        var slow = 0;
        connection.SlowConsumer += _ => Interlocked.Increment(ref slow);
        var handler = new RecordingHandler();
        var running = connection.RunAsync(handler);

        Assert.True(connection.TrySend("{\"n\":1}"u8.ToArray()));
        await transport.WriteFailed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Realtime.Server.Tests.Infrastructure.Eventually.TrueAsync(() => connection.IsClosing, "the connection counts as closing");

        Assert.False(connection.TrySend("{\"n\":2}"u8.ToArray()));
        Assert.Equal(0, Volatile.Read(ref slow)); // a broken socket is not a slow reader

        transport.EndOfInput(); // the peer is gone: the receive side ends too
        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(handler.Closed);
    }

    private sealed class RecordingHandler : IFrameHandler
    {
        public bool Closed { get; private set; }

        public ValueTask HandleAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) => default;

        public ValueTask ClosedAsync()
        {
            Closed = true;
            return default;
        }
    }

    /// <summary>Reads wait until <see cref="EndOfInput"/>; every write fails as a reset connection's would.</summary>
    private sealed class BrokenTransport : Stream
    {
        private readonly TaskCompletionSource _inputEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource WriteFailed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void EndOfInput() => _inputEnded.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _inputEnded.Task.WaitAsync(cancellationToken);
            return 0;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            WriteFailed.TrySetResult();
            return ValueTask.FromException(new IOException("connection reset by peer", new System.Net.Sockets.SocketException(104)));
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("connection reset by peer");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

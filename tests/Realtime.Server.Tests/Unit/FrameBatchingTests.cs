using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Realtime.AspNetCore.Connections;
using Realtime.AspNetCore.Connections.Handshake;

namespace Realtime.Server.Tests.Unit;

/// <summary>
/// The sender writes the frames it finds waiting with one flush (one transport write), and a lone
/// frame at once. The connection runs over a real WebSocket on the stream the handshake middleware
/// gives it; the transport is a pipe that counts flushes and can hold the first one back.
/// </summary>
public sealed class FrameBatchingTests
{
    [Fact]
    public async Task Frames_that_wait_behind_a_send_go_out_with_one_flush()
    {
        var transport = new CountingTransport();
        var stream = new DuplexPipeStream(transport);
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        using var connection = new RealtimeConnection("c1", socket, new ConnectionSettings(1024, 100, TimeSpan.FromSeconds(5)), TimeProvider.System, stream);

        transport.HoldNextFlush();
        Assert.True(connection.TrySend(Frame(0)));
        await transport.FlushHeld.WaitAsync(TimeSpan.FromSeconds(10)); // the sender is inside its first flush
        for (var i = 1; i <= 10; i++)
        {
            Assert.True(connection.TrySend(Frame(i)));
        }

        transport.ReleaseFlush();
        var received = await transport.ReadFramesAsync(11);
        Assert.Equal(Enumerable.Range(0, 11).Select(i => $"{{\"n\":{i}}}"), received);
        Assert.Equal(2, transport.Flushes); // the first frame's, then one for the ten behind it

        // A lone frame is not held back for company.
        Assert.True(connection.TrySend(Frame(11)));
        Assert.Equal(["{\"n\":11}"], await transport.ReadFramesAsync(1));
        Assert.Equal(3, transport.Flushes);
    }

    private static ReadOnlyMemory<byte> Frame(int n) => Encoding.UTF8.GetBytes($"{{\"n\":{n}}}");

    /// <summary>A transport whose output counts flushes and can keep one waiting; what is flushed can be read back as WebSocket frames.</summary>
    private sealed class CountingTransport : IDuplexPipe
    {
        private readonly Pipe _output = new();
        private readonly CountingWriter _writer;

        public CountingTransport() => _writer = new CountingWriter(_output.Writer);

        public PipeReader Input { get; } = new Pipe().Reader;

        public PipeWriter Output => _writer;

        public int Flushes => _writer.Flushes;

        public Task FlushHeld => _writer.Held.Task;

        public void HoldNextFlush() => _writer.HoldNext = true;

        public void ReleaseFlush() => _writer.Gate.SetResult();

        /// <summary>Unmasked server frames, small enough for a 7-bit length: 0x81, length, payload.</summary>
        public async Task<List<string>> ReadFramesAsync(int count)
        {
            var frames = new List<string>();
            while (frames.Count < count)
            {
                var result = await _output.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                var buffer = result.Buffer;
                while (frames.Count < count && buffer.Length >= 2)
                {
                    var head = buffer.Slice(0, 2).ToArray();
                    var length = head[1] & 0x7f;
                    if (buffer.Length < 2 + length)
                    {
                        break;
                    }

                    frames.Add(Encoding.UTF8.GetString(buffer.Slice(2, length).ToArray()));
                    buffer = buffer.Slice(2 + length);
                }

                _output.Reader.AdvanceTo(buffer.Start, buffer.End);
            }

            return frames;
        }
    }

    private sealed class CountingWriter(PipeWriter inner) : PipeWriter
    {
        private int _flushes;

        public int Flushes => Volatile.Read(ref _flushes);

        public volatile bool HoldNext;

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _flushes);
            if (HoldNext)
            {
                HoldNext = false;
                Held.TrySetResult();
                await Gate.Task;
            }

            return await inner.FlushAsync(cancellationToken);
        }

        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}

using System.Buffers;
using System.IO.Pipelines;

namespace Realtime.AspNetCore.Connections.Handshake;

/// <summary>
/// A connection's transport pipes as the one read/write stream a <see cref="System.Net.WebSockets.WebSocket"/>
/// is made from. Disposing it (the WebSocket does so when it is disposed or aborted) wakes a read or
/// flush still waiting, so neither loop outlives the socket; closing the transport stays Kestrel's job.
/// With <see cref="DeferFlush"/> the WebSocket's flush after a frame is skipped: the connection's
/// sender writes the frames it has waiting and flushes once.
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe pipe) : Stream, IFrameBatching
{
    private readonly Stream _input = pipe.Input.AsStream(leaveOpen: true);
    private readonly Stream _output = pipe.Output.AsStream(leaveOpen: true);

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _input.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _input.ReadAsync(buffer, offset, count, cancellationToken);

    /// <summary>
    /// Set by the sender between its own sends. Any write the WebSocket makes in between (a pong to
    /// a protocol ping) holds its send lock as the sender's do, so writes never overlap, and is flushed
    /// with the sender's next write.
    /// </summary>
    public bool DeferFlush { get; set; }

    /// <summary>
    /// Into the pipe, not yet to the socket: the WebSocket flushes after every frame it writes, and
    /// one flush per frame is all it takes (a write that flushed too would make two).
    /// </summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        pipe.Output.Write(buffer.Span);
        return default;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        DeferFlush ? Task.CompletedTask : _output.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

    public override void Write(byte[] buffer, int offset, int count) => pipe.Output.Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
        if (!DeferFlush)
        {
            _output.Flush();
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            pipe.Input.CancelPendingRead();
            pipe.Output.CancelPendingFlush();
        }

        base.Dispose(disposing);
    }
}

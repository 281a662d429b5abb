namespace Realtime.AspNetCore.Channels;

/// <summary>
/// What a channel needs of a subscriber's connection: somewhere to queue frames, and a way to close
/// it when it falls behind. The connection implements it; channels know nothing else of it.
/// </summary>
public interface IFrameReceiver
{
    /// <summary>Queues a frame; false when it was not (the receiver is closing, or was too slow and is now).</summary>
    bool TrySend(ReadOnlyMemory<byte> frame);

    /// <summary>Closes with 1013 for falling behind (more held during a resume than it may take).</summary>
    void CloseTooSlow();
}

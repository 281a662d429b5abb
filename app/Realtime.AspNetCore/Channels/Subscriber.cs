using Realtime.AspNetCore.Backplane;

namespace Realtime.AspNetCore.Channels;

/// <summary>
/// One connection's subscription to one channel on this node. While the connection resumes (its
/// missed messages are being read from history), live messages are held here, then released in
/// offset order without those the replay already covered: no gap, no duplicate.
/// </summary>
internal sealed class Subscriber(IFrameReceiver connection, bool presenceEvents, int maxHeld)
{
    private readonly Lock _gate = new();

    // Held frames with their place in the channel (messages and gap notices); one without (presence) is always sent.
    private List<(ChannelOffset? Position, ReadOnlyMemory<byte> Frame)>? _held = [];

    public IFrameReceiver Connection { get; } = connection;

    /// <summary>Whether the client asked for join and leave events.</summary>
    public bool PresenceEvents { get; } = presenceEvents;

    // What the subscription started after (set by Release): the channel may still deliver older
    // events when it was filling a hole as this subscriber joined, and those the client has already.
    private ChannelOffset? _floor;

    /// <summary>Delivers a frame now, or holds it while the subscription is still being resumed.</summary>
    public bool Deliver(BackplaneMessage message, ReadOnlyMemory<byte> frame) => Offer(message.Position, frame);

    /// <summary>
    /// A gap notice (<paramref name="upTo"/>: where delivery goes on), in order with the messages. One
    /// at or below where this subscriber started says nothing it does not have: it is not sent, so a
    /// client never moves back to an offset it already passed.
    /// </summary>
    public void TellGap(ChannelOffset? upTo, ReadOnlyMemory<byte> frame) => Offer(upTo, frame);

    /// <summary>Holds the frame while resuming; afterwards sends it unless it lies at or before where the subscription started.</summary>
    private bool Offer(ChannelOffset? position, ReadOnlyMemory<byte> frame) =>
        Hold(position, frame) ?? (Covers(_floor, position) || Connection.TrySend(frame));

    private static bool Covers(ChannelOffset? floor, ChannelOffset? position) =>
        floor is { } f && position is { } p && p.Epoch == f.Epoch && p.Sequence <= f.Sequence;

    /// <summary>
    /// Ends the hold: sends what arrived after <paramref name="coveredUpTo"/> (all of it when null),
    /// then lets live messages through. Runs under the hold's lock, so nothing overtakes.
    /// </summary>
    public void Release(ChannelOffset? coveredUpTo)
    {
        lock (_gate)
        {
            foreach (var (position, frame) in _held ?? [])
            {
                if (Covers(coveredUpTo, position))
                {
                    continue; // already sent by the replay, or at or before the offset the client was given
                }

                Connection.TrySend(frame);
            }

            _floor = coveredUpTo;
            Volatile.Write(ref _held, null);
        }
    }

    /// <summary>Holds the frame while resuming: true when held, false when the hold overflowed, null when not holding.</summary>
    private bool? Hold(ChannelOffset? position, ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _held) is null)
        {
            return null;
        }

        lock (_gate)
        {
            if (_held is not { } held)
            {
                return null;
            }

            if (held.Count >= maxHeld)
            {
                // Too much arrived while resuming: the client must start over.
                Connection.CloseTooSlow();
                return false;
            }

            held.Add((position, frame));
            return true;
        }
    }
}

using Realtime.Server.Backplane;
using Realtime.Server.Connections;

namespace Realtime.Server.Channels;

/// <summary>
/// One connection's subscription to one channel on this node. While the connection resumes (its
/// missed messages are being read from history), live messages are held here, then released in
/// offset order without those the replay already sent: no gap, no duplicate.
/// </summary>
internal sealed class Subscriber(RealtimeConnection connection, bool presenceEvents, int maxHeld)
{
    private readonly Lock _gate = new();
    private List<(BackplaneMessage Message, ReadOnlyMemory<byte> Frame)>? _held = [];

    public RealtimeConnection Connection { get; } = connection;

    /// <summary>Whether the client asked for join and leave events.</summary>
    public bool PresenceEvents { get; } = presenceEvents;

    /// <summary>Delivers a frame now, or holds it while the subscription is still being resumed.</summary>
    public bool Deliver(BackplaneMessage message, ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _held) is not null)
        {
            lock (_gate)
            {
                if (_held is { } held)
                {
                    if (held.Count >= maxHeld)
                    {
                        // Too much arrived while resuming: the client must start over.
                        Connection.Close(Protocol.CloseCodes.TryAgainLater, "receiver too slow", discardQueue: true);
                        return false;
                    }

                    held.Add((message, frame));
                    return true;
                }
            }
        }

        return Connection.TrySend(frame);
    }

    /// <summary>
    /// Ends the hold: sends what arrived after <paramref name="replayedUpTo"/> (all of it when null),
    /// then lets live messages through. Runs under the hold's lock, so nothing overtakes.
    /// </summary>
    public void Release(ChannelOffset? replayedUpTo)
    {
        lock (_gate)
        {
            foreach (var (message, frame) in _held ?? [])
            {
                if (replayedUpTo is { } last
                    && ChannelOffset.TryParse(message.Offset, out var offset)
                    && offset.Epoch == last.Epoch
                    && offset.Position <= last.Position)
                {
                    continue; // already sent by the replay
                }

                Connection.TrySend(frame);
            }

            Volatile.Write(ref _held, null);
        }
    }
}
